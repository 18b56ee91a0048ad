"""Sign-in with ЭЦП: the browser has NCALayer sign a one-time challenge with the person's authentication key; the
signature and its certificate are verified (grants.signatures) and the person is signed in by the IIN the
certificate names.

The first time, the IIN belongs to no account: the person links it to their account with its password, or opens
a new NGO account named as the certificate says. A challenge is good for CHALLENGE_MINUTES and once, and only in
the browser it was given to. A refused signature counts towards the address's sign-in lock. ЭЦП is a stronger
proof than a password and a code: an account signed in with it is not asked for its second factor. Whether ЭЦП
is offered, and for whom it is the only way, is configuration (BAIQAU_EDS, BAIQAU_EDS_ROLES).
"""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash

from grants import audit
from grants.auth.models import LoginAttempt, Role, SignInChallenge, User
from grants.auth.services import (
    SELF_REGISTRATION,
    AuthError,
    BadCredentials,
    check_lock,
    create_user,
    find_user,
    normalise_email,
)
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _
from grants.signatures import SignatureRefused, verifier, verify_cms
from grants.signatures.demo import NEWCOMER, person_of

CHALLENGE_MINUTES = 5


class EdsError(AuthError):
    """The signature is not accepted, the challenge is spent, or the account cannot take this certificate."""


def mode():
    return current_app.config.get("EDS", "off")


def enabled():
    return mode() != "off"


def new_challenge(now=None):
    """A challenge for the sign-in page: its text is what NCALayer signs."""
    now = now or utcnow()
    challenge = SignInChallenge(token=secrets.token_urlsafe(32), created_at=now,
                                expires_at=now + timedelta(minutes=CHALLENGE_MINUTES))
    db.session.add(challenge)
    db.session.flush()
    return challenge


def _take(token, now):
    """The challenge `token` names, spent now by one statement; refused when unknown, used or past its life."""
    spent = db.session.execute(
        sa.update(SignInChallenge)
        .where(SignInChallenge.token == (token or ""), SignInChallenge.used_at.is_(None),
               SignInChallenge.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        raise EdsError(_("This sign-in page has expired or its signature was already used. Sign again on the page "
                         "that opens now."))
    return db.session.execute(sa.select(SignInChallenge).where(SignInChallenge.token == token)).scalar_one()


def verify_sign_in(token, cms_b64, ip, now=None):
    """The verified Signer of a signature over the challenge `token`, or EdsError with the reason."""
    now = now or utcnow()
    check_lock(None, ip)
    challenge = _take(token, now)
    try:
        return verify_cms(cms_b64, expected_content=challenge.content, purpose="auth")
    except SignatureRefused as refusal:
        db.session.add(LoginAttempt(email="", ip=ip, succeeded=False))
        audit.record("public", "user.sign_in_refused", None, None, {"method": "eds", "reason": refusal.reason},
                     object_type="SignInChallenge", object_id=challenge.id)
        raise EdsError(str(refusal)) from refusal


def account_for(signer):
    return db.session.execute(sa.select(User).where(User.iin == signer.iin)).scalar_one_or_none()


def _evidence(signer):
    """What the audit trail keeps of a certificate: which one, and whether it was a demo test key."""
    return {"method": "eds", "certificate": signer.serial, "issuer": signer.issuer, "test": signer.test}


def sign_in(user, signer, ip):
    """Sign in the account the certificate's IIN is linked to."""
    if not user.active:
        raise BadCredentials(_("This account is deactivated. Contact the grant operator."))
    user.last_login_at = utcnow()
    db.session.add(LoginAttempt(email=user.email, ip=ip, succeeded=True))
    audit.record(user, "user.sign_in", user, None, _evidence(signer))
    db.session.flush()


def link(email, password, signer, ip):
    """Link the certificate's IIN to the account whose e-mail and password these are, and sign it in."""
    email = normalise_email(email)
    check_lock(email, ip)
    user = find_user(email)
    if user is None or not check_password_hash(user.password_hash, password or ""):
        db.session.add(LoginAttempt(email=email, ip=ip, succeeded=False))
        if user is not None:
            audit.record(user, "user.sign_in_failed", user, None, {"reason": "password", "method": "eds"})
        raise BadCredentials(_("The e-mail or password is not correct."))
    if user.iin is not None and user.iin != signer.iin:
        raise EdsError(_("This account is linked to another person's certificate. Sign in with that person's EDS, "
                         "or ask the administrator."))
    if account_for(signer) is not None:
        raise EdsError(_("This certificate is already linked to another account."))
    user.iin = signer.iin
    audit.record(user, "user.link_certificate", user, {"iin": None}, {"iin": signer.iin, **_evidence(signer)})
    sign_in(user, signer, ip)
    return user


def create_account(signer, email, ip, locale=None):
    """A new NGO account for the certificate's holder, named as the certificate says. Its password is random and
    never shown: the person signs in with ЭЦП, or sets a password by the forgotten-password link."""
    if account_for(signer) is not None:
        raise EdsError(_("This certificate is already linked to another account."))
    user, _password = create_user(SELF_REGISTRATION, email, signer.full_name.title(), [Role.applicant], locale=locale)
    user.iin = signer.iin
    audit.record(user, "user.link_certificate", user, {"iin": None}, {"iin": signer.iin, **_evidence(signer)})
    sign_in(user, signer, ip)
    return user


# --- the demo's test keys (BAIQAU_EDS_DEMO; never in production) -----------------------------------------------


def demo_people():
    """(key, label) of every person the demo holds a test key for: the demo accounts with an IIN, and a newcomer."""
    users = db.session.execute(sa.select(User).where(User.iin.is_not(None)).order_by(User.id)).scalars().all()
    return [(str(u.id), f"{u.full_name} — {u.email}") for u in users] + [
        ("newcomer", f"{NEWCOMER['name'].title()} {NEWCOMER['surname'].title()} — {NEWCOMER['organization']}")]


def demo_signature(person, content, purpose="auth"):
    """A CMS over `content` with the test key of `person` (a key of demo_people), or None when there is none."""
    demo = verifier().demo
    if demo is None:
        return None
    if person == "newcomer":
        return demo.sign(content, purpose, **NEWCOMER)
    user = db.session.get(User, int(person)) if str(person).isdigit() else None
    if user is None or user.iin is None:
        return None
    return demo.sign(content, purpose, **person_of(user, _owned(user)))


def posted_signature(signed):
    """The CMS a signing form posted; or, where the demo's test key was chosen instead, one made here with the
    signed-in person's test key over `signed()` (the bytes the page asked to sign). Never in production: no demo."""
    from flask import request
    from flask_login import current_user

    signature = request.form.get("signature") or None
    if not signature and request.form.get("demo") and verifier().demo is not None:
        signature = demo_signature(str(current_user.id), signed(), purpose="sign")
    return signature


def _owned(user):
    from grants.organizations.models import Membership

    membership = db.session.execute(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.is_owner.is_(True))).scalars().first()
    return membership.organization if membership else None
