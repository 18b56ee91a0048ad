"""Personal API tokens: issued to those who may read statistics, kept only as a SHA-256, revocable.

A token is shown once, when it is issued; the database holds only its hash, so a stolen copy
of the database gives no working token. `verify` hashes what it is handed and looks the hash up:
no comparison of secrets happens in Python, so nothing leaks through timing.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

import reports.rules  # noqa: F401  (registers "stats.view")
from grants import audit
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.permissions import can
from grants.refusals import Refusal
from reports.models import ApiToken

PREFIX = "bq_"  # recognisable in a script or a leaked log, for secret scanners too
MAX_LENGTH = 200  # a longer Authorization value is not one of ours: not even hashed
NAME_LENGTH = 120
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


class TokenRefused(Refusal):
    """A token cannot be issued or revoked; the message is for the user."""


def digest(plaintext):
    return hashlib.sha256(plaintext.encode("utf-8", "replace")).hexdigest()


def issue(user, name="", actor=None):
    """A new token for the user: (the row, the plaintext to show once). Only for those who may read statistics."""
    actor = actor or user
    if not user.active:
        raise TokenRefused(_("The account %(email)s is deactivated: it cannot hold an API token.", email=user.email))
    if not can(user, "stats.view"):
        raise TokenRefused(_("API tokens are only for analysts, grant operators and administrators; "
                             "%(email)s is none of these.", email=user.email))
    name = " ".join((name or "").split())
    if len(name) > NAME_LENGTH:
        raise TokenRefused(_("The name of a token must not exceed %(n)d characters.", n=NAME_LENGTH))
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=digest(plaintext), name=name, created_at=utcnow())
    db.session.add(token)
    audit.record(actor, "api_token.issue", token, after={"user": user.email, "name": name})
    return token, plaintext


def verify(plaintext):
    """The active user a token belongs to, or None for an unknown, revoked or malformed token.

    Marks the token used (at most once a minute); the caller's transaction commits it.
    """
    if not plaintext or len(plaintext) > MAX_LENGTH or not plaintext.startswith(PREFIX):
        return None
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == digest(plaintext))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
    return token.user


def revoke(actor, token):
    """Stop a token working, for good. The row stays, so the list shows when it was revoked."""
    if token.revoked_at is not None:
        raise TokenRefused(_("This token was already revoked."))
    token.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", token, after={"user": token.user.email, "name": token.name})


def tokens_of(user):
    """The user's tokens, newest first, revoked ones included."""
    return db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).scalars().all()
