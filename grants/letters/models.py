"""The operator's decision letters: one per outcome and per language. The outcomes are the eligibility check's and
those packages above the core register (grants.letters.services.kinds), so the database does not list them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import User
from grants.db import UTCDateTime, utcnow
from grants.extensions import db


class LetterTemplate(db.Model):
    __tablename__ = "letter_templates"

    outcome: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("language IN ('kk', 'ru')", name="language"),
    )
