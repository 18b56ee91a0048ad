"""What each person chose to be told, notices kept for their daily digest, and reminders already sent."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import User
from grants.db import UTCDateTime, utcnow
from grants.extensions import db

MODES = ("now", "digest", "off")


class Preference(db.Model):
    """One person's choice for one kind of notice; a kind without a row takes its default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    mode: Mapped[str] = mapped_column(sa.String(8))

    __table_args__ = (sa.CheckConstraint("mode IN ('now', 'digest', 'off')", name="mode"),)


class Pending(db.Model):
    """A notice written in its reader's language, waiting for the next daily digest."""

    __tablename__ = "pending_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()


class SentReminder(db.Model):
    """A reminder sent once: its kind, the object it is about, and its step (7 or 1 days before, say)."""

    __tablename__ = "sent_reminders"

    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    object_id: Mapped[int] = mapped_column(primary_key=True)
    step: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(db.Model):
    """A notice in its reader's inbox on the platform, written in their language: what they were told by mail, or
    keep only for a daily digest. Read once opened; kept a year."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(400))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_notices_user_id_id", "user_id", "id"),)
