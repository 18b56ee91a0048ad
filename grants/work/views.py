"""My work: what waits on a member of the operator's staff; and naming the lead of an application or agreement."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectField

from grants.agreements.models import Agreement
from grants.applications.models import Application
from grants.auth.models import Role, User
from grants.comments.services import colleagues
from grants.db import utcnow
from grants.extensions import db
from grants.forms import Form, choices
from grants.i18n import _, _l
from grants.permissions import allow, register_role_rules, require
from grants.refusals import attempt
from grants.work import leads, sources

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
    app.jinja_env.globals["lead_form"] = lead_form


@bp.route("/work")
@allow("work.mine")
def index():
    now = utcnow()
    sections = [(s, s.items(current_user, now)) for s in sources.sources()]
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
