"""The verbs of assignment: run the matcher for a call, assign by hand, declare, recuse."""

import logging

import sqlalchemy as sa

from grants import audit
from grants.applications.models import Application, Partner, Status
from grants.calls.models import Call, Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, astana_today
from grants.organizations.models import Membership
from grants.refusals import Refusal
from scoring.assignments import solver
from scoring.assignments.models import ACTIVE, Assignment, Conflict, State
from scoring.experts.models import Expert
from scoring.experts.services import tied_numbers
from scoring.phases import require_scoring_open, scope
from scoring.sheets.models import ScoreSheet, SheetState

log = logging.getLogger(__name__)


class AssignmentError(Refusal):
    """A refusal, with a message for the operator or the expert."""


def eligible_applications(call):
    return db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status == Status.eligible)
        .order_by(Application.receipt_number)
    ).scalars().all()


def call_assignments(call):
    return db.session.execute(
        sa.select(Assignment).join(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id).order_by(Assignment.application_id, Assignment.id)
    ).scalars().all()


def detected_conflicts(experts, applications, day=None):
    """(expert id, application id) pairs the platform refuses on its own, from BINs and IINs, never from names.

    An expert is tied to an application when one of their affiliations (their own organisations
    and their relatives' workplaces) names the BIN of the applicant NGO or of a partner, when
    their own IIN or a declared relative's IIN is a partner of the project, or when their own
    account acts for the NGO on the platform.
    """
    day = day or astana_today()
    by_number = {}
    for application in applications:
        by_number.setdefault(application.organization.bin, set()).add(application.id)
    ids = [a.id for a in applications]
    for start in range(0, len(ids), 1000):
        for app_id, number in db.session.execute(sa.select(Partner.application_id, Partner.number)
                                                 .where(Partner.application_id.in_(ids[start:start + 1000]))):
            by_number.setdefault(number, set()).add(app_id)
    pairs = set()
    for expert in experts:
        numbers = {a.bin for a in expert.affiliations if a.counts_on(day)} | tied_numbers(expert)
        for number in numbers:
            pairs.update((expert.id, app_id) for app_id in by_number.get(number, ()))
    org_of = {a.id: a.organization_id for a in applications}
    members = set(db.session.execute(
        sa.select(Expert.id, Membership.organization_id).join(Membership, Membership.user_id == Expert.user_id)
    ).all())
    pairs.update((e.id, app_id) for e in experts for app_id, org in org_of.items() if (e.id, org) in members)
    return pairs


def _refused_pairs(assignments):
    """Pairs that must not come back: a declared conflict or a recusal stays on the record."""
    return {(a.expert_id, a.application_id) for a in assignments if a.state not in ACTIVE}


def assign(actor, call):
    """Give every eligible application of the call its experts; kept assignments stay.

    Returns the solver's shortfalls, so the operator is told which applications the pool
    cannot cover and why.
    """
    applications = eligible_applications(call)
    if not applications:
        raise AssignmentError(_("The call has no eligible applications to assign."))
    closed = scope(call)
    open_ = [a for a in applications if closed.scoring(a)]
    if not open_:
        whole = closed.whole_call()
        raise AssignmentError((closed.scoring(applications[0]) if whole else whole).reason)
    applications = open_  # a meeting of one direction may have decided its part of the call already
    experts = db.session.execute(sa.select(Expert).where(Expert.active)).scalars().all()
    ids = {a.id for a in applications}
    existing = [a for a in call_assignments(call) if a.application_id in ids]
    conflicts = detected_conflicts(experts, applications) | _refused_pairs(existing)
    kept = {(a.expert_id, a.application_id) for a in existing if a.state in ACTIVE}
    result = solver.solve(
        [solver.Item(a.id, a.language, a.topic.direction.code) for a in applications],
        [solver.Expert(e.id, e.languages, frozenset(d.code for d in e.directions)) for e in experts],
        per_item=call.experts_per_application, conflicts=conflicts, kept=kept, seed=call.assignment_seed,
    )
    added = 0
    for chosen in result.assignments:
        if chosen.kept:
            continue
        db.session.add(Assignment(application_id=chosen.application_id, expert_id=chosen.expert_id,
                                  state=State.awaiting_declaration, reason=chosen.reason))
        added += 1
    audit.record(actor, "call.assign_experts", call, after={
        "seed": call.assignment_seed, "added": added, "kept": len(kept),
        "shortfalls": [s.application_id for s in result.shortfalls]})
    log.info("call %s: %d assignments added, %d kept, %d short", call.code, added, len(kept), len(result.shortfalls))
    return result.shortfalls


