"""Signing in with a password (and its second factor), registering, a forgotten password, and signing out.
The `auth` blueprint is made here; its ЭЦП pages are in eds_views.py, the account's own in account_views.py."""

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

import grants.auth.rules  # noqa: F401  (registers the rules)
from grants.auth import services, twofactor
from grants.auth.forms import (
    CodeForm,
    ConfirmForm,
    ForgotForm,
    LoginForm,
    RegisterForm,
    ResetForm,
)
from grants.auth.models import Role, User
from grants.extensions import db
from grants.i18n import _
from grants.organizations.services import claim_invitations
from grants.permissions import allow
from grants.refusals import attempt
from grants.security import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")


def client_ip():
    return request.remote_addr or "unknown"


# --- signing in and out (everyone) ----------------------------------------------------


@bp.route("/auth/login", methods=["GET", "POST"])
@allow("public")
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                user = services.authenticate(form.email.data, form.password.data, client_ip())
            except services.AuthError as refusal:
                db.session.commit()  # keep the failed attempt: it counts towards the lock
                flash(str(refusal), "error")
                status = refusal.status
            else:
                db.session.commit()
                target = safe_next(request.args.get("next"))
                if user.two_factor is not None:  # the password was right; the code from the app comes next
                    lang = user.locale or session.get("lang")
                    session.clear()
                    session["two_factor"] = {"user": user.get_id(), "next": target, "since": time.time()}
                    if lang:
                        session["lang"] = lang
                    return redirect(url_for("auth.two_factor"))
                sign_in(user)
                return redirect(target)
    return render_template("auth/login.html", form=form), status


def sign_in(user, by="password"):
    """Start a fresh session for `user`: nothing from before sign-in carries over, but the language."""
    lang = user.locale or session.get("lang")
    session.clear()
    session.permanent = True
    login_user(user)
    session["signed_in_by"] = by
    if lang:
        session["lang"] = lang


PENDING_SECONDS = 300  # how long the code may take after the password


def pending_sign_in():
    """The account whose password was right a moment ago in this browser, or None."""
    pending = session.get("two_factor") or {}
    user_id, _sep, token = str(pending.get("user", "")).partition(":")
    if not user_id.isdigit() or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token or user.two_factor is None:
        return None
    return user


@bp.route("/auth/two-factor", methods=["GET", "POST"])
@allow("public")
def two_factor():
    """The second step of signing in: the code the authenticator app shows, or a recovery code."""
    user = pending_sign_in()
    if user is None:
        session.pop("two_factor", None)
        return render_template("auth/two_factor.html", form=None), 400 if request.method == "POST" else 200
    form = CodeForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                how = twofactor.confirm_sign_in(user, form.code.data, client_ip())
            except services.AuthError as refusal:
                db.session.commit()  # the failed attempt counts towards the lock
                form.code.errors.append(str(refusal))
                status = refusal.status
            else:
                db.session.commit()
                target = session["two_factor"]["next"]
                sign_in(user)
                if how == "recovery":
                    flash(_("You signed in with a recovery code. Codes left: %(left)s. Make new ones on the "
                            "two-factor page of your account.", left=user.two_factor.codes_left), "info")
                return redirect(target)
    return render_template("auth/two_factor.html", form=form), status


@bp.route("/auth/forgot", methods=["GET", "POST"])
@allow("public")
def forgot():
    """A forgotten password: a link by mail. The answer is the same whether or not the e-mail has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data,
                               lambda token: url_for("auth.reset", token=token, _external=True))
        db.session.commit()
        flash(_("If an account has this e-mail, a link to set a new password is on its way. It works for an hour, "
                "once."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@allow("public")
def reset(token):
    """The mailed link: a new password, then sign in with it. A used, expired or forged link says so."""
    try:
        services.user_for_reset(token)
    except services.BadResetLink as refusal:
        return render_template("auth/reset.html", form=None, problem=str(refusal)), 400
    form = ResetForm()
    if form.validate_on_submit() and attempt(services.reset_with_link, token, form.new.data, field=form.new,
                                             success=_("Your new password is set. Sign in with it.")):
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, problem=None), 400 if request.method == "POST" else 200


@bp.route("/auth/register", methods=["GET", "POST"])
@allow("public")
def register():
    """NGO staff open their own account; an administrator gives every other role."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user, _password = services.create_user(services.SELF_REGISTRATION, form.email.data, form.full_name.data,
                                                   [Role.applicant], form.password.data, locale=session.get("lang"))
        except services.AuthError as refusal:
            flash(str(refusal), "error")
        else:
            joined = claim_invitations(user)
            db.session.commit()
            sign_in(user)
            session["lang"] = user.locale or "kk"
            return new_account_ready(user, joined)
    return render_template("auth/register.html", form=form), 400 if request.method == "POST" else 200


def verification_link(token):
    return url_for("auth.verify_email", token=token, _external=True)


def new_account_ready(user, joined):
    """Where a new NGO account goes first: to the NGOs that invited it, else to register its own; and the link
    that proves its e-mail, mailed."""
    services.request_verification(user, verification_link)
    db.session.commit()
    if joined:
        flash(_("Your account is ready, and you act for %(names)s.", names=", ".join(o.name for o in joined)),
              "success")
    else:
        flash(_("Your account is ready. Now register your NGO by its BIN."), "success")
    flash(_("We mailed a link to %(email)s. Open it to confirm the address: until then you can look around, but "
            "not register an NGO or submit.", email=user.email), "info")
    return redirect(url_for("applications.index" if joined else "organizations.register"))


@bp.route("/auth/logout", methods=["POST"])
@allow("signed_in")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(current_user)
        db.session.commit()
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You have signed out."), "info")
    return redirect(url_for("home.index"))


# The ЭЦП pages and the account's own are on this blueprint too, each in its module.
from grants.auth import account_views, eds_views  # noqa: E402,F401
