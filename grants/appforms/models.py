"""The published record of corrections to a call's application form made after publication."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from grants.db import UTCDateTime, utcnow
from grants.extensions import db


class FormCorrection(db.Model):
    """One change of a published call's form, before any application was submitted: kept and shown."""

    __tablename__ = "form_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text)  # what changed, in words
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call = relationship("Call", backref=backref("form_corrections", order_by="FormCorrection.id",
                                                cascade="all, delete-orphan", passive_deletes=True))
