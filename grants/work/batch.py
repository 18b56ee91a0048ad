"""Batch actions on a call's applications: the same service for each application chosen, previewed first.

The preview runs each application's service and rolls it back, so it says exactly what the action will do and why
it will not for each: the service's own refusal, not a guess beside it. Confirmed, each runs in a transaction of its
own: one refused does not undo the rest, and each done writes its own audit event.

The core's actions are here; a package above the core adds its own to its app (`add_action(app, ...)`), as it adds
My work's sources, so the core names none of its services."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from grants.applications import eligibility
from grants.applications.models import CHECKLIST, Application
from grants.calls.models import Topic
from grants.extensions import db
from grants.i18n import _, _l
from grants.refusals import Refusal
from grants.work import leads

MAX = 200  # applications at once: a page of the list is 50
EXTENSION = "baiqau.batch"  # in app.extensions: the packages' actions


@dataclass(frozen=True)
class Action:
    key: str
    label: object
    service: object  # fn(actor, application, params) -> result; raises a Refusal
    describe: object = None  # fn(result) -> what it does to the application, in words (the preview shows it)
    finish: object = None  # fn(actor, [(application, result)]) once every application is done, then committed


@dataclass
class Row:
    application: Application
    done: bool
    why: str = ""
    what: str = ""  # what it does, where the action says more than "done"
    result: object = None


CORE = [
    Action("lead", _l("Name the lead"), lambda actor, application, params: leads.set_lead(
        actor, application, params.get("lead"))),
    Action("eligible", _l("Decide: eligible, every item of the checklist met"),
           lambda actor, application, params: eligibility.review(
               actor, application, "eligible", {code: True for code, _label in CHECKLIST})),
]


def add_action(app, key, label, service, describe=None, finish=None):
    """A package's action on its app's applications lists, after the core's."""
    app.extensions.setdefault(EXTENSION, []).append(Action(key, label, service, describe, finish))


def actions():
    """{key: Action} of this app, in order."""
    return {a.key: a for a in [*CORE, *current_app.extensions.get(EXTENSION, [])]}


def labels():
    """{key: label} of this app's actions, for the list's choice of action."""
    return {key: a.label for key, a in actions().items()}


def chosen(call, ids):
    """The call's applications among the ids given, in receipt order; others are ignored."""
    wanted = {int(i) for i in ids if str(i).isdigit()}
    if not wanted:
        return []
    return db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.id.in_(wanted))
        .order_by(Application.receipt_number).limit(MAX)).scalars().all()


def _each(action, actor, applications, params, keep):
    """Each application's service in a transaction of its own, committed when `keep`, else rolled back."""
    rows = []
    for application_id in [a.id for a in applications]:
        application = db.session.get(Application, application_id)
        try:
            result = action.service(actor, application, params)
            what = action.describe(result) if action.describe else ""
        except Refusal as refusal:
            db.session.rollback()
            rows.append(Row(application, False, str(refusal)))
            continue
        if keep:
            db.session.commit()
        else:
            db.session.rollback()
        rows.append(Row(application, True, what=what, result=result))
    return rows


def preview(key, actor, applications, params):
    """[Row] of what the action would do to each application; nothing is kept."""
    return _each(actions()[key], actor, applications, params, keep=False)


def run(key, actor, applications, params):
    """[Row] of what the action did, each done committed on its own; then the action's finish, committed."""
    if not applications:
        raise Refusal(_("Choose at least one application."))
    action = actions()[key]
    rows = _each(action, actor, applications, params, keep=True)
    done = [(row.application, row.result) for row in rows if row.done]
    if action.finish and done:
        action.finish(actor, done)
        db.session.commit()
    return rows
