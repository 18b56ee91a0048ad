"""Two-factor sign-in: a TOTP code from an authenticator app after the password, or a one-time recovery code.

Who must have it is configuration (`BAIQAU_TWO_FACTOR`): `required` makes every account holding one of
STAFF_ROLES enrol before it does anything else; `optional` offers it to everyone; `off` offers it to no one
new (an account that enrolled keeps being asked). A code is good once: the step it was accepted for is kept,
and a recovery code is spent. Wrong codes count with wrong passwords towards the sign-in lock. Every change
and every sign-in is in the audit trail.
"""

import hashlib
import secrets
import time

import pyotp
from flask import current_app

from grants import audit
from grants.auth.models import LoginAttempt, RecoveryCode, Role, TwoFactor
from grants.auth.services import AuthError, check_lock, check_password
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _

# The accounts the issue of ЭЦП and accounts names: those that decide, score, administer or see everyone's data.
STAFF_ROLES = frozenset({Role.operator, Role.admin, Role.expert, Role.commission, Role.analyst})
ISSUER = "Baiqau"
RECOVERY_CODES = 10
DRIFT = 1  # steps of 30 s either side: a phone's clock a little off still signs in


class TwoFactorError(AuthError):
    """A wrong code, or a change the account's state or role does not allow (400, as every refusal)."""


def mode():
    return current_app.config.get("TWO_FACTOR", "optional")


def required_for(user):
    """Whether this account must sign in with a second factor (and enrol before anything else)."""
    return mode() == "required" and bool(user.roles & STAFF_ROLES)


def offered_to(user):
    return user.two_factor is not None or mode() != "off"


def new_secret():
    return pyotp.random_base32()


def setup_uri(user, secret):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _step(now):
    return int(now // 30)


def _matching_step(secret, code, now, after):
    """The step within DRIFT whose code is `code` and later than `after`, or None."""
    code = "".join(ch for ch in code or "" if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for step in range(_step(now) - DRIFT, _step(now) + DRIFT + 1):
        if step > after and secrets.compare_digest(totp.at(step * 30), code):
            return step
    return None


def _digest(code):
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code):
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _new_codes(two_factor):
    """Replace the recovery codes; the plain codes are returned once, to be shown once."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}".upper() for _ in range(RECOVERY_CODES)]
    two_factor.recovery_codes = [RecoveryCode(code_hash=_digest(c)) for c in codes]
    return codes


def enable(user, secret, code, now=None):
    """Confirm the app holds `secret` by one of its codes; returns the recovery codes to show once."""
    now = time.time() if now is None else now
    if user.two_factor is not None:
        raise TwoFactorError(_("Two-factor sign-in is already on for this account."))
    step = _matching_step(secret, code, now, after=0)
    if step is None:
        raise TwoFactorError(_("The code is not correct. Type the six digits the app shows now; if it keeps "
                               "failing, check that the phone's clock is set automatically."))
    user.two_factor = TwoFactor(secret=secret, last_step=step, enabled_at=utcnow())
    codes = _new_codes(user.two_factor)
    audit.record(user, "user.enable_two_factor", user, {"two_factor": False}, {"two_factor": True})
    return codes


def _check_code(user, code, now):
    """'app' or 'recovery' for a good code (spending it), None for a wrong one."""
    two_factor = user.two_factor
    step = _matching_step(two_factor.secret, code, now, after=two_factor.last_step)
    if step is not None:
        two_factor.last_step = step
        return "app"
    digest = _digest(code)
    for row in two_factor.recovery_codes:
        if row.used_at is None and secrets.compare_digest(row.code_hash, digest):
            row.used_at = utcnow()
            return "recovery"
    return None


def confirm_sign_in(user, code, ip, now=None):
    """The second step of signing in. Returns how ('app' or 'recovery'); a wrong code counts towards the lock."""
    now = time.time() if now is None else now
    check_lock(user.email, ip)
    how = _check_code(user, code, now)
    db.session.add(LoginAttempt(email=user.email, ip=ip, succeeded=how is not None))
    if how is None:
        audit.record(user, "user.sign_in_failed", user, None, {"reason": "code"})
        db.session.flush()
        raise TwoFactorError(_("The code is not correct. Type the six digits the app shows now, or one of your "
                               "recovery codes."))
    audit.record(user, "user.sign_in", user, None, {"second_factor": how})
    if how == "recovery":
        audit.record(user, "user.use_recovery_code", user, None, {"left": user.two_factor.codes_left})
    return how


def new_recovery_codes(user, code, now=None):
    """Fresh recovery codes (the old ones stop working), after a code from the app."""
    now = time.time() if now is None else now
    if user.two_factor is None:
        raise TwoFactorError(_("Two-factor sign-in is not on for this account."))
    if _check_code(user, code, now) != "app":
        raise TwoFactorError(_("The code is not correct. Type the six digits the app shows now."))
    codes = _new_codes(user.two_factor)
    audit.record(user, "user.new_recovery_codes", user, None, {"codes": RECOVERY_CODES})
    return codes


def disable(user, password, code, now=None):
    """Turn the second factor off with the password and a code; not where the account's role requires it."""
    now = time.time() if now is None else now
    if user.two_factor is None:
        raise TwoFactorError(_("Two-factor sign-in is not on for this account."))
    if required_for(user):
        raise TwoFactorError(_("Your role requires two-factor sign-in: it cannot be turned off."))
    check_password(user, password)
    if _check_code(user, code, now) is None:
        raise TwoFactorError(_("The code is not correct. Type the six digits the app shows now, or one of your "
                               "recovery codes."))
    user.two_factor = None
    audit.record(user, "user.disable_two_factor", user, {"two_factor": True}, {"two_factor": False})


def reset_by_admin(actor, user):
    """An administrator takes off a lost phone's second factor; a required account enrols again at sign-in."""
    if user.two_factor is None:
        raise TwoFactorError(_("Two-factor sign-in is not on for this account."))
    user.two_factor = None
    audit.record(actor, "user.reset_two_factor", user, {"two_factor": True}, {"two_factor": False})

