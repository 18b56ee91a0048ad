"""The reference catalogues; names in Kazakh, Russian and English."""

import enum
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import Money
from grants.extensions import db
from grants.i18n import _l, pgettext


class Named:
    """Three names, and the one for the interface's language."""

    name_kk: Mapped[str] = mapped_column(sa.String(400))
    name_ru: Mapped[str] = mapped_column(sa.String(400))
    name_en: Mapped[str] = mapped_column(sa.String(400))

    @property
    def name(self):
        return getattr(self, f"name_{get_locale() or 'kk'}", None) or self.name_ru


class Direction(Named, db.Model):
    """One of the 16 directions of grant financing set by the law."""

    __tablename__ = "directions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[int] = mapped_column(unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (sa.CheckConstraint("code BETWEEN 1 AND 99", name="code"),)


class RegionKind(enum.StrEnum):
    region = "region"
    city = "city"

    @property
    def title(self):
        return {RegionKind.region: pgettext("region kind", "Region"),
                RegionKind.city: _l("City of republican significance")}[self]


class Region(Named, db.Model):
    """A region (oblast) or a city of republican significance, keyed by its KATO code."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kato: Mapped[str] = mapped_column(sa.String(9), unique=True)
    iso: Mapped[str] = mapped_column(sa.String(6), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # NGOs registered in the national NGO database here; statistics compare regions per 1,000 of them.
    # (No CHECK: adding one would make SQLite rebuild a table that others reference; the form checks it.)
    ngos_registered: Mapped[int | None]

    __table_args__ = (
        sa.CheckConstraint("kind IN ('region', 'city')", name="kind"),
        sa.CheckConstraint("length(kato) = 9", name="kato_length"),
    )


class MrpRate(db.Model):
    """The monthly calculation index (МРП) of a budget year, in tenge."""

    __tablename__ = "mrp_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    @property
    def name(self):
        return str(self.year)


class BudgetLevel(enum.StrEnum):
    republican = "republican"
    local = "local"

    @property
    def title(self):
        return {BudgetLevel.republican: _l("Republican budget"), BudgetLevel.local: _l("Local budget")}[self]


class CustomerBody(Named, db.Model):
    """A state body that orders grants or social order: a ministry or an akimat department."""

    __tablename__ = "customer_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    level: Mapped[str] = mapped_column(sa.String(16))
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"))
    active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("level IN ('republican', 'local')", name="level"),
        sa.CheckConstraint("level = 'republican' OR region_id IS NOT NULL", name="local_has_region"),
    )


class ReasonCode(Named, db.Model):
    """Why an application was found ineligible or returned: coded, so reasons can be counted."""

    __tablename__ = "reason_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
