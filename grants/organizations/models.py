"""An NGO, keyed by its BIN, and the users who act for it."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.auth.models import User
from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l
from grants.reference.models import Direction, Region

organization_directions = sa.Table(
    "organization_directions",
    db.metadata,
    sa.Column("organization_id", sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("direction_id", sa.ForeignKey("directions.id"), primary_key=True),
)

LEGAL_FORMS = {
    "public_association": _l("Public association"),
    "public_foundation": _l("Public foundation"),
    "association": _l("Association (union) of legal entities"),
    "private_institution": _l("Private institution"),
    "non_commercial_jsc": _l("Non-commercial joint-stock company"),
    "other": _l("Other non-commercial organization"),
}


VERIFICATIONS = {
    "eds": _l("Verified by the EDS of the NGO"),
    "documents": _l("Verified by the grant operator by its registration documents"),
    "legacy": _l("Registered before verification was required"),
    None: _l("Not verified yet"),
}


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name_kk: Mapped[str] = mapped_column(sa.String(400), index=True)  # the operator's lists sort by the name
    name_ru: Mapped[str] = mapped_column(sa.String(400), index=True)
    legal_form: Mapped[str] = mapped_column(sa.String(120))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(400))
    head_name: Mapped[str] = mapped_column(sa.String(255))
    phone: Mapped[str] = mapped_column(sa.String(32))
    email: Mapped[str] = mapped_column(sa.String(255))
    registry_year: Mapped[int | None]  # last yearly filing to the national NGO database
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Proof that the people acting for the NGO are its own (grants/organizations/ownership.py): a certificate of
    # the legal entity (ЭЦП), the operator's check of the registration documents, or "legacy" for an NGO
    # registered before proof was asked. Unproven, an NGO writes drafts but does not submit.
    verification: Mapped[str | None] = mapped_column(sa.String(16))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    verification_note: Mapped[str | None] = mapped_column(sa.Text)

    region: Mapped[Region] = relationship(lazy="joined")
    directions: Mapped[list[Direction]] = relationship(secondary="organization_directions",
                                                       order_by=Direction.code)
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("length(bin) = 12", name="bin_length"),
                      sa.CheckConstraint("verification IN ('eds', 'documents', 'legacy')", name="verification"))

    @property
    def verified(self):
        return self.verified_at is not None

    @property
    def verification_title(self):
        return VERIFICATIONS.get(self.verification, VERIFICATIONS[None])

    @property
    def name(self):
        return self.name_kk if str(get_locale()) == "kk" else self.name_ru

    def has_member(self, user):
        return any(m.user_id == getattr(user, "id", None) for m in self.memberships)


class Membership(db.Model):
    """A user acting for an NGO; the owner invites the others."""

    __tablename__ = "memberships"

    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    is_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Invitation(db.Model):
    """An invitation to act for an NGO, for an e-mail that has no account yet."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(255), index=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
