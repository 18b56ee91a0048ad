"""Appeals against a published result: filed by the NGO within the meeting's appeal period and heard by the appeals
panel the call names — never by the operator who ran it, nor by a member of its commission. A dismissed appeal is
answered with reasons; an upheld one sets the contested score sheet aside, a new expert from the matcher scores in
its place, and a rehearing meeting of the commission decides the application again and publishes its decision."""

from datetime import timedelta

import sqlalchemy as sa

from grants import audit
from grants.applications.models import DECIDED, Application, Status
from grants.auth.models import Role
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, format_datetime
from grants.permissions import YES, Decision, rule
from scoring import reminders
from scoring.commission import letters
from scoring.commission.models import Appeal, AppealPanelist, AppealState, Meeting, MeetingState, Member
from scoring.commission.models import Decision as CommissionDecision
from scoring.commission.queries import commission_people
from scoring.commission.services import CommissionError, user_conflicts
from scoring.phases import upheld_appeals


def appeal_deadline(meeting):
    return meeting.published_at + timedelta(days=meeting.appeal_days) if meeting.published_at else None


def published_decision(application):
    """The application's decision as it stands: that of the latest published meeting that decided it."""
    return db.session.execute(
        sa.select(CommissionDecision).join(Meeting).where(
            CommissionDecision.application_id == application.id, Meeting.state == MeetingState.published)
        .order_by(Meeting.published_at.desc(), CommissionDecision.id.desc()).limit(1)).scalar_one_or_none()


def published_decisions(call):
    """(current, superseded) of the call's published meetings: {application id: its decision as it stands}, and
    [(earlier decision, the rehearing's decision that replaced it)]."""
    current, superseded = {}, []
    for decision in db.session.execute(
            sa.select(CommissionDecision).join(Meeting).where(
                Meeting.call_id == call.id, Meeting.state == MeetingState.published)
            .order_by(Meeting.published_at, CommissionDecision.id)).scalars():
        if decision.application_id in current:
            superseded.append((current[decision.application_id], decision))
        current[decision.application_id] = decision
    return current, superseded


def file_appeal(actor, application, text, now=None):
    """The NGO appeals the published result within the meeting's appeal period."""
    now = now or utcnow()
    if not application.organization.has_member(actor):
        raise CommissionError(_("Only the NGO's own staff appeal its result."))
    decision = published_decision(application)
    if decision is None:
        raise CommissionError(_("There is no published result to appeal."))
    deadline = appeal_deadline(decision.meeting)
    if now > deadline:
        raise CommissionError(_("The appeal period ended on %(deadline)s.", deadline=format_datetime(deadline)))
    if not (text or "").strip():
        raise CommissionError(_("Write the grounds of the appeal."))
    if db.session.execute(sa.select(Appeal.id).where(Appeal.application_id == application.id,
                                                     Appeal.state == AppealState.filed)).first():
        raise CommissionError(_("An appeal on this application is already under consideration."))
    appeal = Appeal(application_id=application.id, filed_by_id=actor.id, text=text.strip(), filed_at=now,
                    state=AppealState.filed)
    db.session.add(appeal)
    audit.record(actor, "appeal.file", appeal, after={"application": application.receipt_number})
    return appeal


# --- the appeals panel -----------------------------------------------------------------------------------------

def panel(call):
    return db.session.execute(sa.select(AppealPanelist).where(AppealPanelist.call_id == call.id)
                              .order_by(AppealPanelist.id)).scalars().all()


def is_panelist(user, call):
    return user.is_authenticated and db.session.execute(sa.select(AppealPanelist.id).where(
        AppealPanelist.call_id == call.id, AppealPanelist.user_id == user.id)).first() is not None


def _commission_of(call):
    return set(db.session.execute(sa.select(Member.user_id).join(Meeting).where(Meeting.call_id == call.id))
               .scalars())


