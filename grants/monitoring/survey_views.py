"""Sheets of survey codes: the grantee or the operator issues them from the agreement's page and prints them."""

import segno
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user

from grants.agreements.models import Agreement
from grants.extensions import db
from grants.i18n import _, _l
from grants.monitoring import survey_codes
from grants.monitoring.oversight_forms import SurveyCodesForm
from grants.monitoring.oversight_views import again, insider, survey_url
from grants.monitoring.survey import SURVEY_LANGUAGES
from grants.permissions import allow, can, require
from grants.refusals import attempt

bp = Blueprint("survey_codes", __name__, template_folder="templates")


def insider_agreement(agreement_id):
    agreement = db.get_or_404(Agreement, agreement_id)
    require("agreement.view", agreement)
    if not insider(agreement):
        abort(403, description=_("Survey codes are issued by the grantee and the grant operator."))
    return agreement


@bp.route("/agreements/<int:agreement_id>/survey-codes", methods=["POST"])
@allow("agreement.view")
def issue(agreement_id):
    agreement = insider_agreement(agreement_id)
    form = SurveyCodesForm()
    manage = request.form.get("page") == "manage" and bool(can(current_user, "agreement.manage"))
    if form.validate_on_submit():
        event = " ".join((form.codes_event.data or "").split())
        codes = attempt(survey_codes.issue, current_user, agreement, form.codes_count.data, event,
                        success=_("%(n)d codes are issued. Print the sheet and hand one code to each person.",
                                  n=form.codes_count.data))
        if codes:
            db.session.commit()
            return redirect(url_for("survey_codes.sheet", agreement_id=agreement.id, event=event or None))
    return again(agreement, manage, codes=form)


def qr(url):
    """An inline SVG QR code of the address, as a data URI: a sheet of 500 codes is one request."""
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)


@bp.route("/agreements/<int:agreement_id>/survey-codes/sheet")
@allow("agreement.view")
def sheet(agreement_id):
    agreement = insider_agreement(agreement_id)
    event = " ".join(request.args.get("event", "").split())[:survey_codes.EVENT_MAX]
    link = survey_url(agreement)
    cards = [(survey_codes.shown(code), qr(f"{link}?code={code}"))
             for code in survey_codes.unused(agreement, event)]
    back = (url_for("manage_agreements.show", agreement_id=agreement.id) if can(current_user, "agreement.manage")
            else url_for("agreements.show", agreement_id=agreement.id)) + "#feedback"
    return render_template("monitoring/survey_codes.html", agreement=agreement, event=event, cards=cards,
                           link=link, back=back, card_text=in_survey_languages(CARD))


CARD = _l("The project's survey: scan the QR code, or open the link and enter the code.")


def in_survey_languages(text):
    """[(language, text)] in Kazakh and Russian: whoever got the card reads one of them."""
    found = []
    for language in SURVEY_LANGUAGES:
        with force_locale(language):
            found.append((language, str(text)))
    return found
