"""The customer body's review of its state social order contracts' reports: its queue and the review page.

Under the law the customer administers the programme it orders, so it accepts or returns the supplier's reports
as the grant operator does a grantee's (grants.agreements.rules.review_report). The pages are the operator's,
reached through the customer's own endpoints.
"""

from flask import Blueprint
from flask_login import current_user

from grants.monitoring.views import (
    CUSTOMER_DESK,
    accept_report,
    load,
    render_queue,
    render_review,
    return_report_for_revision,
)
from grants.permissions import allow

bp = Blueprint("customer_reports", __name__, url_prefix="/customer/reports")


@bp.route("")
@allow("report.customer_review")
def queue():
    return render_queue(CUSTOMER_DESK, customer_id=current_user.customer_body_id)


@bp.route("/<int:report_id>")
@allow("report.customer_review")
def review(report_id):
    return render_review(load(report_id, "report.review"), CUSTOMER_DESK)


@bp.route("/<int:report_id>/accept", methods=["POST"])
@allow("report.customer_review")
def accept(report_id):
    return accept_report(load(report_id, "report.review"), CUSTOMER_DESK)


@bp.route("/<int:report_id>/return", methods=["POST"])
@allow("report.customer_review")
def return_report(report_id):
    return return_report_for_revision(load(report_id, "report.review"), CUSTOMER_DESK)
