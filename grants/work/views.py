"""My work: what waits on a member of the operator's staff; and naming the lead of an application or agreement."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField

from grants.agreements.models import Agreement
from grants.applications.models import Application
from grants.auth.models import Role, User
from grants.calls.models import Call
from grants.comments.services import colleagues
from grants.db import utcnow
from grants.extensions import db
from grants.forms import Form, choices
from grants.i18n import _, _l
from grants.permissions import allow, register_role_rules, require
from grants.refusals import attempt
from grants.work import batch, due, leads, sources

bp = Blueprint("work", __name__, template_folder="templates")
register_role_rules({"work.mine": (Role.operator, Role.admin)})
NOBODY = "0"


class LeadForm(Form):
    lead = SelectField(_l("Lead"))


def lead_form(subject):
    """The form that names the subject's lead, its current lead chosen, and where it posts; for the staff's page."""
    form = LeadForm(formdata=None, data={"lead": str(subject.lead_id or NOBODY)})
    form.lead.choices = choices([(NOBODY, _("— nobody —"))] + [(str(u.id), u.full_name) for u in colleagues()])
    form.action = url_for("work.lead_application", app_id=subject.id) if isinstance(subject, Application) \
        else url_for("work.lead_agreement", agreement_id=subject.id)
    return form


def register(app):
    app.jinja_env.globals.update(lead_form=lead_form, staff_colleagues=colleagues, batch_actions=batch.labels)


@bp.route("/work")
@allow("work.mine")
def index():
    now = utcnow()
    sections = [(s, due.arrange(s.items(current_user, now), now)) for s in sources.sources()]
    unled_calls, unled_agreements = sources.unled(now)
    return render_template("work/index.html", sections=sections, unled_calls=unled_calls,
                           unled_agreements=unled_agreements, waiting=sum(len(items) for _s, items in sections))


@bp.route("/work/lead/applications/<int:app_id>", methods=["POST"])
@allow("work.mine")
def lead_application(app_id):
    application = db.get_or_404(Application, app_id)
    require("application.view", application)
    return set_lead(application, url_for("review.review", app_id=application.id, _anchor="lead"))


@bp.route("/work/lead/agreements/<int:agreement_id>", methods=["POST"])
@allow("work.mine")
def lead_agreement(agreement_id):
    agreement = db.get_or_404(Agreement, agreement_id)
    require("agreement.manage", agreement)
    return set_lead(agreement, url_for("manage_agreements.show", agreement_id=agreement.id, _anchor="lead"))


def set_lead(subject, back):
    form = LeadForm()
    form.lead.choices = choices([(NOBODY, "")] + [(str(u.id), u.full_name) for u in colleagues()])
    if not form.validate():
        return redirect(back)
    user = db.session.get(User, int(form.lead.data)) if form.lead.data != NOBODY else None
    attempt(leads.set_lead, current_user, subject, user,
            success=_("%(name)s leads it now.", name=user.full_name) if user else _("Nobody leads it now."))
    return redirect(back)


@bp.route("/manage/calls/<int:call_id>/batch", methods=["POST"])
@allow("work.mine")
def batch_applications(call_id):
    """The call's list posts the applications chosen and the action: a preview first, then, confirmed, the action
    for each, one by one."""
    call = db.get_or_404(Call, call_id)
    require("application.review", call)
    back = url_for("review.call_applications", call_id=call.id)
    form = Form()
    action = request.form.get("action", "")
    if not form.validate() or action not in batch.actions():
        flash(_("Choose what to do with the applications chosen."), "error")
        return redirect(back)
    applications = batch.chosen(call, request.form.getlist("application"))
    if not applications:
        flash(_("Choose at least one application."), "error")
        return redirect(back)
    params = {}
    if action == "lead":
        lead_id = request.form.get("lead", NOBODY)
        params["lead"] = db.session.get(User, int(lead_id)) if lead_id.isdigit() and lead_id != NOBODY else None
    confirmed = request.form.get("confirm") == "1"
    if confirmed and action == "eligible" and request.form.get("checked") != "y":
        flash(_("Confirm that you checked each application against the checklist."), "error")
        confirmed = False
    if not confirmed:
        rows = batch.preview(action, current_user, applications, params)
        return render_template("work/batch.html", call=call, rows=rows, action=action, label=batch.labels()[action],
                               lead=params.get("lead"), confirm=Form(), ready=sum(r.done for r in rows))
    rows = batch.run(action, current_user, applications, params)
    done = [r for r in rows if r.done]
    flash(_("Done for %(n)d of %(total)d applications.", n=len(done), total=len(rows)), "success")
    for row in rows:
        if not row.done:
            flash(f"{row.application.receipt_number}: {row.why}", "error")
    return redirect(back)
