"""The main menu as data: groups of entries, each entry shown to whoever its permission rules let in.

The core's entries are written here; the packages above the core (scoring, reports) add theirs as they register
(`add_entry`, `add_group`), so the core names none of their pages. Each app keeps its own menu."""

from dataclasses import dataclass, replace

from flask import current_app, request, url_for
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


# The core's menu; each app starts from it (install) and the packages add to their app's copy.
CORE = (
    Group("main", None, (
        Entry("home.index", _l("Home")),
        Entry("work.index", _l("My work"), ("work.mine",)),
        Entry("calls.index", _l("Calls")),
        Entry("applications.index", _l("My applications"), ("application.start",)),
        Entry("agreements.index", _l("My agreements"), ("agreement.view", "agreement.grantee"), ("monitoring.board",)),
        Entry("agreements.index", _l("Agreements"), ("agreement.view",), ("monitoring.board", "agreement.grantee")),
    )),
    Group("manage", _l("Management"), (
        Entry("manage_calls.index", _l("Managing calls"), ("call.manage",)),
        Entry("letters.index", _l("Decision letters"), ("letter.edit",), under=("letters.edit",)),
        Entry("manage_agreements.board", _l("Agreements"), ("monitoring.board",)),
        Entry("customer_reports.queue", _l("Reports awaiting review"), ("report.customer_review",),
              under=("customer_reports.review",)),
        Entry("organizations.index", _l("NGOs"), ("organization.list",)),
        Entry("search.index", _l("Search records"), ("search.use",)),
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


MENU = "baiqau.menu"


def install(app):
    app.extensions[MENU] = list(CORE)


def menu(app=None):
    """This app's groups, the core's and the packages' together, in order."""
    return (app or current_app).extensions[MENU]


def add_group(app, group, after):
    """Add a package's group after the group keyed `after`."""
    groups = menu(app)
    groups.insert(next(i for i, g in enumerate(groups) if g.key == after) + 1, group)


def add_entry(app, key, entry, after=None):
    """Add a package's entry to the group keyed `key`: after the last entry for the endpoint `after`, or last."""
    groups = menu(app)
    at, group = next((i, g) for i, g in enumerate(groups) if g.key == key)
    entries = list(group.entries)
    where = len(entries) if after is None else max(i for i, e in enumerate(entries) if e.endpoint == after) + 1
    entries.insert(where, entry)
    groups[at] = replace(group, entries=tuple(entries))


def menu_for(user=None, endpoint=None):
    """The groups this user sees, in order: [(group, [Shown, ...])], empty groups left out."""
    user = current_user if user is None else user
    endpoint = request.endpoint if endpoint is None else endpoint
    shown = []
    for group in menu():
        links = [Shown(str(e.label), url_for(e.endpoint), endpoint in (e.endpoint, *e.under))
                 for e in group.entries if e.visible(user)]
        if links:
            shown.append((group, links))
    return shown
