"""Users, the roles they hold, their second factor, ЭЦП sign-in challenges, and the record of sign-in attempts."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.i18n import _l


class Role(enum.StrEnum):
    applicant = "applicant"
    operator = "operator"
    expert = "expert"
    commission = "commission"
    customer = "customer"
    analyst = "analyst"
    observer = "observer"
    admin = "admin"

    @property
    def title(self):
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.applicant: _l("Applicant (NGO staff)"),
    Role.operator: _l("Grant operator"),
    Role.expert: _l("Expert"),
    Role.commission: _l("Commission member"),
    Role.customer: _l("Customer (state body)"),
    Role.analyst: _l("Analyst"),
    Role.observer: _l("Observer (public council)"),
    Role.admin: _l("Administrator"),
}

_role_list = ", ".join(f"'{r.value}'" for r in Role)


def new_session_token():
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(255))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(2))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session cookie's user id; replacing it ends every session at once.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person opened the link mailed to this address; a self-registered account acts only after it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For a customer: the state body they act for; its calls are theirs to prepare.
    customer_body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_bodies.id"))
    # The holder's IIN, once a certificate of НУЦ РК has signed in to this account (ЭЦП): one account per person.
    iin: Mapped[str | None] = mapped_column(sa.String(12), unique=True)

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    two_factor: Mapped["TwoFactor | None"] = relationship(back_populates="user", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("locale IN ('kk', 'ru', 'en')", name="locale"),)

    @property
    def roles(self):
        return {Role(r.role) for r in self.role_rows}

    def has_role(self, role):
        return Role(role) in self.roles

    def has_any_role(self, *roles):
        return bool(self.roles & {Role(r) for r in roles})

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    def __repr__(self):
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (sa.CheckConstraint(f"role IN ({_role_list})", name="role"),)


class TwoFactor(db.Model):
    """A user's second factor: the TOTP secret their authenticator app shares, since it was confirmed."""

    __tablename__ = "two_factors"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(64))
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last 30-second step a code was accepted for: each code signs in once.
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    user: Mapped[User] = relationship(back_populates="two_factor")
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="two_factor", cascade="all, delete-orphan", order_by="RecoveryCode.id")

    @property
    def codes_left(self):
        """Recovery codes not yet spent."""
        return sum(code.used_at is None for code in self.recovery_codes)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app, kept only as its SHA-256."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("two_factors.user_id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    two_factor: Mapped[TwoFactor] = relationship(back_populates="recovery_codes")


class SignInChallenge(db.Model):
    """A one-time text the browser has NCALayer sign with the authentication key, to sign in with ЭЦП.

    It is good for a few minutes and once: `used_at` is set by the statement that accepts it, so of two requests
    carrying the same signature one alone signs in.
    """

    __tablename__ = "sign_in_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def content(self):
        return challenge_content(self.token)


def challenge_content(token):
    """The bytes a sign-in challenge has signed: what NCALayer receives in Base64."""
    return f"Baiqau sign-in {token}".encode()


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept to throttle guessing and to show an account's history."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool]

    __table_args__ = (sa.Index("ix_login_attempts_email_at", "email", "at"),)
