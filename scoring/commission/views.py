"""Commission pages: convene a meeting, attendance and decisions, the protocol; published results."""

from datetime import datetime
from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy.orm import selectinload

from grants.applications.models import Application
from grants.auth.eds import posted_signature
from grants.auth.forms import ConfirmForm
from grants.calls.models import Call
from grants.db import utcnow
from grants.extensions import db
from grants.i18n import _, local_to_utc
from grants.permissions import allow, can, require
from grants.reference.models import Direction
from grants.refusals import attempt
from scoring import ranking
from scoring.assignments.models import Assignment
from scoring.commission import appeals, queries, services, signing
from scoring.commission import protocol_docx as protocol_docx_builder
from scoring.commission.models import (
    Appeal,
    AppealState,
    Attendance,
    Choice,
    Meeting,
    MeetingState,
    NamedBy,
    Outcome,
    VotingRule,
)
from scoring.sheets import services as sheets
from scoring.sheets.models import ScoreSheet

bp = Blueprint("commission", __name__, template_folder="templates")


def load(meeting_id, action="commission.view"):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(action, meeting)
    return meeting


def _int(name, default=0):
    raw = (request.form.get(name) or "").strip()
    if not raw.isdigit():
        return None if raw else default
    return int(raw)


@bp.route("/manage/calls/<int:call_id>/commission", methods=["GET", "POST"])
@allow("commission.manage")
def call_meetings(call_id):
    call = db.get_or_404(Call, call_id)
    require("commission.manage", call)
    candidates = queries.commission_people()
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        held = request.form.get("held_at", "")
        try:
            held_at = local_to_utc(datetime.strptime(held, "%Y-%m-%dT%H:%M"))
        except ValueError:
            flash(_("Give the date and time of the meeting."), "error")
        else:
            chosen = [(u, request.form.get(f"named-{u.id}", NamedBy.ngos), request.form.get("chair") == str(u.id))
                      for u in candidates if request.form.get(f"member-{u.id}") == "y"]
            direction = db.session.get(Direction, _int("direction_id")) if _int("direction_id") else None
            rule = request.form.get("voting_rule", VotingRule.majority_chair)
            if rule not in set(VotingRule):
                abort(400)
            meeting = attempt(services.convene, current_user, call, held_at, request.form.get("place", ""), chosen,
                              direction=direction, appeal_days=_int("appeal_days", 5) or 0, voting_rule=rule,
                              rehearing=request.form.get("rehearing") == "y", success=_("The meeting is convened."))
            if meeting:
                return redirect(url_for("commission.meeting", meeting_id=meeting.id))
    meetings = db.session.execute(sa.select(Meeting).where(Meeting.call_id == call.id)
                                  .order_by(Meeting.held_at)).scalars().all()
    directions = sorted({t.direction for t in call.topics}, key=lambda d: d.code)
    return render_template("commission/call.html", call=call, meetings=meetings, candidates=candidates,
                           directions=directions, confirm=ConfirmForm(), typed=request.form, named_by=list(NamedBy),
                           voting_rules=list(VotingRule), awaiting=appeals.awaiting_rehearing(call)), \
        400 if request.method == "POST" else 200


@bp.route("/commission/")
@allow("commission.own")
def mine():
    """The member's way in: every meeting they sit on, the next first, and the appeals their panels hear."""
    return render_template("commission/mine.html", rows=queries.meetings_of(current_user),
                           hearings=appeals.hearings_of(current_user))


@bp.route("/manage/commission/<int:meeting_id>", methods=["GET", "POST"])
@allow("commission.view")
def meeting(meeting_id):
    meeting = load(meeting_id)
    if request.method == "POST":
        require("commission.manage", meeting)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        attendance = {m.id: request.form.get(f"attendance-{m.id}", Attendance.absent) for m in meeting.members}
        if any(v not in set(Attendance) for v in attendance.values()):
            abort(400)
        attempt(services.record_attendance, current_user, meeting, attendance, success=_("Attendance is recorded."))
        return redirect(url_for("commission.meeting", meeting_id=meeting.id))
    rows = {topic: [r for r in topic_rows if meeting.covers(r.application)]
            for topic, topic_rows in ranking.ranking(meeting.call).items()}
    decisions = {d.application_id: d for d in meeting.decisions}
    in_scope = [r.application for topic_rows in rows.values() for r in topic_rows]
    me = next((m for m in meeting.members if m.user_id == current_user.id), None)
    found = {app_id for member_id, app_id in services.member_conflicts(meeting, in_scope)
             if member_id == me.id} if me is not None and meeting.state == MeetingState.planned else set()
    return render_template("commission/meeting.html", meeting=meeting, rows=rows, decisions=decisions,
                           confirm=ConfirmForm(), expected=services.expected_outcome, outcomes=list(Outcome),
                           attendance_options=list(Attendance), signing=signing.offer(meeting, current_user),
                           signatures=signing.signatures(meeting), me=me, found=found, choices=list(Choice),
                           tally=services.tally, in_scope=in_scope)


