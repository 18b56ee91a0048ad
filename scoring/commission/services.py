"""The verbs of the commission: convene, take attendance, declare conflicts, put a decision to the vote and
vote on it by roll call, decide, approve the protocol, publish."""

import math

import sqlalchemy as sa

from grants import audit
from grants.applications import outcome as app_outcome
from grants.applications.models import Status
from grants.auth.models import Role
from grants.calls import services as calls
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.refusals import Refusal
from scoring import ranking
from scoring.commission import letters, signing
from scoring.commission.models import (
    Attendance,
    Choice,
    Decision,
    Declaration,
    Meeting,
    MeetingState,
    Member,
    Motion,
    NamedBy,
    Outcome,
    Vote,
    VotingRule,
)
from scoring.phases import require_decision_open

MAX_MEMBERS = 15
OPERATOR_SHARE = 0.3  # DOMAIN.md: 30 % named by the operator, 70 % by NGOs


class CommissionError(Refusal):
    """A refusal, with a message for the operator."""


def convene(actor, call, held_at, place, members, direction=None, appeal_days=5,
            voting_rule=VotingRule.majority_chair, rehearing=False):
    """A meeting of an odd number of members (at most 15), one of them chairing, voting by the call's rule. A
    rehearing decides again the applications of the call (or of its direction) whose upheld appeals await one.

    members: [(user, named_by, is_chair)].
    """
    n = len(members)
    if n == 0 or n % 2 == 0 or n > MAX_MEMBERS:
        raise CommissionError(_("A commission must have an odd number of members, at most %(max)d.", max=MAX_MEMBERS))
    if len({user.id for user, _named, _chair in members}) != n:
        raise CommissionError(_("A member is listed twice."))
    if sum(1 for _u, _n, chair in members if chair) != 1:
        raise CommissionError(_("Name exactly one chair."))
    if any(not user.has_role(Role.commission) for user, _n, _c in members):
        raise CommissionError(_("Every member needs the commission member role."))
    by_operator = sum(1 for _u, named, _c in members if named == NamedBy.operator)
    if by_operator > math.ceil(n * OPERATOR_SHARE):
        raise CommissionError(_("At most %(n)d of %(total)d members may be named by the operator.",
                                n=math.ceil(n * OPERATOR_SHARE), total=n))
    from scoring.commission import appeals  # appeals answers with this module's CommissionError

    panel = {p.user_id for p in appeals.panel(call)}
    if any(user.id in panel for user, _n, _c in members):
        raise CommissionError(_("A member of the call's appeals panel does not sit on its commission: the panel "
                                "hears appeals against the commission's decisions."))
    heard = appeals.awaiting_rehearing(call, direction) if rehearing else []
    if rehearing and not heard:
        raise CommissionError(_("No upheld appeal awaits a rehearing on this call."))
    meeting = Meeting(call_id=call.id, direction_id=direction.id if direction else None, held_at=held_at,
                      place=(place or "").strip(), appeal_days=appeal_days, state=MeetingState.planned,
                      voting_rule=VotingRule(voting_rule), rehearing=bool(rehearing))
    meeting.members = [Member(user_id=user.id, named_by=NamedBy(named), is_chair=chair)
                       for user, named, chair in members]
    meeting.appeals = heard
    db.session.add(meeting)
    audit.record(actor, "commission.convene", meeting, after={
        "call": call.code, "members": [u.email for u, _n, _c in members], "held_at": held_at,
        "voting_rule": VotingRule(voting_rule), "rehearing": [a.application.receipt_number for a in heard]})
    return meeting


def _planned(meeting):
    if meeting.state != MeetingState.planned:
        raise CommissionError(_("The protocol is approved: the meeting's record can no longer change."))


def record_attendance(actor, meeting, attendance):
    """attendance: {member id: Attendance}; remote members count towards the quorum."""
    _planned(meeting)
    for member in meeting.members:
        if member.id in attendance:
            member.attendance = Attendance(attendance[member.id])
    audit.record(actor, "commission.attendance", meeting,
                 after={m.user.email: m.attendance for m in meeting.members})


def _rows(meeting):
    return {row.application.id: row for rows in ranking.ranking(meeting.call).values() for row in rows
            if meeting.covers(row.application)}


def expected_outcome(row):
    """What the ranking alone says: within the topic's number of grants and above the threshold wins."""
    if row.below_threshold:
        return Outcome.rejected
    return Outcome.awarded if row.rank <= row.application.topic.grants_count else Outcome.reserve


