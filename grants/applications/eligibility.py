"""The operator's eligibility check, its published conclusion, and the integrity flags."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants import audit
from grants.applications import seal
from grants.applications.models import CHECKLIST, Application, CallConclusion, EligibilityReview, Outcome, Status
from grants.applications.phases import require_eligibility_open
from grants.applications.services import ApplicationError
from grants.calls.models import Phase, Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.letters import services as letters
from grants.reference.models import ReasonCode
from grants.textcheck.similarity import find_similar, matching_passages

CHECK_CODES = tuple(code for code, _label in CHECKLIST)


def review(actor, application, outcome, checklist, reason_codes=(), comment="", revision_days=None, now=None):
    """Decide eligibility of a submitted application: eligible, ineligible, or returned for revision."""
    now = now or utcnow()
    outcome = Outcome(outcome)
    if application.status != Status.submitted:
        raise ApplicationError(_("Only a submitted application awaiting the check can be decided."))
    require_eligibility_open(application.call, ApplicationError)
    seal.require_unsealed(application, ApplicationError, now)
    checklist = {code: bool(checklist.get(code)) for code in CHECK_CODES}
    comment = (comment or "").strip()
    known = set(db.session.execute(sa.select(ReasonCode.code).where(ReasonCode.active)).scalars())
    reason_codes = sorted(set(reason_codes))
    if any(code not in known for code in reason_codes):
        raise ApplicationError(_("Choose reasons from the list."))
    deadline = None
    if outcome == Outcome.eligible:
        if not all(checklist.values()):
            raise ApplicationError(_("An application is eligible only when every item of the checklist holds."))
        reason_codes = []
    else:
        if not reason_codes:
            raise ApplicationError(_("Choose at least one coded reason."))
        if not comment:
            raise ApplicationError(_("Write the reasons: the applicant reads them."))
    if outcome == Outcome.returned:
        if not revision_days:
            raise ApplicationError(_("Give the number of days for the revision."))
        deadline = now + timedelta(days=revision_days)
    record = EligibilityReview(application_id=application.id, version=application.version_count, outcome=outcome,
                               checklist=checklist, reason_codes=reason_codes, comment=comment,
                               revision_deadline=deadline, by_id=actor.id, at=now)
    db.session.add(record)
    application.status = {Outcome.eligible: Status.eligible, Outcome.ineligible: Status.ineligible,
                          Outcome.returned: Status.returned}[outcome]
    application.revision_deadline = deadline
    application.decided_at = now
    audit.record(actor, f"application.{outcome.value}", application, {"status": "submitted"},
                 {"status": application.status, "reasons": reason_codes, "revision_deadline": deadline})
    for member in application.organization.memberships:
        letters.send(member.user, application, record)  # the operator's letter for the outcome, or the platform's
    return record


def latest_review(application):
    return db.session.execute(
        sa.select(EligibilityReview).where(EligibilityReview.application_id == application.id)
        .order_by(EligibilityReview.id.desc()).limit(1)
    ).scalar_one_or_none()


def counts(call):
    """Applications and distinct NGOs by language and status, for the published conclusion."""
    rows = db.session.execute(
        sa.select(Application.language, Application.status, sa.func.count(Application.id))
        .join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
        .group_by(Application.language, Application.status)
    ).all()
    result = {"by_language": {}, "total": {"applications": 0}}
    for language, status, applications in rows:
        entry = result["by_language"].setdefault(language, {"applications": 0, "ngos": 0, "by_status": {}})
        entry["by_status"][status] = applications
        entry["applications"] += applications
        result["total"]["applications"] += applications
    ngo_rows = db.session.execute(
        sa.select(Application.language, sa.func.count(sa.distinct(Application.organization_id)))
        .join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
        .group_by(Application.language)
    ).all()
    for language, ngos in ngo_rows:
        result["by_language"][language]["ngos"] = ngos
    result["total"]["ngos"] = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Application.organization_id)))
        .join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
    ).scalar_one()
    return result


def publish_conclusion(actor, call, now=None):
    """Publish (or update) the counts by language and outcome; refused while applications wait."""
    now = now or utcnow()
    if call.phase(now) not in (Phase.intake_ended, Phase.closed):
        raise ApplicationError(_("The conclusion is published after the deadline."))
    waiting = db.session.execute(
        sa.select(sa.func.count(Application.id)).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status == Status.submitted)
    ).scalar_one()
    if waiting:
        raise ApplicationError(_("%(n)d application(s) still await the check.", n=waiting))
    result = counts(call)
    conclusion = db.session.execute(
        sa.select(CallConclusion).where(CallConclusion.call_id == call.id)).scalar_one_or_none()
    before = conclusion.counts if conclusion else None
    if conclusion is None:
        conclusion = CallConclusion(call_id=call.id, counts=result, by_id=actor.id, published_at=now)
        db.session.add(conclusion)
    else:
        conclusion.counts, conclusion.by_id, conclusion.published_at = result, actor.id, now
    audit.record(actor, "call.publish_conclusion", call, before, result)
    return conclusion


def conclusion_of(call):
    return db.session.execute(sa.select(CallConclusion).where(CallConclusion.call_id == call.id)).scalar_one_or_none()


def same_ngo_twice(call):
    """(topic, organization) pairs with more than one submitted application."""
    return db.session.execute(
        sa.select(Application.topic_id, Application.organization_id, sa.func.count(Application.id))
        .join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
        .group_by(Application.topic_id, Application.organization_id)
        .having(sa.func.count(Application.id) > 1)
    ).all()


def similar_applications(call, threshold=0.5):
    """Pairs of applications by different NGOs whose texts largely repeat each other."""
    applications = db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status != Status.draft)
        .options(selectinload(Application.activities))  # each text reads its plan: loaded with the applications
    ).scalars().all()
    by_id = {a.id: a for a in applications}
    pairs = find_similar({a.id: a.text() for a in applications}, threshold=threshold)
    return [(by_id[p.id_a], by_id[p.id_b], p.score) for p in pairs
            if by_id[p.id_a].organization_id != by_id[p.id_b].organization_id]


def passages(a, b):
    return matching_passages(a.text(), b.text())