def _posted(meeting_id, app_id, action):
    """The meeting and the application a POST about one application names, its CSRF token checked."""
    meeting = load(meeting_id, action)
    application = db.get_or_404(Application, app_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return meeting, application


def _back(meeting, application=None):
    return redirect(url_for("commission.meeting", meeting_id=meeting.id)
                    + (f"#app-{application.id}" if application is not None else ""))


@bp.route("/commission/<int:meeting_id>/declare", methods=["POST"])
@allow("commission.vote")
def declare(meeting_id):
    """A member's declaration of conflicts of interest on every application of the meeting's scope."""
    meeting = load(meeting_id, "commission.vote")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # The ticked applications, by the form's own field names; the service keeps only those in the meeting's scope,
    # so the ranking that scope comes from is computed once, there.
    ticked = (key.removeprefix("conflict-") for key, value in request.form.items()
              if key.startswith("conflict-") and value == "y")
    conflicts = {int(app_id): request.form.get(f"note-{app_id}", "") for app_id in ticked if app_id.isdigit()}
    attempt(services.declare, current_user, meeting, conflicts, success=_("Your declaration is recorded."))
    return redirect(url_for("commission.meeting", meeting_id=meeting.id) + "#declaration")


@bp.route("/manage/commission/<int:meeting_id>/propose/<int:app_id>", methods=["POST"])
@allow("commission.manage")
def propose(meeting_id, app_id):
    """The secretary puts a decision on one application to the vote."""
    meeting, application = _posted(meeting_id, app_id, "commission.manage")
    if request.form.get("outcome") not in set(Outcome):
        abort(400)
    attempt(services.propose, current_user, meeting, application, request.form["outcome"],
            request.form.get("reason", ""), success=_("The decision is put to the vote."))
    return _back(meeting, application)


@bp.route("/manage/commission/<int:meeting_id>/votes/<int:app_id>", methods=["POST"])
@allow("commission.manage")
def record_votes(meeting_id, app_id):
    """The secretary records the votes of the members in the room on one application's motion."""
    meeting, application = _posted(meeting_id, app_id, "commission.manage")
    choices = {m: request.form[f"vote-{m.id}"] for m in meeting.present if request.form.get(f"vote-{m.id}")}
    if any(c not in set(Choice) for c in choices.values()):
        abort(400)
    if not choices:
        flash(_("Choose each member's vote."), "error")
        return _back(meeting, application)

    def record():
        for member, choice in choices.items():
            services.cast_vote(current_user, meeting, application, member, choice)
    attempt(record, success=_("The votes are recorded."))
    return _back(meeting, application)


@bp.route("/commission/<int:meeting_id>/vote/<int:app_id>", methods=["POST"])
@allow("commission.vote")
def vote(meeting_id, app_id):
    """A remote member casts their own vote on one application's motion."""
    meeting, application = _posted(meeting_id, app_id, "commission.vote")
    member = next((m for m in meeting.members if m.user_id == current_user.id), None)
    if request.form.get("choice") not in set(Choice) or member is None:
        abort(400)
    attempt(services.cast_vote, current_user, meeting, application, member, request.form["choice"],
            success=_("Your vote is recorded."))
    return _back(meeting, application)


@bp.route("/manage/commission/<int:meeting_id>/decide/<int:app_id>", methods=["POST"])
@allow("commission.manage")
def decide(meeting_id, app_id):
    """The decision, counted from the roll call on the application's motion."""
    meeting, application = _posted(meeting_id, app_id, "commission.manage")
    attempt(services.decide, current_user, meeting, application, success=_("The decision is recorded."))
    return _back(meeting, application)


@bp.route("/manage/commission/<int:meeting_id>/approve", methods=["POST"])
@allow("commission.manage")
def approve(meeting_id):
    meeting = load(meeting_id, "commission.manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.approve, current_user, meeting, success=_("The protocol is approved."))
    return redirect(url_for("commission.meeting", meeting_id=meeting.id))


@bp.route("/manage/commission/<int:meeting_id>/publish", methods=["POST"])
@allow("commission.manage")
def publish(meeting_id):
    meeting = load(meeting_id, "commission.manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.publish, current_user, meeting,
            success=_("The results are published on the call's page and the NGOs are notified."))
    return redirect(url_for("commission.meeting", meeting_id=meeting.id))


@bp.route("/commission/<int:meeting_id>/sign", methods=["POST"])
@allow("commission.sign")
def sign(meeting_id):
    """A member present signs the approved protocol with ЭЦП."""
    meeting = load(meeting_id, "commission.sign")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(services.sign_protocol, current_user, meeting, posted_signature(lambda: signing.manifest(meeting)),
            success=_("Your signature of the protocol is kept."))
    return redirect(url_for("commission.meeting", meeting_id=meeting.id) + "#signatures")


def _protocol_data(meeting_id, language):
    """The meeting, its call's criteria and the mean points per criterion, for the protocol in either format."""
    meeting = load(meeting_id)
    if language not in ("kk", "ru"):
        abort(404)
    return meeting, sheets.criteria(meeting.call), ranking.criterion_means(
        (d.application_id for d in meeting.decisions), as_of=meeting.approved_at)


@bp.route("/manage/commission/<int:meeting_id>/protocol/<language>")
@allow("commission.view")
def protocol(meeting_id, language):
    """The protocol in Kazakh or Russian, whatever the interface language: it is a legal document."""
    meeting, criteria, means = _protocol_data(meeting_id, language)
    with force_locale(language):
        return render_template("commission/protocol.html", meeting=meeting, protocol_lang=language,
                               criteria=criteria, means=means, signatures=signing.signatures(meeting))


@bp.route("/manage/commission/<int:meeting_id>/protocol/<language>.docx")
@allow("commission.view")
def protocol_docx(meeting_id, language):
    """The same protocol as a Word document, for the secretary to sign and file."""
    meeting, criteria, means = _protocol_data(meeting_id, language)
    with force_locale(language):
        content = protocol_docx_builder.build(meeting, language, criteria, means)
    return send_file(BytesIO(content), as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     download_name=f"protocol-{meeting.call.code}-{language}.docx")


@bp.route("/calls/<int:call_id>/results")
@allow("public")
def results(call_id):
    """Every decision of the published meetings — who won, who is on the reserve list and who was not supported —
    with its place, score by criterion and votes, and the protocols: no one has to wonder what a closed commission
    decided."""
    call = db.get_or_404(Call, call_id)
    current, superseded = appeals.published_decisions(call)
    if not current:
        abort(404)
    decisions = sorted(current.values(), key=lambda d: (d.rank is None, d.rank or 0, d.id))
    meetings = sorted({d.meeting for d in decisions} | {d.meeting for pair in superseded for d in pair},
                      key=lambda m: (m.held_at, m.id))
    by_topic = {}
    for d in decisions:
        by_topic.setdefault(d.application.topic, []).append(d)
    rules = sheets.rules(call)
    ranked = ranking.ranking(call)
    # A state social order's offers and price points, as the ranking computed them from every admitted offer.
    priced = {row.application.id: row for rows in ranked.values() for row in rows} if rules.price_points else {}
    means = {}  # each decision's mean points as its protocol counted them
    for meeting in {d.meeting for d in decisions}:
        means.update(ranking.criterion_means((d.application_id for d in decisions if d.meeting is meeting),
                                             as_of=meeting.approved_at))
    return render_template("commission/results.html", call=call, by_topic=dict(sorted(
        by_topic.items(), key=lambda item: item[0].number)), criteria=sheets.criteria(call),
        means=means, rules=rules, priced=priced, meetings=meetings, superseded=superseded,
        reheard=appeals.reopened_on(call), undecided=queries.undecided(call, meetings, ranked, set(current)))


@bp.route("/calls/<int:call_id>/protocols/<int:meeting_id>/<language>")
@allow("public")
def public_protocol(call_id, meeting_id, language):
    """A published meeting's protocol, for anyone, in Kazakh or Russian: the members by name and how each voted,
    every decision with its place, score by criterion and reason; the experts are not named in it."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.call_id != call_id or meeting.state != MeetingState.published or language not in ("kk", "ru"):
        abort(404)
    criteria = sheets.criteria(meeting.call)
    means = ranking.criterion_means((d.application_id for d in meeting.decisions), as_of=meeting.approved_at)
    with force_locale(language):
        return render_template("commission/protocol.html", meeting=meeting, protocol_lang=language,
                               criteria=criteria, means=means, signatures=signing.signatures(meeting))


@bp.route("/applications/<int:app_id>/scores")
@allow("application.view")
def my_scores(app_id):
    """After publication the NGO sees its own scores and the experts' comments, without their names."""
    application = db.get_or_404(Application, app_id)
    require("application.view", application)
    decision = appeals.published_decision(application)
    if decision is None:
        abort(404)
    # the sheets its published decision counted: one an upheld appeal set aside until the rehearing decides again
    sheets_ = db.session.execute(ranking.counted(sa.select(ScoreSheet).join(Assignment).where(
        Assignment.application_id == application.id), as_of=decision.meeting.approved_at)
        .options(selectinload(ScoreSheet.lines))  # each sheet's scores with the sheets, not a query per sheet
        .order_by(ScoreSheet.id)).scalars().all()
    filed = db.session.execute(sa.select(Appeal).where(Appeal.application_id == application.id)
                               .order_by(Appeal.id)).scalars().all()
    deadline = appeals.appeal_deadline(decision.meeting)
    appeal_open = utcnow() <= deadline  # the page says only the one of "until …" and "ended" that is true
    return render_template("commission/scores.html", application=application, decision=decision, sheets=sheets_,
                           appeal_deadline=deadline, appeal_open=appeal_open, appeals=filed, confirm=ConfirmForm(),
                           set_aside={a.set_aside_id for a in filed if a.set_aside_id},
                           can_appeal=appeal_open and not any(a.state == AppealState.filed for a in filed)
                           and can(current_user, "application.edit", application))


def results_published(call):
    """For the call's public page (a template in grants): are there results to link to?"""
    return db.session.execute(sa.select(Meeting.id).where(
        Meeting.call_id == call.id, Meeting.state == MeetingState.published).limit(1)).first() is not None

