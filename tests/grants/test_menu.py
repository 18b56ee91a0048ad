"""The main menu as data: every entry names a real page and a real rule, and groups fold only when they hold two."""

import pytest
from flask import url_for

from grants.menu import menu, menu_for
from grants.permissions import _rules
from tests.factories import create_user


def test_every_entry_names_a_route_and_registered_rules(app):
    with app.test_request_context("/"):
        for group in menu(app):
            for entry in group.entries:
                assert url_for(entry.endpoint)
                for action in (*entry.needs, *entry.unless):
                    assert action in _rules, f"{entry.endpoint}: no permission rule {action!r}"


@pytest.mark.parametrize("roles, groups, folded", [
    (["operator"], ["main", "manage", "figures", "admin"], ["manage"]),
    (["admin"], ["main", "manage", "figures", "admin"], ["manage", "admin"]),
    (["applicant"], ["main", "manage"], []),  # their own NGOs: one entry, a plain link
])
def test_a_group_folds_into_a_drop_down_only_when_the_user_sees_two_of_its_entries(app, roles, groups, folded):
    user = create_user(*roles)
    with app.test_request_context("/"):
        shown = menu_for(user, "home.index")
    assert [g.key for g, _links in shown] == groups
    assert [g.key for g, links in shown if g.label and len(links) > 1] == folded
    home = shown[0][1][0]
    assert home.url == "/" and home.current


def test_the_operator_reaches_the_board_from_the_management_group_and_the_applicant_their_own_agreements(app):
    with app.test_request_context("/"):
        operator = {g.key: links for g, links in menu_for(create_user("operator"), "home.index")}
        applicant = {g.key: links for g, links in menu_for(create_user("applicant"), "home.index")}
    assert "/manage/agreements" in [link.url for link in operator["manage"]]
    assert "/agreements" not in [link.url for links in operator.values() for link in links]
    assert "/agreements" in [link.url for links in applicant.values() for link in links]


def test_the_packages_add_their_entries_where_each_role_looks_for_them(app):
    with app.test_request_context("/"):
        expert = [link.url for _g, links in menu_for(create_user("expert"), "home.index") for link in links]
        operator = {g.key: [link.url for link in links] for g, links in menu_for(create_user("operator"), "home.index")}
    assert expert[:3] == ["/", "/calls/", "/expert/"]  # scoring's "My assignments" right after the core's entries
    # the register before the NGOs; the search across them all last
    assert operator["manage"][-3:] == ["/manage/experts/", "/organizations/", "/search/"]
    assert operator["figures"] == ["/analyst/"]  # reports' own group, after Management
