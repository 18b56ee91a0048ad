"""The ranking of a call by the call's own rules, with the advisory figures beside it.

The official score is exactly what the call's rules define: the sum or the mean of the
experts' sheet totals. The median, the divergence flag, each expert's tendency and a
calibrated (per-expert standardised) ranking are shown next to it for the operator and the
commission; they never change the official order.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.applications.models import Application
from grants.calls.models import Topic
from grants.extensions import db
from scoring.assignments.models import ACTIVE, Assignment
from scoring.commission.models import Appeal
from scoring.experts.models import Expert
from scoring.price import price_points
from scoring.sheets.models import Aggregation, ScoreLine, ScoreSheet, SheetState
from scoring.sheets.services import rules

CENT = Decimal("0.01")


@dataclass
class Row:
    application: Application
    totals: list = field(default_factory=list)
    pending: int = 0
    score: Decimal | None = None
    median: Decimal | None = None
    spread: Decimal | None = None
    divergent: bool = False
    below_threshold: bool = False
    rank: int | None = None
    calibrated: float | None = None
    calibrated_rank: int | None = None
    criterion_means: dict = field(default_factory=dict)
    experts_score: Decimal | None = None  # the experts' part, where price points are added to it
    offer_total: Decimal | None = None
    price_points: Decimal | None = None  # a state social order's, computed from the offers (scoring/price.py)


@dataclass
class Tendency:
    expert_id: int
    name: str
    sheets: int
    mean: Decimal
    deviation: float  # mean of (own total - the co-experts' mean) on the same applications
    z: float | None


def counted(query, as_of=None):
    """The submitted sheets that count: not one an upheld appeal set aside. With `as_of` (the moment a protocol was
    approved), those that counted then: submitted by that moment, and not set aside before it."""
    set_aside = sa.select(Appeal.set_aside_id).where(Appeal.set_aside_id.is_not(None))
    if as_of is not None:
        set_aside = set_aside.where(Appeal.resolved_at <= as_of)
        query = query.where(ScoreSheet.submitted_at <= as_of)
    return query.where(ScoreSheet.state == SheetState.submitted, ScoreSheet.assignment_id.not_in(set_aside))


def _sheets(call):
    """Every submitted sheet of the call that counts: (application id, expert id, total, sheet id)."""
    return db.session.execute(counted(
        sa.select(Assignment.application_id, Assignment.expert_id, ScoreSheet.total, ScoreSheet.id)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Application, Application.id == Assignment.application_id).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id))
    ).all()


def ranking(call):
    """{topic: [Row, ...] in official order}; applications not yet fully scored come last, unranked."""
    call_rules = rules(call)
    query = (sa.select(Application).join(Topic, Topic.id == Application.topic_id)
             .where(Topic.call_id == call.id, Application.id.in_(
                 sa.select(Assignment.application_id).where(Assignment.state.in_(ACTIVE)))))
    if call_rules.price_points:  # every offer's total is read: its lines in one query, not one per offer
        query = query.options(selectinload(Application.offer_lines))
    applications = db.session.execute(query).scalars().all()
    rows = {a.id: Row(a) for a in applications}
    sheets = _sheets(call)
    for app_id, _expert, total, _sheet in sheets:
        if app_id in rows:
            rows[app_id].totals.append(Decimal(total))
    active = db.session.execute(
        sa.select(Assignment.application_id, sa.func.count()).where(
            Assignment.application_id.in_(rows), Assignment.state.in_(ACTIVE)).group_by(Assignment.application_id)
    ).all()
    for app_id, n in active:
        rows[app_id].pending = n - len(rows[app_id].totals)
    for app_id, means in criterion_means(rows).items():
        rows[app_id].criterion_means = means
    calibrated = _calibrated(sheets)
    for row in rows.values():
        if not row.totals:
            continue
        total = sum(row.totals)
        row.score = (total if call_rules.aggregation == Aggregation.sum else total / len(row.totals)).quantize(CENT)
        row.median = Decimal(statistics.median(row.totals)).quantize(CENT, rounding=ROUND_HALF_UP)
        row.spread = max(row.totals) - min(row.totals)
        row.divergent = row.spread > call_rules.divergence_limit
        row.below_threshold = row.score < call_rules.threshold
        row.calibrated = calibrated.get(row.application.id)
    by_topic = defaultdict(list)
    for row in rows.values():
        by_topic[row.application.topic].append(row)
    if call_rules.price_points:
        for topic_rows in by_topic.values():
            _add_price(topic_rows, call_rules)
    for topic_rows in by_topic.values():
        _order(topic_rows)
    return dict(sorted(by_topic.items(), key=lambda item: item[0].number))


def _add_price(topic_rows, call_rules):
    """The offers' price points added to the experts' score; the threshold applies to the sum."""
    for row in topic_rows:
        row.offer_total = row.application.offer_total
    points = price_points({row.application.id: row.offer_total for row in topic_rows}, call_rules.price_points)
    for row in topic_rows:
        row.price_points = points[row.application.id]
        if row.score is not None:
            row.experts_score = row.score
            row.score = row.score + row.price_points
            row.below_threshold = row.score < call_rules.threshold


def tie_key(row):
    """The stated tie rule: the higher score, then the higher median, then the earlier receipt number."""
    return (-row.score, -row.median, row.application.receipt_number)


def _order(topic_rows):
    scored = sorted((r for r in topic_rows if r.score is not None and r.pending == 0), key=tie_key)
    for rank, row in enumerate(scored, 1):
        row.rank = rank
    for rank, row in enumerate(sorted((r for r in scored if r.calibrated is not None),
                                      key=lambda r: (-r.calibrated, r.application.receipt_number)), 1):
        row.calibrated_rank = rank
    rest = sorted((r for r in topic_rows if r not in scored), key=lambda r: r.application.receipt_number)
    topic_rows[:] = scored + rest


def criterion_means(application_ids, as_of=None):
    """{application id: {criterion id: mean points}} over the sheets that count (`as_of`: see counted),
    not-applicable left out."""
    found = db.session.execute(counted(
        sa.select(Assignment.application_id, ScoreLine.criterion_id, sa.func.avg(ScoreLine.points))
        .join(ScoreSheet, ScoreSheet.id == ScoreLine.sheet_id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(Assignment.application_id.in_(list(application_ids)), ScoreLine.not_applicable.is_(False)), as_of)
        .group_by(Assignment.application_id, ScoreLine.criterion_id)
    ).all()
    means = {}
    for app_id, criterion_id, mean in found:
        means.setdefault(app_id, {})[criterion_id] = Decimal(mean).quantize(CENT, rounding=ROUND_HALF_UP)
    return means


def _calibrated(sheets):
    """Per-expert standardisation: each total as a z-score within its expert, averaged per application."""
    by_expert = defaultdict(list)
    for _app, expert, total, _sheet in sheets:
        by_expert[expert].append(float(total))
    stats = {e: (statistics.fmean(v), statistics.pstdev(v)) for e, v in by_expert.items()}
    per_app = defaultdict(list)
    for app_id, expert, total, _sheet in sheets:
        mean, sd = stats[expert]
        per_app[app_id].append((float(total) - mean) / sd if sd > 0 else 0.0)
    return {app_id: round(statistics.fmean(zs), 3) for app_id, zs in per_app.items()}


def tendencies(call):
    """Each expert's leniency: how far their totals sit from their co-experts' on the same applications."""
    sheets = _sheets(call)
    by_app = defaultdict(list)
    for app_id, expert, total, _sheet in sheets:
        by_app[app_id].append((expert, float(total)))
    deviations = defaultdict(list)
    totals = defaultdict(list)
    for scores in by_app.values():
        for expert, total in scores:
            totals[expert].append(total)
            others = [t for e, t in scores if e != expert]
            if others:
                deviations[expert].append(total - statistics.fmean(others))
    pooled = [d for ds in deviations.values() for d in ds]
    sd = statistics.pstdev(pooled) if len(pooled) > 1 else 0.0
    experts = {e.id: e for e in db.session.execute(sa.select(Expert).where(Expert.id.in_(totals))).scalars()}
    result = []
    for expert_id, own in sorted(totals.items()):
        ds = deviations.get(expert_id, [])
        mean_dev = statistics.fmean(ds) if ds else 0.0
        z = (mean_dev / (sd / len(ds) ** 0.5)) if ds and sd > 0 else None
        result.append(Tendency(expert_id, experts[expert_id].name, len(own),
                               Decimal(statistics.fmean(own)).quantize(CENT), round(mean_dev, 2),
                               round(z, 2) if z is not None else None))
    return result
