"""Batch actions on a call's applications: the same service for each application chosen, previewed first.

The preview runs each application's service and rolls it back, so it says exactly what the action will do and why
it will not for each: the service's own refusal, not a guess beside it. Confirmed, each runs in a transaction of its
own: one refused does not undo the rest, and each done writes its own audit event."""

from dataclasses import dataclass

import sqlalchemy as sa

from grants.applications import eligibility
from grants.applications.models import CHECKLIST, Application
from grants.calls.models import Topic
from grants.extensions import db
from grants.i18n import _
from grants.refusals import Refusal
from grants.work import leads

MAX = 200  # applications at once: a page of the list is 50


@dataclass
class Row:
    application: Application
    done: bool
    why: str = ""


def chosen(call, ids):
    """The call's applications among the ids given, in receipt order; others are ignored."""
    wanted = {int(i) for i in ids if str(i).isdigit()}
    if not wanted:
        return []
    return db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.id.in_(wanted))
        .order_by(Application.receipt_number).limit(MAX)).scalars().all()


def _service(action, actor, params):
    if action == "lead":
        return lambda application: leads.set_lead(actor, application, params["lead"])
    if action == "eligible":
        return lambda application: eligibility.review(actor, application, "eligible",
                                                      {code: True for code, _label in CHECKLIST})
    raise ValueError(action)


def _each(action, actor, applications, params, keep):
    """Each application's service in a transaction of its own, committed when `keep`, else rolled back."""
    run = _service(action, actor, params)
    rows = []
    for application_id in [a.id for a in applications]:
        application = db.session.get(Application, application_id)
        try:
            run(application)
        except Refusal as refusal:
            db.session.rollback()
            rows.append(Row(application, False, str(refusal)))
            continue
        if keep:
            db.session.commit()
        else:
            db.session.rollback()
        rows.append(Row(application, True))
    return rows


def preview(action, actor, applications, params):
    """[Row] of what the action would do to each application; nothing is kept."""
    return _each(action, actor, applications, params, keep=False)


def run(action, actor, applications, params):
    """[Row] of what the action did, each done committed on its own."""
    if not applications:
        raise Refusal(_("Choose at least one application."))
    return _each(action, actor, applications, params, keep=True)
