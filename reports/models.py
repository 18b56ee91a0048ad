"""Applications and grants from the years before the platform, imported once from the operator's files."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import User
from grants.db import Money, UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import pgettext
from grants.organizations.models import Organization

INSTRUMENTS = ("state_grant", "non_state_grant", "sso", "award", "strategic_partnership")
FUNDING_SOURCES = ("republican", "local", "non_state")
OUTCOMES = ("submitted", "ineligible", "rejected", "awarded")


def _checked(values):
    return ", ".join(f"'{getattr(v, 'value', v)}'" for v in values)


class HistoricalApplication(db.Model):
    """One application of the years before the platform, keyed by the source's own number (`ref`)."""

    __tablename__ = "historical_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    year: Mapped[int] = mapped_column(index=True)
    call_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    instrument: Mapped[str] = mapped_column(sa.String(24), index=True)
    funding_source: Mapped[str] = mapped_column(sa.String(16), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer_bodies.id"), index=True)
    direction_id: Mapped[int] = mapped_column(sa.ForeignKey("directions.id"), index=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(2), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16), index=True)
    amount_requested: Mapped[Decimal] = mapped_column(Money)
    amount_awarded: Mapped[Decimal | None] = mapped_column(Money)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_file: Mapped[str] = mapped_column(sa.String(255))

    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"instrument IN ({_checked(INSTRUMENTS)})", name="instrument"),
        sa.CheckConstraint(f"funding_source IN ({_checked(FUNDING_SOURCES)})", name="funding_source"),
        sa.CheckConstraint(f"outcome IN ({_checked(OUTCOMES)})", name="outcome"),
        sa.CheckConstraint("language IN ('kk', 'ru')", name="language"),
        sa.CheckConstraint("amount_requested >= 0", name="requested_not_negative"),
        sa.CheckConstraint("(outcome = 'awarded') = (amount_awarded IS NOT NULL)", name="awarded_has_amount"),
        sa.Index("ix_historical_applications_year_region", "year", "region_id"),
    )


class WorkbookStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def title(self):
        return {
            WorkbookStatus.queued: pgettext("workbook status", "Queued"),
            WorkbookStatus.running: pgettext("workbook status", "Being built"),
            WorkbookStatus.done: pgettext("workbook status", "Ready"),
            WorkbookStatus.failed: pgettext("workbook status", "Failed"),
        }[self]


class Workbook(db.Model):
    """An analyst's request for a statistics workbook, built by an RQ job on the `reports` queue."""

    __tablename__ = "workbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # reports.stats.Filters as a dict
    language: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(16), default=WorkbookStatus.queued, index=True)
    progress: Mapped[int] = mapped_column(default=0)  # 0–100, the share of statistics written
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)  # why it failed, for the analyst
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    storage_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))

    requested_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_checked(WorkbookStatus)})", name="status"),
        sa.CheckConstraint("language IN ('kk', 'ru', 'en')", name="language"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.CheckConstraint("status != 'done' OR storage_key IS NOT NULL", name="done_has_file"),
    )


class ApiToken(db.Model):
    """A personal API token: only its SHA-256 is kept; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
