"""The analyst's page: request a workbook, follow its job, download it; the history of workbooks."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

import reports.rules  # noqa: F401  (registers the rules)
from grants import storage
from grants.extensions import db
from grants.i18n import _
from grants.permissions import allow
from grants.refusals import Refusal
from reports import jobs
from reports.forms import WorkbookForm
from reports.models import Workbook, WorkbookStatus
from reports.stats import BadFilter, Filters
from reports.workbook import Names, filename, summary

bp = Blueprint("analyst", __name__, url_prefix="/analyst", template_folder="templates")

PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filters_of(workbook):
    try:
        return Filters(**workbook.filters)
    except (BadFilter, TypeError):
        return Filters()


def load(workbook_id):
    """The workbook, for its owner or the staff: 404 when there is none, 403 when it is another's."""
    workbook = db.get_or_404(Workbook, workbook_id)
    if not jobs.may_open(current_user, workbook):
        abort(403, description=_("This workbook was asked for by another analyst."))
    return workbook


def render_index(form, status=200):
    page = db.paginate(jobs.visible_to(current_user), per_page=PER_PAGE, error_out=False)
    names = Names()
    summaries = {w.id: summary(filters_of(w), names) for w in page.items}
    return render_template("reports/analyst.html", form=form, page=page, summaries=summaries,
                           staff=jobs.is_staff(current_user), statuses=WorkbookStatus,
                           dashboard_url=url_for("dashboard.index") if "dashboard.index" in current_app.view_functions
                           else None), status


@bp.route("/", methods=["GET", "POST"])
@allow("stats.view")
def index():
    form = WorkbookForm()
    if request.method == "GET":
        return render_index(form)
    if not form.validate():
        return render_index(form, 400)
    try:
        workbook = jobs.request_workbook(current_user, form.filters(), form.language.data)
        jobs.commit_request(workbook)
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return render_index(form, refusal.status)
    # no flash: the job may finish before the page shows, and the page says what is true when it renders
    return redirect(url_for(".workbook", workbook_id=workbook.id))


@bp.route("/workbooks/<int:workbook_id>")
@allow("stats.view")
def workbook(workbook_id):
    item = load(workbook_id)
    filters = filters_of(item)
    following = item.status in (WorkbookStatus.queued, WorkbookStatus.running)
    return render_template("reports/workbook.html", workbook=item, status=WorkbookStatus(item.status),
                           summary=summary(filters, Names()), following=following,
                           filename=filename(filters, item.language))


@bp.route("/workbooks/<int:workbook_id>/retry", methods=["POST"])
@allow("stats.view")
def retry(workbook_id):
    item = load(workbook_id)  # the CSRF token is checked for every POST before the view runs
    try:
        jobs.retry_workbook(current_user, item)
        jobs.commit_request(item)
    except Refusal as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(url_for(".workbook", workbook_id=item.id))
    return redirect(url_for(".workbook", workbook_id=item.id))


@bp.route("/workbooks/<int:workbook_id>/download")
@allow("stats.view")
def download(workbook_id):
    item = load(workbook_id)
    if item.status != WorkbookStatus.done or not item.storage_key:
        abort(404, description=_("This workbook is not ready yet."))
    try:
        stream = storage.storage_from_config(current_app.config).open(item.storage_key)
    except FileNotFoundError:
        abort(404, description=_("The workbook's file is gone; ask for the workbook again."))
    return send_file(stream, mimetype=XLSX, as_attachment=True,
                     download_name=filename(filters_of(item), item.language))
