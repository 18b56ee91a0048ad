"""The signed-in person's own account: the e-mail's confirmation, name and language, password and two-factor
sign-in. One piece: these pages are on the `auth` blueprint, beside sign-in (grants/auth/views.py)."""

import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from grants.auth import services, twofactor
from grants.auth.forms import CodeForm, ConfirmForm, PasswordChangeForm, ProfileForm, TwoFactorOffForm
from grants.auth.views import bp, verification_link
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow
from grants.refusals import attempt

# --- a self-registered account's e-mail -------------------------------------------------------------------

# What an account whose e-mail is not confirmed may still send: the confirmation itself and the way out.
UNVERIFIED_MAY_POST = {"auth.resend_verification", "auth.logout", "auth.two_factor_setup", "auth.account",
                       "auth.change_password"}


@bp.before_app_request
def confirm_email_before_acting():
    """A self-registered account reads, but changes nothing, until the mailed link proves its address."""
    if (current_user.is_authenticated and current_user.email_verified_at is None
            and request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint not in UNVERIFIED_MAY_POST):
        flash(_("Confirm your e-mail first: open the link we mailed to %(email)s. No letter? Ask for a new one on "
                "your account page.", email=current_user.email), "error")
        return redirect(url_for("auth.account"))
    return None


@bp.route("/auth/verify-email/<token>")
@allow("public")
def verify_email(token):
    """The mailed link: the address is confirmed, whoever's browser opens it (the link itself is the proof)."""
    try:
        user = services.verify_email(token)
    except services.AuthError as refusal:
        return render_template("auth/verify_email.html", problem=str(refusal)), 400
    db.session.commit()
    return render_template("auth/verify_email.html", problem=None,
                           confirmed=_("Your e-mail %(email)s is confirmed.", email=user.email)), 200


@bp.route("/account/verify-email", methods=["POST"])
@allow("signed_in")
def resend_verification():
    if ConfirmForm().validate_on_submit():
        try:
            if services.request_verification(current_user._get_current_object(), verification_link):
                flash(_("A new link is on its way to %(email)s.", email=current_user.email), "info")
        except services.AuthError as refusal:
            flash(str(refusal), "error")
        db.session.commit()
    return redirect(url_for("auth.account"))


# --- the user's own account -------------------------------------------------------------


@bp.route("/account/", methods=["GET", "POST"])
@allow("signed_in")
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, current_user, form.full_name.data, form.locale.data)
        db.session.commit()
        session["lang"] = form.locale.data
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), 400 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@allow("signed_in")
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.new.data)
        except services.AuthError as refusal:
            flash(str(refusal), "error")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session goes on; the others ended
            flash(_("Your password is changed. Other sessions have been signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 400 if request.method == "POST" else 200


# --- two-factor sign-in on the user's own account ---------------------------------------

# What an account that must enrol may open before it has: the enrolment itself, and the way out.
ENROLMENT_PAGES = {"auth.two_factor_setup", "auth.logout", "static"}


@bp.before_app_request
def enrol_before_anything_else():
    if (current_user.is_authenticated and request.endpoint not in ENROLMENT_PAGES
            and session.get("signed_in_by") != "eds"  # ЭЦП is the stronger proof: no second factor after it
            and twofactor.required_for(current_user) and current_user.two_factor is None):
        flash(_("Your role requires two-factor sign-in. Turn it on to go on."), "info")
        return redirect(url_for("auth.two_factor_setup"))
    return None


def setup_secret():
    """The secret being enrolled, kept in the session so that reloading the page shows the same QR code."""
    if "two_factor_secret" not in session:
        session["two_factor_secret"] = twofactor.new_secret()
    return session["two_factor_secret"]


@bp.route("/account/two-factor", methods=["GET", "POST"])
@allow("signed_in")
def two_factor_setup():
    user = current_user._get_current_object()
    if not twofactor.offered_to(user):
        return render_template("auth/two_factor_setup.html", offered=False), 200
    action = request.form.get("action")
    form, off = CodeForm(), TwoFactorOffForm()
    status = 400 if request.method == "POST" else 200
    codes = None
    if request.method == "POST" and action in ("enable", "codes") and form.validate():
        if action == "enable":
            codes = attempt(twofactor.enable, user, setup_secret(), form.code.data, field=form.code)
        else:
            codes = attempt(twofactor.new_recovery_codes, user, form.code.data, field=form.code)
        if codes:
            session.pop("two_factor_secret", None)
            return render_template("auth/recovery_codes.html", codes=codes, first=action == "enable"), 200
    elif request.method == "POST" and action == "off" and off.validate():
        if attempt(twofactor.disable, user, off.password.data, off.code.data, field=off.code,
                   success=_("Two-factor sign-in is off. You sign in with your password alone.")):
            return redirect(url_for("auth.account"))
    elif request.method == "POST" and action not in ("enable", "codes", "off"):
        form.code.errors = [_("Choose what to do with the buttons on this page.")]
    qr = uri = secret = None
    if user.two_factor is None:
        secret = setup_secret()
        uri = twofactor.setup_uri(user, secret)
        qr = segno.make(uri, error="m").svg_inline(scale=4, border=2, title=_("QR code for the authenticator app"))
    return render_template("auth/two_factor_setup.html", offered=True, form=form, off=off, qr=qr,
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) if secret else None,
                           required=twofactor.required_for(user)), status
