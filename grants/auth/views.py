"""Sign-in and sign-out, the user's own account, and the administrator's user pages."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

import grants.auth.rules  # noqa: F401  (registers the rules)
from grants.auth import services
from grants.auth.forms import (
    ConfirmForm,
    ForgotForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetForm,
)
from grants.auth.models import Role
from grants.extensions import db
from grants.i18n import _
from grants.organizations.services import claim_invitations
from grants.permissions import allow
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
                lang = user.locale or session.get("lang")
                session.clear()  # nothing from before sign-in carries over, but the language
                session.permanent = True
                login_user(user)
                if lang:
                    session["lang"] = lang
                return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


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
    if form.validate_on_submit():
        try:
            services.reset_with_link(token, form.new.data)
        except services.AuthError as refusal:
            db.session.rollback()
            form.new.errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("Your new password is set. Sign in with it."), "success")
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
            user, _password = services.create_user("self-registration", form.email.data, form.full_name.data,
                                                   [Role.applicant], form.password.data, locale=session.get("lang"))
        except services.AuthError as refusal:
            flash(str(refusal), "error")
        else:
            joined = claim_invitations(user)
            db.session.commit()
            session.clear()
            session.permanent = True
            login_user(user)
            session["lang"] = user.locale or "kk"
            if joined:
                flash(_("Your account is ready, and you act for %(names)s.",
                        names=", ".join(o.name for o in joined)), "success")
                return redirect(url_for("applications.index"))
            flash(_("Your account is ready. Now register your NGO by its BIN."), "success")
            return redirect(url_for("organizations.register"))
    return render_template("auth/register.html", form=form), 400 if request.method == "POST" else 200


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