def _refusal(user, commission, named):
    """Why the user may not be named to the call's appeals panel, or None. `commission` and `named`: the ids of
    the users who sit on the call's meetings and of those already on its panel."""
    if not user.active or not user.has_role(Role.commission):
        return _("The appeals panel is named from people with the commission member role.")
    if user.has_any_role(Role.operator, Role.admin, Role.customer):
        return _("%(name)s works for the grant operator or a customer body: appeals are heard by someone else.",
                 name=user.full_name)
    if user.id in commission:
        return _("%(name)s sits on this call's commission: the appeals panel hears appeals against its decisions.",
                 name=user.full_name)
    if user.id in named:
        return _("%(name)s is already on the appeals panel.", name=user.full_name)
    return None


def eligible_panelists(call):
    """Whom the operator may name to the call's appeals panel: the form offers exactly these, name_panelist
    refuses anyone else."""
    commission, named = _commission_of(call), {p.user_id for p in panel(call)}
    return [u for u in commission_people() if _refusal(u, commission, named) is None]


def name_panelist(actor, call, user, now=None):
    """The operator names a person to the call's appeals panel: someone with the commission member role who neither
    works for the operator or the call's customer body nor sits on the call's commission."""
    refused = _refusal(user, _commission_of(call), {p.user_id for p in panel(call)})
    if refused:
        raise CommissionError(refused)
    panelist = AppealPanelist(call_id=call.id, user_id=user.id, named_by_id=actor.id, named_at=now or utcnow())
    db.session.add(panelist)
    audit.record(actor, "appeal.panel_name", call, after={"panelist": user.email})
    return panelist


def remove_panelist(actor, call, panelist):
    """Off the panel, unless they have already answered an appeal of the call: the answer names who gave it."""
    answered = db.session.execute(
        sa.select(Appeal.id).join(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Appeal.resolved_by_id == panelist.user_id)).first()
    if answered:
        raise CommissionError(_("%(name)s has answered an appeal on this call and stays on its panel.",
                                name=panelist.user.full_name))
    db.session.delete(panelist)
    audit.record(actor, "appeal.panel_remove", call, before={"panelist": panelist.user.email})


@rule("appeal.hear")
def may_hear(user, appeal=None):
    """A member of the appeals panel of the appeal's call (the call's, when asked of a call)."""
    if not user.is_authenticated or not user.has_role(Role.commission):
        return Decision(False, _("Appeals are heard by the call's appeals panel."))
    if appeal is None:
        return YES
    call = appeal.application.call if isinstance(appeal, Appeal) else appeal
    if is_panelist(user, call):
        return YES
    return Decision(False, _("You are not on this call's appeals panel."))


def hearings_of(user):
    """The appeals on calls whose panel the user sits on, those under consideration first, then the latest."""
    return db.session.execute(
        sa.select(Appeal).join(Application).join(Topic, Topic.id == Application.topic_id)
        .join(AppealPanelist, sa.and_(AppealPanelist.call_id == Topic.call_id, AppealPanelist.user_id == user.id))
        .order_by((Appeal.state == AppealState.filed).desc(), Appeal.filed_at.desc())).scalars().all()


# --- the answer ------------------------------------------------------------------------------------------------

def contested_sheets(application):
    """The application's submitted score sheets that count, which an upheld appeal may set aside."""
    from scoring import ranking
    from scoring.assignments.models import Assignment
    from scoring.sheets.models import ScoreSheet
    return db.session.execute(ranking.counted(
        sa.select(ScoreSheet).join(Assignment).where(Assignment.application_id == application.id))
        .order_by(ScoreSheet.id)).scalars().all()


