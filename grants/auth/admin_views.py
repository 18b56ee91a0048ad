"""The administrator's pages: accounts and roles, and the audit log."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants import audit_display
from grants.audit import AuditEvent
from grants.auth import services, twofactor
from grants.auth.forms import ConfirmForm, UserCreateForm, UserEditForm
from grants.auth.models import User
from grants.extensions import db
from grants.i18n import _
from grants.mail import OutboxMessage
from grants.permissions import allow
from grants.refusals import attempt

bp = Blueprint("users_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.route("/users/")
@allow("admin.users")
def users():
    query = sa.select(User).order_by(User.email)
    needle = (request.args.get("q") or "").strip().lower()
    if needle:
        query = query.where(sa.or_(User.email.contains(needle), sa.func.lower(User.full_name).contains(needle)))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("auth/admin/users.html", page=page, q=needle)


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin.users")
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        created = attempt(services.create_user, current_user, form.email.data, form.full_name.data,
                          form.roles.data)
        if created:
            user, password = created
            flash(_("Account %(email)s created. Its password, shown only now: %(password)s",
                    email=user.email, password=password), "success")
            return redirect(url_for("users_admin.user_edit", user_id=user.id))
    return render_template("auth/admin/user_new.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin.users")
def user_edit(user_id):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(data={"roles": sorted(user.roles), "active": user.active})
    if form.validate_on_submit():
        if attempt(services.update_account, current_user, user, form.roles.data, form.active.data,
                   success=_("Saved.")):
            return redirect(url_for("users_admin.user_edit", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/admin/user_edit.html", user=user, form=form, reset=ConfirmForm()), status


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@allow("admin.users")
def user_reset_password(user_id):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    password = services.generate_password(user.email)
    services.set_password(current_user, user, password)
    db.session.commit()
    flash(_("New password for %(email)s, shown only now: %(password)s", email=user.email, password=password),
          "success")
    return redirect(url_for("users_admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@allow("admin.users")
def user_reset_two_factor(user_id):
    """A lost phone and lost recovery codes: the second factor comes off, to be enrolled again."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(twofactor.reset_by_admin, current_user, user,
            success=_("Two-factor sign-in is removed from %(email)s. Where the role requires it, they enrol a new "
                      "phone at their next sign-in.", email=user.email))
    return redirect(url_for("users_admin.user_edit", user_id=user.id))


@bp.route("/audit/")
@allow("admin.audit")
def audit_log():
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    verb = (request.args.get("verb") or "").strip()
    if verb:
        query = query.where(AuditEvent.verb.startswith(verb))
    page = db.paginate(query, per_page=50, error_out=False)
    verbs = sorted(audit_display.VERBS.items(), key=lambda item: str(item[1]))
    return render_template("auth/admin/audit.html", page=page, entries=audit_display.entries(page.items),
                           verb=verb, verbs=verbs)


@bp.route("/outbox/")
@allow("admin.outbox")
def outbox():
    """Mail as it was written: in development nothing is sent, and this is where it waits."""
    page = db.paginate(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=30, error_out=False)
    return render_template("auth/admin/outbox.html", page=page, smtp=bool(current_app.config.get("MAIL_SERVER")))