def _no_quorum(meeting):
    return CommissionError(_("No quorum: %(present)d of %(total)d members are present, %(quorum)d are needed.",
                             present=len(meeting.present), total=len(meeting.members), quorum=meeting.quorum))


def in_scope(meeting):
    """The applications this meeting decides: those of its scope in the call's ranking, fully scored or not."""
    return [row.application for row in _rows(meeting).values()]


def member_conflicts(meeting, applications):
    """{(member id, application id)} the platform finds on its own for the meeting's members (user_conflicts)."""
    member_of = {m.user_id: m.id for m in meeting.members}
    return {(member_of[user_id], app_id)
            for user_id, app_id in user_conflicts([m.user for m in meeting.members], applications)}


def user_conflicts(users, applications):
    """{(user id, application id)} the platform finds on its own, as it does for experts (scoring.assignments):
    the person's account acts for the applicant NGO, their IIN is a partner of the project, or — where they are
    also on the experts' register — one of their affiliations or relatives' IINs is the NGO's or a partner's.
    Commission members and the appeals panel are checked so. A fixed number of queries, however many people and
    applications."""
    from grants.applications.models import Partner
    from grants.organizations.models import Membership
    from scoring.assignments.services import detected_conflicts
    from scoring.experts.models import Expert

    ids = [a.id for a in applications]
    users = {u.id: u for u in users}
    if not ids or not users:
        return set()
    partners = set(db.session.execute(sa.select(Partner.application_id, Partner.number)
                                      .where(Partner.application_id.in_(ids))).all())
    memberships = set(db.session.execute(sa.select(Membership.user_id, Membership.organization_id)
                                         .where(Membership.user_id.in_(users))).all())
    pairs = {(user.id, a.id) for user in users.values() for a in applications
             if (user.id, a.organization_id) in memberships or (user.iin and (a.id, user.iin) in partners)}
    experts = db.session.execute(sa.select(Expert).where(Expert.user_id.in_(users))).scalars().all()
    if experts:
        user_of = {e.id: e.user_id for e in experts}
        pairs.update((user_of[expert_id], app_id) for expert_id, app_id in detected_conflicts(experts, applications))
    return pairs


def declare(actor, meeting, conflicts):
    """A member's declaration on every application of the meeting's scope. conflicts: {application id: note} of
    those the member declares a conflict of interest on; the platform's own findings are conflicts whatever is
    declared. A conflict declared on an application the member already voted on withdraws that vote."""
    _planned(meeting)
    member = next((m for m in meeting.members if m.user_id == actor.id), None)
    if member is None:
        raise CommissionError(_("Only a member of this meeting declares conflicts of interest for it."))
    applications = in_scope(meeting)
    detected = {app_id for member_id, app_id in member_conflicts(meeting, applications) if member_id == member.id}
    by_app = {d.application_id: d for d in member.declarations}
    for application in applications:
        note = (conflicts.get(application.id) or "").strip() if application.id in conflicts else None
        declaration = by_app.get(application.id)
        if declaration is None:
            declaration = Declaration(application_id=application.id)
            member.declarations.append(declaration)
        declaration.detected = application.id in detected
        declaration.conflicted = declaration.detected or note is not None
        declaration.note = note or ""
        declaration.declared_at = utcnow()
        motion = meeting.motion_on(application.id)
        vote = motion.vote_of(member) if motion and declaration.conflicted else None
        if vote is not None:
            motion.votes.remove(vote)
    member.declared_at = utcnow()
    audit.record(actor, "commission.declare", meeting, after={
        "member": actor.email,
        "conflicts": sorted(a.receipt_number for a in applications if member.conflicted_on(a.id)),
        "detected": sorted(a.receipt_number for a in applications if a.id in detected)})
    return member


def _require_quorum_on(meeting, application):
    """Refuse unless enough members present may vote on the application (those conflicted on it do not count)."""
    if not meeting.has_quorum_on(application.id):
        raise CommissionError(_("No quorum on this application: %(voters)d members present may vote on it (the "
                                "others declared a conflict of interest), %(quorum)d are needed.",
                                voters=len(meeting.voters_on(application.id)), quorum=meeting.quorum))


def _undeclared(meeting):
    return [m for m in meeting.present if m.declared_at is None]