def resolve_appeal(actor, appeal, upheld, resolution, set_aside=None, now=None):
    """The appeals panel's answer; the NGO is told, and both the appeal and the answer stay on the record.

    Upheld, `set_aside` (the contested sheet's assignment) no longer counts, a new expert is assigned in its place
    by the matcher, and the application is scored again and awaits a rehearing of the commission."""
    application = appeal.application
    allowed = may_hear(actor, appeal)
    if not allowed:
        raise CommissionError(allowed.reason)
    if appeal.state != AppealState.filed:
        raise CommissionError(_("This appeal has already been answered."))
    if user_conflicts([actor], [application]):
        raise CommissionError(_("You are tied to the applicant NGO: another member of the appeals panel hears this "
                                "appeal."))
    if not (resolution or "").strip():
        raise CommissionError(_("Write the answer to the appeal."))
    now = now or utcnow()
    reopened = _reopen(actor, appeal, set_aside, resolution.strip()) if upheld else None
    with db.session.no_autoflush:  # the state and its answer are written together (a CHECK ties them)
        appeal.resolved_by_id = actor.id
        appeal.resolved_at = now
        appeal.resolution = resolution.strip()
        appeal.state = AppealState.upheld if upheld else AppealState.dismissed
        if reopened is not None:
            appeal.set_aside_id, appeal.rescored_by_id = set_aside.id, reopened.id
    audit.record(actor, "appeal.resolve", appeal, {"state": "filed"},
                 {"state": appeal.state, "resolution": appeal.resolution})
    letters.send_answer(appeal.filed_by, appeal)  # the operator's letter for the answer, or the platform's
    if reopened is not None:  # told at once, as a digest of one: the call's scoring deadline is long past
        reminders.queue_digest(reopened.expert, [(reopened, None)])
    return appeal


def _reopen(actor, appeal, set_aside, resolution):
    """Set the contested sheet aside and assign a new expert in its place; the application is eligible again and
    scored until its rehearing. Everything is checked before anything changes."""
    from grants.agreements.models import Agreement
    from scoring.assignments import services as assignments
    from scoring.assignments.models import Assignment, State

    application = appeal.application
    if application.status not in DECIDED:
        raise CommissionError(_("The application has no published decision to hear again."))
    if db.session.execute(sa.select(Agreement.id).where(Agreement.application_id == application.id)).first():
        raise CommissionError(_("An agreement is already drawn up on this application: its result is final."))
    if set_aside is None or set_aside.id not in {s.assignment_id for s in contested_sheets(application)}:
        raise CommissionError(_("Choose the score sheet the appeal contests: it is set aside and scored again."))
    try:
        expert, reason = assignments.next_expert(application)
    except assignments.AssignmentError as refused:
        raise CommissionError(str(refused)) from None
    before = set_aside.state
    set_aside.state, set_aside.recused_by_id, set_aside.recusal_reason = State.recused, actor.id, resolution
    audit.record(actor, "assignment.set_aside", set_aside, {"state": before},
                 {"state": State.recused, "appeal": appeal.id})
    assignment = Assignment(application_id=application.id, expert_id=expert.id, state=State.awaiting_declaration,
                            reason={**reason, "extra": False, "appeal": appeal.id})
    db.session.add(assignment)
    audit.record(actor, "assignment.appeal", assignment,
                 after={"application": application.receipt_number, "expert": expert.user.email, **reason})
    previous = application.status
    application.status = Status.eligible
    audit.record(actor, "application.reopened", application, {"status": previous},
                 {"status": Status.eligible, "appeal": appeal.id})
    db.session.flush()
    return assignment


# --- the rehearing -----------------------------------------------------------------------------------------------

def reopened_on(call):
    """{application id: its upheld appeal} whose rehearing is not published yet: the results say it is heard again."""
    return {a.application_id: a for a in db.session.execute(
        upheld_appeals([call.id], (MeetingState.planned, MeetingState.approved), Appeal)).scalars()}


def awaiting_rehearing(call, direction=None):
    """The call's upheld appeals no rehearing has taken up yet (in the direction, if one is given)."""
    query = upheld_appeals([call.id], (), Appeal)
    if direction is not None:
        query = query.where(Topic.direction_id == direction.id)
    return db.session.execute(query.order_by(Appeal.id)).scalars().all()


def standing_elsewhere(meeting):
    """The call's published decisions as they stand, but for those on the applications the rehearing hears: a
    topic's number of grants holds across its meetings."""
    heard = {a.application_id for a in meeting.appeals}
    current, _superseded = published_decisions(meeting.call)
    return [d for d in current.values() if d.application_id not in heard]
