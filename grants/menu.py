"""The main menu as data: groups of entries, each entry shown to whoever its permission rules let in."""

from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from grants.i18n import _l
from grants.permissions import can


@dataclass(frozen=True)
class Entry:
    """One link: shown when the user may do every action in `needs` and none in `unless`."""

    endpoint: str
    label: object
    needs: tuple = ()
    unless: tuple = ()
    # other endpoints that count as "this page" for aria-current (the pages under the entry)
    under: tuple = ()

    def visible(self, user):
        return all(can(user, a) for a in self.needs) and not any(can(user, a) for a in self.unless)


@dataclass(frozen=True)
class Group:
    """Entries under one heading. A group without a label lays its entries in the bar itself; a labelled group
    folds into a drop-down when the user sees two or more of its entries, and is a plain link when one."""

    key: str
    label: object
    entries: tuple


MENU = (
    Group("main", None, (
        Entry("home.index", _l("Home")),
        Entry("calls.index", _l("Calls")),
        Entry("applications.index", _l("My applications"), ("application.start",)),
        Entry("agreements.index", _l("My agreements"), ("agreement.view", "agreement.grantee"), ("monitoring.board",)),
        Entry("agreements.index", _l("Agreements"), ("agreement.view",), ("monitoring.board", "agreement.grantee")),
        Entry("expert.index", _l("My assignments"), ("assignment.own",)),
        Entry("commission.mine", _l("My meetings"), ("commission.own",)),
    )),
    Group("manage", _l("Management"), (
        Entry("manage_calls.index", _l("Managing calls"), ("call.manage",)),
        Entry("manage_agreements.board", _l("Agreements"), ("monitoring.board",)),
        Entry("customer_reports.queue", _l("Reports awaiting review"), ("report.customer_review",),
              under=("customer_reports.review",)),
        Entry("experts.index", _l("Expert register"), ("expert.register",)),
        Entry("organizations.index", _l("NGOs"), ("organization.list",)),
    )),
    Group("figures", None, (
        Entry("analyst.index", _l("Statistics"), ("stats.view",)),
    )),
    Group("admin", _l("Administration"), (
        Entry("users_admin.users", _l("Users"), ("admin.users",)),
        Entry("reference.index", _l("Reference data"), ("reference.any",)),
        Entry("users_admin.audit_log", _l("Audit log"), ("admin.audit",)),
        Entry("users_admin.outbox", _l("Outgoing mail"), ("admin.outbox",)),
    )),
)


@dataclass(frozen=True)
class Shown:
    label: str
    url: str
    current: bool


def menu_for(user=None, endpoint=None):
    """The groups this user sees, in order: [(group, [Shown, ...])], empty groups left out."""
    user = current_user if user is None else user
    endpoint = request.endpoint if endpoint is None else endpoint
    shown = []
    for group in MENU:
        links = [Shown(str(e.label), url_for(e.endpoint), endpoint in (e.endpoint, *e.under))
                 for e in group.entries if e.visible(user)]
        if links:
            shown.append((group, links))
    return shown