def propose(actor, meeting, application, outcome, reason=""):
    """Put an outcome on an application to the vote, with the reason where it departs from the ranking. A new
    outcome replaces the motion before it, and the votes on that one no longer count."""
    require_decision_open(meeting, application, CommissionError)
    if not meeting.has_quorum:
        raise _no_quorum(meeting)
    undeclared = _undeclared(meeting)
    if undeclared:
        raise CommissionError(_("Not every member present has declared conflicts of interest: %(names)s. Each "
                                "declares on the meeting's page before the vote.",
                                names=", ".join(m.user.full_name for m in undeclared)))
    _require_quorum_on(meeting, application)
    outcome = Outcome(outcome)
    row = _rows(meeting).get(application.id)
    if row is None or row.rank is None or application.status != Status.eligible:
        raise CommissionError(_("Only a fully scored application in this meeting's scope can be decided."))
    if outcome == Outcome.awarded and row.below_threshold:
        raise CommissionError(_("An application below the threshold cannot win."))
    reason = (reason or "").strip()
    if outcome != expected_outcome(row) and not reason:
        raise CommissionError(_("The decision departs from the ranking: give the reason, it goes into the protocol."))
    motion = meeting.motion_on(application.id)
    before = {"outcome": motion.outcome, "reason": motion.reason,
              "votes": {v.member.user.email: v.choice for v in motion.votes}} if motion else None
    if motion is None:
        motion = Motion(application_id=application.id, proposed_by_id=actor.id)
        meeting.motions.append(motion)
    if before and (before["outcome"], before["reason"]) != (outcome, reason):
        motion.votes.clear()  # the members voted on another motion
    motion.outcome, motion.reason, motion.proposed_by_id, motion.proposed_at = outcome, reason, actor.id, utcnow()
    audit.record(actor, "commission.propose", meeting, before, {
        "application": application.receipt_number, "outcome": outcome, "rank": row.rank, "reason": reason})
    return motion


def cast_vote(actor, meeting, application, member, choice):
    """One member's vote on the motion on an application: the secretary (the operator) records it for a member in
    the room; a remote member casts their own."""
    _planned(meeting)
    choice = Choice(choice)
    motion = meeting.motion_on(application.id)
    if motion is None:
        raise CommissionError(_("Nothing is put to the vote on this application yet."))
    remote = member.user_id == actor.id
    if remote and member.attendance != Attendance.remote:
        raise CommissionError(_("A member in the room votes aloud, and the secretary records it."))
    if not remote and member.attendance != Attendance.in_person:
        raise CommissionError(_("%(name)s is not in the room: an absent member does not vote, a remote member "
                                "votes in the platform.", name=member.user.full_name))
    if member.declared_at is None:
        raise CommissionError(_("%(name)s has not declared conflicts of interest yet.", name=member.user.full_name))
    if member.conflicted_on(application.id):
        raise CommissionError(_("%(name)s declared a conflict of interest on this application: they abstain and do "
                                "not vote on it.", name=member.user.full_name))
    vote = motion.vote_of(member)
    before = {"choice": vote.choice} if vote else None
    if vote is None:
        vote = Vote(member_id=member.id, recorded_by_id=actor.id)
        motion.votes.append(vote)
    vote.choice, vote.recorded_by_id, vote.remote, vote.at = choice, actor.id, remote, utcnow()
    audit.record(actor, "commission.vote", meeting, before, {
        "application": application.receipt_number, "member": member.user.email, "choice": choice,
        "outcome": motion.outcome, "remote": remote})
    return vote


def tally(meeting, motion):
    """(for, against, abstained, waiting members) of a motion, counted from the votes of those who vote on it."""
    voters = meeting.voters_on(motion.application_id)
    votes = {v.member_id: v.choice for v in motion.votes}
    count = {c: sum(1 for m in voters if votes.get(m.id) == c) for c in Choice}
    waiting = [m for m in voters if m.id not in votes]
    return count[Choice.for_], count[Choice.against], count[Choice.abstain], waiting


