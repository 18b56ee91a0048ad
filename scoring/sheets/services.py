"""The verbs of scoring: criteria and rules of a call, an expert's sheet saved, submitted, reopened."""

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from grants import audit
from grants.applications.models import Application
from grants.calls.models import Topic
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.refusals import Refusal
from scoring.assignments.models import Assignment, State
from scoring.phases import require_scoring_open
from scoring.sheets import defaults
from scoring.sheets.models import Aggregation, Criterion, ScoreLine, ScoreSheet, ScoringRules, SheetState

CENT = Decimal("0.01")
RULE_FIELDS = ("aggregation", "divergence_limit", "threshold", "blind", "deadline", "price_points")


class ScoringError(Refusal):
    """A refusal, with a message for the expert or the operator."""


class SheetProblems(ScoringError):
    """Every criterion's problem at once: {criterion id: message}."""

    def __init__(self, problems):
        self.problems = dict(problems)
        super().__init__(" ".join(str(m) for m in self.problems.values()))


def criteria(call):
    return db.session.execute(
        sa.select(Criterion).where(Criterion.call_id == call.id).order_by(Criterion.position)).scalars().all()


def rules(call):
    """The call's scoring rules; the defaults until the operator sets them."""
    return db.session.get(ScoringRules, call.id) or ScoringRules(
        call_id=call.id, aggregation=Aggregation.mean, divergence_limit=Decimal("10"), threshold=Decimal("0"),
        blind=False, low_mark_share=Decimal("0.3"), deadline=None,
        price_points=defaults.PRICE_POINTS if call.instrument == "sso" else 0)


def scoring_started(call):
    """Once a sheet is submitted the criteria and rules are fixed: nobody changes them mid-way."""
    return db.session.execute(
        sa.select(ScoreSheet.id).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(Application, Application.id == Assignment.application_id).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, ScoreSheet.state == SheetState.submitted).limit(1)
    ).first() is not None


def use_default_criteria(actor, call):
    if criteria(call):
        raise ScoringError(_("The call already has its criteria."))
    rows = defaults.SETS.get(call.criteria_set, defaults.GRANT)
    for position, (code, kk, ru, en, g_kk, g_ru, g_en) in enumerate(rows):
        db.session.add(Criterion(call_id=call.id, position=position, code=code, name_kk=kk, name_ru=ru, name_en=en,
                                 guidance_kk=g_kk, guidance_ru=g_ru, guidance_en=g_en,
                                 max_points=defaults.MAX_POINTS, weight=defaults.WEIGHT))
    audit.record(actor, "call.set_criteria", call, after={"criteria": [r[0] for r in rows]})


def set_rules(actor, call, data):
    if scoring_started(call):
        raise ScoringError(_("Scoring has started: the rules can no longer change."))
    current = db.session.get(ScoringRules, call.id)
    created = current is None
    if created:
        current = rules(call)
        db.session.add(current)
    if call.instrument != "sso" and data.get("price_points"):
        raise ScoringError(_("Only a state social order's offers have a price to score."))
    audit.update(actor, "call.set_scoring_rules", current,
                 {k: data.get(k) or 0 if k == "price_points" else data[k] for k in RULE_FIELDS},
                 target=call, created=created)
    return current


def sheet_for(actor, assignment):
    """The expert's own sheet for an accepted assignment, started on first use."""
    if assignment.expert.user_id != actor.id:
        raise ScoringError(_("Only the assigned expert scores."))
    if assignment.state != State.accepted:
        raise ScoringError(_("Declare that you have no conflict of interest before scoring."))
    require_scoring_open(assignment.application, ScoringError)
    sheet = db.session.execute(
        sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id)).scalar_one_or_none()
    if sheet is None:
        sheet = ScoreSheet(assignment=assignment, state=SheetState.draft, comment="")
        db.session.add(sheet)
    return sheet


def _require_own_draft(actor, sheet):
    """The assigned expert's own sheet, still a draft, while the call's scoring is open."""
    if sheet.assignment.expert.user_id != actor.id:
        raise ScoringError(_("Only the assigned expert scores."))
    if sheet.state != SheetState.draft:
        raise ScoringError(_("The sheet is submitted and locked. The grant operator can reopen it."))
    require_scoring_open(sheet.assignment.application, ScoringError)


