"""Comments on an application, an agreement or a report: who wrote what, for whom, with a file and mentions.

A comment is kept as written: nobody edits or deletes one, so the activity of an object reads the same to everyone
who may see it, on any day after."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.agreements.models import Agreement
from grants.applications.models import Application
from grants.auth.models import User
from grants.db import StoredFileColumns, UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l
from grants.monitoring.models import Report

MAX_BODY = 5000


class Visibility(enum.StrEnum):
    staff = "staff"  # the grant operator's staff only
    experts = "experts"  # the staff and the experts assigned to the application
    applicant = "applicant"  # the staff and the NGO

    @property
    def title(self):
        return {Visibility.staff: _l("Operator staff only"),
                Visibility.experts: _l("Staff and the application's experts"),
                Visibility.applicant: _l("Staff and the NGO")}[self]


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the one object it is written on
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"),
                                                       index=True)
    agreement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    visibility: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    application: Mapped[Application | None] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
    report: Mapped[Report | None] = relationship()
    attachment: Mapped["CommentFile | None"] = relationship(back_populates="comment", cascade="all, delete-orphan",
                                                            lazy="selectin")
    mentions: Mapped[list["Mention"]] = relationship(back_populates="comment", cascade="all, delete-orphan",
                                                     lazy="selectin")

    __table_args__ = (
        sa.CheckConstraint("(CASE WHEN application_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN agreement_id IS NULL "
                           "THEN 0 ELSE 1 END) + (CASE WHEN report_id IS NULL THEN 0 ELSE 1 END) = 1",
                           name="one_subject"),
        sa.CheckConstraint("visibility IN ('staff', 'experts', 'applicant')", name="visibility"),
        sa.CheckConstraint("visibility <> 'experts' OR application_id IS NOT NULL", name="experts_on_applications"),
        sa.CheckConstraint("length(body) > 0", name="body_given"),
    )

    @property
    def mentioned(self):
        return [m.user for m in self.mentions]


class CommentFile(StoredFileColumns, db.Model):
    """The one file a comment may carry; its bytes stay in storage under the random key."""

    __tablename__ = "comment_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), unique=True)

    comment: Mapped[Comment] = relationship(back_populates="attachment")


class Mention(db.Model):
    """A colleague named in a comment: told by mail, and the comment waits in their work until they answer."""

    __tablename__ = "comment_mentions"

    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)

    comment: Mapped[Comment] = relationship(back_populates="mentions")
    user: Mapped[User] = relationship(lazy="joined")


class Draft(db.Model):
    """What a person typed into a comment the platform refused: offered again in the form until it is added."""

    __tablename__ = "comment_drafts"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # "application:12"
    body: Mapped[str] = mapped_column(sa.Text, default="")
    visibility: Mapped[str] = mapped_column(sa.String(16), default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