def decide(actor, meeting, application):
    """Record the decision on one application from the roll call on its motion: every member who votes on it has
    voted, and the meeting's voting rule carries it. Not carried, nothing is decided and the motion stays."""
    require_decision_open(meeting, application, CommissionError)
    if not meeting.has_quorum:
        raise _no_quorum(meeting)
    motion = meeting.motion_on(application.id)
    if motion is None:
        raise CommissionError(_("Nothing is put to the vote on this application yet."))
    _require_quorum_on(meeting, application)
    votes_for, votes_against, abstained, waiting = tally(meeting, motion)
    if waiting:
        raise CommissionError(_("Not everyone has voted yet: %(names)s.",
                                names=", ".join(m.user.full_name for m in waiting)))
    chair = meeting.chair
    chair_vote = motion.vote_of(chair) if chair else None
    if not VotingRule(meeting.voting_rule).carried(votes_for, votes_against,
                                                   chair_vote is not None and chair_vote.choice == Choice.for_):
        raise CommissionError(_("The motion is not carried: %(for)d for, %(against)d against, %(abstained)d "
                                "abstained. Put another decision to the vote.",
                                **{"for": votes_for, "against": votes_against, "abstained": abstained}))
    row = _rows(meeting)[application.id]
    decision = next((d for d in meeting.decisions if d.application_id == application.id), None)
    before = {"outcome": decision.outcome} if decision else None
    if decision is None:
        decision = Decision(application_id=application.id)
        meeting.decisions.append(decision)
    decision.outcome, decision.rank, decision.score = motion.outcome, row.rank, row.score
    decision.votes_for, decision.votes_against, decision.votes_abstained = votes_for, votes_against, abstained
    decision.votes_conflicted = len(meeting.conflicted_on(application.id))
    decision.reason = motion.reason
    decision.at = utcnow()
    audit.record(actor, "commission.decide", meeting, before, {
        "application": application.receipt_number, "outcome": motion.outcome, "rank": row.rank,
        "votes": [votes_for, votes_against, abstained], "conflicted": decision.votes_conflicted,
        "reason": motion.reason})
    return decision


def awards_by_topic(decisions):
    """{topic: how many of the decisions award it a grant}."""
    awarded = {}
    for decision in decisions:
        if decision.outcome == Outcome.awarded:
            topic = decision.application.topic
            awarded[topic] = awarded.get(topic, 0) + 1
    return awarded


def approve(actor, meeting, now=None):
    """Approve the protocol: every ranked application in scope decided, no topic over its number of grants."""
    _planned(meeting)
    if not meeting.has_quorum:
        raise _no_quorum(meeting)
    decided = {d.application_id for d in meeting.decisions}
    waiting = [r for r in _rows(meeting).values() if r.rank is not None and r.application.id not in decided]
    if waiting:
        raise CommissionError(_("%(n)d ranked application(s) still need a decision.", n=len(waiting)))
    from scoring.commission.appeals import standing_elsewhere

    decisions = [*meeting.decisions, *(standing_elsewhere(meeting) if meeting.rehearing else ())]
    for topic, count in awards_by_topic(decisions).items():
        if count > topic.grants_count:
            raise CommissionError(_("Topic %(n)d has %(count)d winners for %(grants)d grant(s).", n=topic.number,
                                    count=count, grants=topic.grants_count))
    meeting.state = MeetingState.approved
    meeting.approved_at = now or utcnow()
    audit.record(actor, "commission.approve", meeting, {"state": "planned"}, {"state": "approved"})
    calls.record_commission_decision(actor, meeting.call, meeting.approved_at)  # eligibility is over


def sign_protocol(actor, meeting, cms):
    """A member present signs the approved protocol with ЭЦП (scoring.commission.signing)."""
    return signing.sign(actor, meeting, cms, CommissionError)


def publish(actor, meeting, now=None):
    """Publish the results: each application takes its outcome and its NGO is told. Where the commission signs with
    ЭЦП, not before every member present has signed the protocol."""
    if meeting.state != MeetingState.approved:
        raise CommissionError(_("Only an approved protocol is published."))
    waiting = signing.unsigned(meeting) if signing.required() else []
    if waiting:
        raise CommissionError(_("The protocol is not signed yet by: %(names)s. Each member present signs it with "
                                "EDS before the results are published.",
                                names=", ".join(m.user.full_name for m in waiting)))
    now = now or utcnow()
    for decision in meeting.decisions:
        app_outcome.record_outcome(actor, decision.application, decision.outcome, now=now)
    app_outcome.settle_award_shares(actor, meeting.call)  # an award's winners share its amount
    meeting.state = MeetingState.published
    meeting.published_at = now
    for decision in meeting.decisions:  # told once the amounts and the appeal period are known
        for membership in decision.application.organization.memberships:
            letters.send_result(membership.user, decision, meeting)  # the operator's letter, or the platform's
    head = audit.current_head()  # the chain as the results are published: printed in the protocol
    meeting.audit_head_position, meeting.audit_head_hash = (head[1], head[2]) if head else (None, None)
    audit.record(actor, "commission.publish", meeting, {"state": "approved"}, {"state": "published"})
