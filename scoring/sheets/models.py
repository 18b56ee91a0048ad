"""A call's criteria and scoring rules, and each expert's score sheet."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l, pgettext
from grants.reference.models import Named
from scoring.assignments.models import Assignment


class Criterion(Named, db.Model):
    """One criterion of a call: code, names, guidance for the expert, maximum points, weight."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(sa.String(16))
    guidance_kk: Mapped[str] = mapped_column(sa.Text, default="")
    guidance_ru: Mapped[str] = mapped_column(sa.Text, default="")
    guidance_en: Mapped[str] = mapped_column(sa.Text, default="")
    max_points: Mapped[int]
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(6, 3), default=Decimal("1"))

    __table_args__ = (
        sa.UniqueConstraint("call_id", "code", name="uq_criteria_call_code"),
        sa.CheckConstraint("max_points BETWEEN 1 AND 100", name="max_points"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )


class Aggregation(enum.StrEnum):
    sum = "sum"
    mean = "mean"

    @property
    def title(self):
        return {Aggregation.sum: _l("Sum over experts"), Aggregation.mean: _l("Mean over experts")}[self]


class ScoringRules(db.Model):
    """How a call's scores are added up: set before scoring starts, shown to everyone after."""

    __tablename__ = "scoring_rules"

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    aggregation: Mapped[str] = mapped_column(sa.String(8), default=Aggregation.mean)
    divergence_limit: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2), default=Decimal("10"))
    threshold: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2), default=Decimal("0"))  # 0: no threshold
    blind: Mapped[bool] = mapped_column(default=False)
    low_mark_share: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=Decimal("0.3"))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # experts submit their sheets by then
    # A state social order's price: up to this many points, computed from the offers by the stated formula
    # (scoring/price.py), added to the experts' score. 0: the price is not scored.
    price_points: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (sa.CheckConstraint("aggregation IN ('sum', 'mean')", name="aggregation"),
                      sa.CheckConstraint("price_points BETWEEN 0 AND 100", name="price_points"))


class SheetState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"

    @property
    def title(self):
        return {
            SheetState.draft: pgettext("score sheet status", "Draft"),
            SheetState.submitted: pgettext("score sheet status", "Submitted"),
        }[self]


class ScoreSheet(db.Model):
    """One expert's scores for one application; locked once submitted, reopened only with a reason."""

    __tablename__ = "score_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(sa.String(12), default=SheetState.draft, index=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    total: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))  # set on submission
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship(lazy="joined")
    lines: Mapped[list["ScoreLine"]] = relationship(back_populates="sheet", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("state IN ('draft', 'submitted')", name="state"),
        sa.CheckConstraint("state = 'draft' OR (submitted_at IS NOT NULL AND total IS NOT NULL)",
                           name="submitted_has_total"),
    )


class ScoreLine(db.Model):
    """Points for one criterion, or not applicable: missing, never zero."""

    __tablename__ = "score_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("score_sheets.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id", ondelete="CASCADE"))
    points: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    not_applicable: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="lines")
    criterion: Mapped[Criterion] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "criterion_id", name="uq_score_lines_sheet_criterion"),
        sa.CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
        sa.CheckConstraint("NOT (not_applicable AND points IS NOT NULL)", name="na_has_no_points"),
    )
