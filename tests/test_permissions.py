"""Every route × every role: the allowed answer, the rest are refused. A new route needs a row in
EXPECTED (tests/access.py)."""

import pytest

from grants.auth.models import Role
from tests.access import ANON, API, CALL_RUNNERS, EXPECTED, QUERIES, routes, url_of
from tests.access import world as world  # the fixture: users of every role and the objects they own
from tests.conftest import login, post_form
from tests.factories import create_organization, create_user


def test_every_route_has_an_expected_row_and_a_permission(app):
    for rule in routes(app):
        assert rule.endpoint in EXPECTED, f"{rule.endpoint} ({rule.rule}) has no row in EXPECTED (tests/access.py)"
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "permission"), f"{rule.endpoint} is not decorated with @allow(action)"
    assert set(EXPECTED) <= {r.endpoint for r in routes(app)}, "EXPECTED names a route that no longer exists"


def request(client, rule, args, who, method):
    url = url_of(rule, args) + QUERIES.get(rule.endpoint, "")
    if rule.rule.startswith(API) and who != ANON:
        return client.get(url, headers={"Authorization": f"Bearer bq_world_{who.value}"})
    if method == "GET":
        return client.get(url)
    return post_form(client, url, page="/auth/login" if who == ANON else "/")


# Where a page's form is for fewer people than the page: who may POST it.
POST_EXPECTED = {
    "commission.meeting": CALL_RUNNERS,  # members read the meeting; the operator's secretary keeps its record
}


def methods(rule):
    """Every method a route takes, GET first: a page and its form are both guarded."""
    return [m for m in ("GET", "POST") if m in rule.methods] if not rule.rule.startswith(API) else ["GET"]


def refused(response, anonymous, rule):
    if rule.rule.startswith(API):
        return response.status_code == (401 if anonymous else 403)
    if anonymous:
        return response.status_code == 302 and "/auth/login" in response.location
    return response.status_code == 403


@pytest.mark.parametrize("who", [ANON, *Role], ids=str)
def test_route_answers_or_refuses_by_role(app, world, who):
    users, args = world
    client = app.test_client()
    if who != ANON:
        assert login(client, users[who].email).status_code == 302
    for rule in routes(app):
        for method in methods(rule):
            response = request(client, rule, args, who, method)
            response.close()
            status = response.status_code
            assert status < 500, f"{method} {rule.endpoint} gave {status} to {who}"
            if who in POST_EXPECTED.get(rule.endpoint, EXPECTED[rule.endpoint]) if method == "POST" else \
                    who in EXPECTED[rule.endpoint]:
                # let in: answered, or its input refused (400); never refused (403) nor missing (404)
                assert not refused(response, who == ANON, rule) and status not in (401, 403, 404), (
                    f"{who} was refused {method} {rule.endpoint}: {status}")
            else:
                assert refused(response, who == ANON, rule), f"{who} was not refused {method} {rule.endpoint}: {status}"
            if rule.endpoint == "auth.logout" and who != ANON:
                login(client, users[who].email)


def test_applicant_cannot_open_another_ngos_record(app):
    mine, theirs = create_user("applicant"), create_user("applicant")
    create_organization(owner=mine)
    other = create_organization(owner=theirs)
    client = app.test_client()
    login(client, mine.email)
    assert client.get(f"/organizations/{other.id}").status_code == 403
    listing = client.get("/organizations/").get_data(as_text=True)
    assert other.bin not in listing


def test_operator_sees_every_ngo(app):
    operator = create_user("operator")
    orgs = [create_organization(owner=create_user("applicant")) for _ in range(3)]
    client = app.test_client()
    login(client, operator.email)
    listing = client.get("/organizations/").get_data(as_text=True)
    assert all(org.bin in listing for org in orgs)