def save(actor, sheet, values, comment=""):
    """Keep the expert's draft: values is {criterion id: (points or None, not applicable, comment)}."""
    _require_own_draft(actor, sheet)
    call = sheet.assignment.application.call
    by_id = {c.id: c for c in criteria(call)}
    lines = {line.criterion_id: line for line in sheet.lines}
    for criterion_id, (points, not_applicable, note) in values.items():
        criterion = by_id.get(criterion_id)
        if criterion is None:
            raise ScoringError(_("Unknown criterion."))
        if points is not None and not (0 <= points <= criterion.max_points):
            raise ScoringError(_("%(criterion)s: from 0 to %(max)d points.", criterion=criterion.name,
                                 max=criterion.max_points))
        line = lines.get(criterion_id) or ScoreLine(criterion_id=criterion_id)
        line.points = None if not_applicable else points
        line.not_applicable = bool(not_applicable)
        line.comment = (note or "").strip()
        if criterion_id not in lines:
            sheet.lines.append(line)
    sheet.comment = (comment or "").strip()
    sheet.updated_at = utcnow()
    db.session.flush()
    return sheet


def sheet_total(lines, all_criteria):
    """The weighted sum, scaled up over the criteria that apply: a criterion marked not applicable
    is missing, never a zero that would drag the application down."""
    applicable = [line for line in lines if not line.not_applicable and line.points is not None]
    if not applicable:
        return None
    weight = {c.id: Decimal(c.weight) for c in all_criteria}
    possible_all = sum(weight[c.id] * c.max_points for c in all_criteria)
    possible = sum(weight[line.criterion_id] * line.criterion.max_points for line in applicable)
    earned = sum(weight[line.criterion_id] * Decimal(line.points) for line in applicable)
    return (earned * possible_all / possible).quantize(CENT, rounding=ROUND_HALF_UP)


def submit(actor, sheet, now=None):
    _require_own_draft(actor, sheet)
    call = sheet.assignment.application.call
    all_criteria = criteria(call)
    share = rules(call).low_mark_share
    answered = {line.criterion_id: line for line in sheet.lines}
    problems = {}
    for criterion in all_criteria:
        line = answered.get(criterion.id)
        if line is None or (line.points is None and not line.not_applicable):
            problems[criterion.id] = _("Score “%(criterion)s” or mark it not applicable.", criterion=criterion.name)
        elif line.points is not None and Decimal(line.points) < share * criterion.max_points and not line.comment:
            problems[criterion.id] = _("“%(criterion)s” has a very low mark: explain it in a comment.",
                                       criterion=criterion.name)
    if problems:
        raise SheetProblems(problems)
    total = sheet_total(sheet.lines, all_criteria)
    if total is None:
        raise ScoringError(_("At least one criterion must be scored."))
    sheet.total = total
    sheet.state = SheetState.submitted
    sheet.submitted_at = now or utcnow()
    audit.record(actor, "sheet.submit", sheet, {"state": "draft"}, {"state": "submitted", "total": total})
    return sheet


def reopen(actor, sheet, reason):
    """The operator unlocks a submitted sheet; the reason is audited."""
    if sheet.state != SheetState.submitted:
        raise ScoringError(_("Only a submitted sheet can be reopened."))
    require_scoring_open(sheet.assignment.application, ScoringError)
    if not (reason or "").strip():
        raise ScoringError(_("Give the reason for reopening the sheet."))
    audit.record(actor, "sheet.reopen", sheet, {"state": "submitted", "total": sheet.total},
                 {"state": "draft", "reason": reason.strip()})
    sheet.state = SheetState.draft
    sheet.total = None
    sheet.submitted_at = None
    return sheet


CRITERION_FIELDS = ("code", "name_kk", "name_ru", "name_en", "guidance_kk", "guidance_ru", "guidance_en",
                    "max_points", "weight")


def save_criterion(actor, call, criterion, data):
    """Add (criterion is None) or change a criterion, until the first sheet is submitted."""
    if scoring_started(call):
        raise ScoringError(_("Scoring has started: the criteria can no longer change."))
    existing = criteria(call)
    code = data["code"].strip().upper()
    if any(c.code == code and c is not criterion for c in existing):
        raise ScoringError(_("Another criterion of this call has the code %(code)s.", code=code))
    data = {**data, "code": code}
    created = criterion is None
    if created:
        criterion = Criterion(call_id=call.id, position=max((c.position for c in existing), default=-1) + 1)
        db.session.add(criterion)
    audit.update(actor, "criterion.save", criterion, {k: data[k] for k in CRITERION_FIELDS}, target=call,
                 created=created)
    return criterion


def delete_criterion(actor, call, criterion):
    if scoring_started(call):
        raise ScoringError(_("Scoring has started: the criteria can no longer change."))
    audit.record(actor, "criterion.delete", call, before={"code": criterion.code})
    db.session.delete(criterion)
