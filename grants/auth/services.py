"""The verbs that change accounts: create, sign in, change roles and passwords, end sessions."""

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from grants import audit
from grants.auth.models import LoginAttempt, Role, User, UserRole, new_session_token
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import LANGUAGE_NAMES, _, format_datetime
from grants.refusals import Refusal

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
# Verified against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


class AuthError(Refusal):
    """A refusal with a message for the person who asked, and the HTTP status it earns."""


class BadCredentials(AuthError):
    status = 401


class Throttled(AuthError):
    status = 429


def normalise_email(email):
    return (email or "").strip().lower()


def password_problem(password, email=""):
    """A translated reason the password is too weak, or None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH)
    if password.isdigit() or password.isalpha():
        return _("The password must mix letters with digits or symbols.")
    name = normalise_email(email).split("@")[0]
    if len(name) >= 4 and name in password.lower():
        return _("The password must not contain your e-mail name.")
    return None


def generate_password(email=""):
    """A random password that passes our own rules."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problem(password, email) is None:
            return password


def find_user(email):
    return db.session.execute(
        sa.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def create_user(actor, email, full_name, roles, password=None, locale=None):
    """Create an account; returns (user, password) so a generated password can be shown once."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AuthError(_("Enter a valid e-mail address."))
    if find_user(email):
        raise AuthError(_("An account with the e-mail %(email)s already exists.", email=email))
    roles = [Role(r) for r in roles]
    if not roles:
        raise AuthError(_("Choose at least one role."))
    password = password or generate_password(email)
    problem = password_problem(password, email)
    if problem:
        raise AuthError(problem)
    user = User(
        email=email,
        full_name=full_name.strip() or email,
        password_hash=generate_password_hash(password),
        locale=locale,
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
        # An administrator, the command line or the demo vouch for the address; a person registering
        # themselves proves it by the mailed link (request_verification).
        email_verified_at=None if actor == SELF_REGISTRATION else utcnow(),
    )
    db.session.add(user)
    audit.record(actor, "user.create", user, after={"email": email, "roles": sorted(roles)})
    return user, password


SELF_REGISTRATION = "self-registration"


def set_roles(actor, user, roles):
    roles = {Role(r) for r in roles}
    if not roles:
        raise AuthError(_("Choose at least one role."))
    if user == actor and Role.admin not in roles and Role.admin in user.roles:
        raise AuthError(_("You cannot remove your own administrator role."))
    before = sorted(user.roles)
    user.role_rows = [UserRole(role=r.value) for r in sorted(roles)]
    audit.record(actor, "user.set_roles", user, {"roles": before}, {"roles": sorted(roles)})


def update_account(actor, user, roles, active):
    """The administrator's edit of an account: its roles and whether it may sign in."""
    set_roles(actor, user, roles)
    set_active(actor, user, active)


def update_profile(actor, user, full_name, locale):
    audit.update(actor, "user.update_profile", user, {"full_name": full_name.strip() or user.full_name,
                                                       "locale": locale})


def set_locale(user, locale):
    """The interface language the user chose by switching it on a page: audited as their own profile change."""
    if locale not in LANGUAGE_NAMES:
        raise AuthError(_("The language “%(lang)s” is not available. Choose Kazakh, Russian or English.",
                          lang=str(locale)[:20]))
    audit.update(user, "user.update_profile", user, {"locale": locale})


def set_active(actor, user, active):
    if user == actor and not active:
        raise AuthError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    user.session_token = new_session_token()
    audit.record(actor, "user.activate" if active else "user.deactivate", user,
                 {"active": not active}, {"active": active})


def set_password(actor, user, password, verb=None):
    """Set a new password and end every session of the user."""
    problem = password_problem(password, user.email)
    if problem:
        raise AuthError(problem)
    user.password_hash = generate_password_hash(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    verb = verb or ("user.change_password" if actor == user else "user.reset_password")
    audit.record(actor, verb, user)


# --- a forgotten password: a link by mail, for an hour, once ---------------------------------------------

RESET_MINUTES = 60
RESETS_PER_HOUR = 3  # links mailed to one account in an hour: more would let anyone flood a mailbox


def _reset_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _read_link(serializer, token, refused):
    """(what a mailed link's token carries, when it was issued, its account), or `refused` for a damaged or
    forged token. The account may be None (deleted since)."""
    try:
        data = serializer.loads(token)
        return data, datetime.fromisoformat(data["t"]), db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise refused from None


def _mailed_lately(verb, user, now):
    """How many links of `verb` the account was mailed in the hour before `now` (the audit trail keeps each)."""
    event = audit.AuditEvent
    return db.session.execute(sa.select(sa.func.count()).select_from(event).where(
        event.verb == verb, event.object_type == "User", event.object_id == str(user.id),
        event.at >= now - timedelta(hours=1))).scalar_one()


def reset_token(user, now=None):
    """A link's token: who, and when it was issued. It stops working after an hour, and as soon as the
    password changes (by this link or any other way), so it works once."""
    return _reset_serializer().dumps({"u": user.id, "t": (now or utcnow()).isoformat()})


class BadResetLink(AuthError):
    status = 400


def user_for_reset(token, now=None):
    """The account a reset link is for, or BadResetLink saying why it cannot be used."""
    refused = BadResetLink(_("This link cannot be used: it has expired, it was used already or the password was "
                             "changed since. Ask for a new link."))
    _data, issued, user = _read_link(_reset_serializer(), token, refused)
    now = now or utcnow()
    if user is None or not user.active or not issued <= now <= issued + timedelta(minutes=RESET_MINUTES):
        raise refused
    if user.password_changed_at is not None and user.password_changed_at >= issued:
        raise refused
    return user


def request_reset(email, link_for, now=None):
    """Mail a reset link to the account with this e-mail, if there is one; the asker is told the same either
    way, so the page does not reveal who has an account. `link_for(token)` makes the link's address."""
    from grants.mail import queue_mail

    user = find_user(normalise_email(email))
    if user is None or not user.active:
        return
    now = now or utcnow()
    recent = _mailed_lately("user.request_password_reset", user, now)
    if recent >= RESETS_PER_HOUR:
        log.warning("password reset for %s not mailed: %d links in the last hour", user.email, recent)
        return
    audit.record("public", "user.request_password_reset", user)
    queue_mail(user.email, "password_reset", user.locale or "ru", user=user, url=link_for(reset_token(user, now)),
               minutes=RESET_MINUTES)


# --- a self-registered account's e-mail: proven by a mailed link before the account acts -------------------

VERIFY_DAYS = 3
VERIFICATIONS_PER_HOUR = 3


def _verify_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="email-verification")


def verification_token(user, now=None):
    """A link's token: whose address, which address, and when it was issued."""
    return _verify_serializer().dumps({"u": user.id, "e": user.email, "t": (now or utcnow()).isoformat()})


def request_verification(user, link_for, now=None):
    """Mail the link that proves the account's address; at most a few an hour. Returns whether one was sent."""
    from grants.mail import queue_mail

    if user.email_verified_at is not None:
        return False
    now = now or utcnow()
    if _mailed_lately("user.request_email_verification", user, now) >= VERIFICATIONS_PER_HOUR:
        raise Throttled(_("A link was mailed to %(email)s a moment ago. Look for it in the mailbox (and in spam); a "
                          "new one can be asked for within an hour.", email=user.email))
    audit.record(user, "user.request_email_verification", user)
    queue_mail(user.email, "email_verification", user.locale or "kk", user=user,
               url=link_for(verification_token(user, now)), days=VERIFY_DAYS)
    return True


def verify_email(token, now=None):
    """The account whose address the link proves, now verified; BadResetLink-like refusal otherwise."""
    refused = BadResetLink(_("This link cannot be used: it has expired or is not for this address. Sign in and ask "
                             "for a new link."))
    data, issued, user = _read_link(_verify_serializer(), token, refused)
    now = now or utcnow()
    if user is None or user.email != data.get("e") or not issued <= now <= issued + timedelta(days=VERIFY_DAYS):
        raise refused
    if user.email_verified_at is None:
        user.email_verified_at = now
        audit.record(user, "user.verify_email", user, None, {"email": user.email})
    return user


def reset_with_link(token, password, now=None):
    user = user_for_reset(token, now)
    set_password(user, user, password, verb="user.reset_own_password")
    return user


def check_password(user, current):
    if not check_password_hash(user.password_hash, current or ""):
        raise AuthError(_("The current password is not correct."))


def change_own_password(user, current, new):
    check_password(user, current)
    set_password(user, user, new)


def end_sessions(user):
    """Sign the user out everywhere: old session cookies no longer match."""
    user.session_token = new_session_token()


def _recent_failures(column, value, since):
    return db.session.execute(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    ).scalar_one()


def authenticate(email, password, ip):
    """Return the user for a correct e-mail and password, or raise AuthError.

    Every attempt is recorded; too many failures for one e-mail (or from one address)
    within the lock window refuse further attempts, even with the right password.
    """
    email = normalise_email(email)
    check_lock(email, ip)
    user = find_user(email)
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    ok = ok and user is not None
    db.session.add(LoginAttempt(email=email, ip=ip, succeeded=ok))
    db.session.flush()
    if not ok:
        if user is not None:
            audit.record(user, "user.sign_in_failed", user, None, {"reason": "password"})
        raise BadCredentials(_("The e-mail or password is not correct."))
    if not user.active:
        # Said only to someone who knows the password: nothing leaks to a guesser.
        raise BadCredentials(_("This account is deactivated. Contact the grant operator."))
    if eds_required(user):
        audit.record(user, "user.sign_in_failed", user, None, {"reason": "eds_required"})
        raise EdsRequired(_("Your role signs in with EDS only. Choose “Sign in with EDS” and sign with your "
                            "authentication key."))
    user.last_login_at = utcnow()
    if user.two_factor is None:  # else signed in only once the second factor's code is right
        audit.record(user, "user.sign_in", user, None, {"second_factor": None})
    db.session.flush()
    return user


def eds_required(user):
    """Whether this account may sign in with ЭЦП alone (BAIQAU_EDS=required and a role of BAIQAU_EDS_ROLES)."""
    config = current_app.config
    return config.get("EDS") == "required" and any(user.has_role(r) for r in config.get("EDS_ROLES", ()))


class EdsRequired(AuthError):
    status = 403


def check_lock(email, ip):
    """Refuse while the e-mail, or the address, has had too many failed attempts within the lock window;
    email None: the address alone (ЭЦП sign-in, where no e-mail is typed)."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    since = utcnow() - window
    limit = config["LOGIN_MAX_FAILURES"]
    if (email is not None and _recent_failures(LoginAttempt.email, email, since) >= limit) or (
        _recent_failures(LoginAttempt.ip, ip, since) >= limit * 4
    ):
        last = db.session.execute(
            sa.select(sa.func.max(LoginAttempt.at)).where(
                sa.or_(LoginAttempt.email == email, LoginAttempt.ip == ip),
                LoginAttempt.succeeded.is_(False),
            )
        ).scalar_one()
        log.warning("login throttled for %s from %s", email, ip)
        raise Throttled(
            _("Too many failed attempts. Try again after %(time)s.",
              time=format_datetime(last + window, "HH:mm"))
        )