def assign_by_hand(actor, application, expert, reason):
    """The operator's override: never past a detected conflict or a language the expert lacks."""
    if not (reason or "").strip():
        raise AssignmentError(_("Give the reason for assigning by hand: it is kept on the record."))
    require_scoring_open(application, AssignmentError)
    if application.status != Status.eligible:
        raise AssignmentError(_("Only eligible applications are scored."))
    if application.language not in expert.languages:
        raise AssignmentError(_("This expert does not read the application's language."))
    if (expert.id, application.id) in detected_conflicts([expert], [application]):
        raise AssignmentError(_("This expert is tied to the applicant NGO: the assignment is refused."))
    existing = db.session.execute(sa.select(Assignment).where(
        Assignment.application_id == application.id, Assignment.expert_id == expert.id)).scalar_one_or_none()
    if existing is not None:
        raise AssignmentError(_("This expert was already assigned to the application (%(state)s).",
                                state=State(existing.state).title))
    assignment = Assignment(application_id=application.id, expert_id=expert.id, state=State.awaiting_declaration,
                            by_hand=True, override_reason=reason.strip(), reason={"by_hand": True})
    db.session.add(assignment)
    audit.record(actor, "assignment.by_hand", assignment,
                 after={"application": application.receipt_number, "expert": expert.user.email,
                        "reason": reason.strip()})
    return assignment


def assign_extra(actor, application):
    """One more expert for an application, typically when its experts' totals diverge."""
    require_scoring_open(application, AssignmentError)
    if application.status != Status.eligible:
        raise AssignmentError(_("Only eligible applications are scored."))
    expert, reason = next_expert(application)
    assignment = Assignment(application_id=application.id, expert_id=expert.id, state=State.awaiting_declaration,
                            reason=reason)
    db.session.add(assignment)
    audit.record(actor, "assignment.extra", assignment,
                 after={"application": application.receipt_number, "expert": expert.user.email, **reason})
    return assignment


def next_expert(application):
    """(expert, reason) the matcher adds to an application: one more, or one in place of a sheet an appeal set aside.

    The choice is the matcher's own order, not a person's: among active experts who read the
    language, have no conflict and were never on this application, those of the topic's
    direction first, then the least loaded on the call, then the call's seeded tie-break.
    """
    call = application.call
    taken = set(db.session.execute(sa.select(Assignment.expert_id)
                                   .where(Assignment.application_id == application.id)).scalars())
    experts = [e for e in db.session.execute(sa.select(Expert).where(Expert.active)).scalars()
               if application.language in e.languages and e.id not in taken]
    refused = {expert_id for expert_id, _app in detected_conflicts(experts, [application])}
    candidates = [e for e in experts if e.id not in refused]
    if not candidates:
        raise AssignmentError(_("No other expert reads the application's language without a conflict of interest."))
    load = loads(call)
    direction = application.topic.direction.code
    knows = {e.id: direction in {d.code for d in e.directions} for e in candidates}
    expert = min(candidates, key=lambda e: (not knows[e.id], load.get(e.id, 0),
                                            solver._key(call.assignment_seed, "extra", f"{application.id}:{e.id}")))
    return expert, {"language": application.language, "direction_match": knows[expert.id],
                    "load": load.get(expert.id, 0) + 1, "extra": True}


