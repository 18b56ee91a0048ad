"""Users, the roles they hold, and the record of sign-in attempts."""

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
    # For a customer: the state body they act for; its calls are theirs to prepare.
    customer_body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_bodies.id"))

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

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


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept to throttle guessing and to show an account's history."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255))
    ip: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool]

    __table_args__ = (sa.Index("ix_login_attempts_email_at", "email", "at"),)