def declare(actor, assignment, conflict=None, note=""):
    """The expert's answer to the conflict question: none, or a typed conflict and they abstain."""
    if assignment.expert.user_id != actor.id:
        raise AssignmentError(_("Only the assigned expert answers for themselves."))
    require_scoring_open(assignment.application, AssignmentError)
    if assignment.state != State.awaiting_declaration:
        raise AssignmentError(_("The declaration for this application has already been made."))
    assignment.declared_at = utcnow()
    if conflict:
        assignment.conflict = Conflict(conflict)
        assignment.conflict_note = (note or "").strip() or None
        assignment.state = State.declined
    else:
        assignment.state = State.accepted
    audit.record(actor, "assignment.declare", assignment, {"state": "awaiting_declaration"},
                 {"state": assignment.state, "conflict": assignment.conflict, "note": assignment.conflict_note})
    return assignment


def recuse(actor, assignment, reason):
    """The operator takes an expert off an application; the reason stays on the record."""
    require_scoring_open(assignment.application, AssignmentError)
    if assignment.state not in ACTIVE:
        raise AssignmentError(_("This expert no longer works on the application."))
    if not (reason or "").strip():
        raise AssignmentError(_("Give the reason for the recusal."))
    before = assignment.state
    assignment.state = State.recused
    assignment.recused_by_id = actor.id
    assignment.recusal_reason = reason.strip()
    audit.record(actor, "assignment.recuse", assignment, {"state": before},
                 {"state": "recused", "reason": reason.strip()})
    return assignment


def shortfalls(call):
    """{application id: (Shortfall, experts kept off it)} for each eligible application the pool cannot cover.

    The matcher's test (solver.solve: too few read the language, or too few are left once conflicts
    are set aside), asked of the assignments as they stand, so the Experts
    page says which application lacks experts and why at any time, not only just after a run.
    An application that enough free experts could still take is not short: a run covers it.
    """
    applications = eligible_applications(call)
    if not applications:
        return {}
    pool = db.session.execute(sa.select(Expert).where(Expert.active).order_by(Expert.id)).scalars().all()
    existing = call_assignments(call)
    refused = detected_conflicts(pool, applications) | _refused_pairs(existing)
    held = {}
    for a in existing:
        if a.state in ACTIVE:
            held.setdefault(a.application_id, set()).add(a.expert_id)
    need = call.experts_per_application
    out = {}
    for application in applications:
        have = held.get(application.id, set())
        readers = [e for e in pool if application.language in e.languages and e.id not in have]
        free = [e for e in readers if (e.id, application.id) not in refused]
        if len(have) + len(free) >= need:
            continue
        why = "language" if len(have) + len(readers) < need else "conflicts"
        kept_off = [e for e in readers if (e.id, application.id) in refused]
        out[application.id] = (solver.Shortfall(application.id, need - len(have) - len(free), why,
                                                len(have) + len(free)), kept_off)
    return out


def loads(call):
    """Active assignments per expert on the call, for the balance the operator checks."""
    rows = db.session.execute(
        sa.select(Assignment.expert_id, sa.func.count()).join(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Assignment.state.in_(ACTIVE)).group_by(Assignment.expert_id)
    ).all()
    return dict(rows)


def workload_history(expert):
    """The expert's work call by call, newest first: assigned, scored, conflicts declared, recusals."""
    submitted = (sa.select(ScoreSheet.assignment_id).where(ScoreSheet.state == SheetState.submitted)
                 .scalar_subquery())
    rows = db.session.execute(
        sa.select(Call.id.label("call_id"), Call.code,
                  sa.func.count().filter(Assignment.state.in_(ACTIVE)).label("assigned"),
                  sa.func.count().filter(Assignment.id.in_(submitted)).label("scored"),
                  sa.func.count().filter(Assignment.state == State.declined).label("declined"),
                  sa.func.count().filter(Assignment.state == State.recused).label("recused"))
        .select_from(Assignment).join(Application).join(Topic, Topic.id == Application.topic_id)
        .join(Call, Call.id == Topic.call_id).where(Assignment.expert_id == expert.id)
        .group_by(Call.id, Call.code).order_by(Call.id.desc())
    ).all()
    return rows
