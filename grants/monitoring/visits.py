"""Site visits: the operator plans one, records its findings and rating or cancels it, and attaches photos."""

import sqlalchemy as sa
from flask import current_app

from grants import audit, storage
from grants.agreements.models import AgreementStatus
from grants.auth.models import Role, User, UserRole
from grants.extensions import db
from grants.i18n import _, astana_today
from grants.monitoring.models import SiteVisit, VisitPhoto, VisitStatus
from grants.monitoring.oversight import (
    COMMENT_MAX,
    FINDINGS_MAX,
    OversightError,
    checked_rating,
    require_right,
    stripped,
)
from grants.permissions import can

VISITED = (AgreementStatus.active, AgreementStatus.suspended, AgreementStatus.completed)
PHOTO_KINDS = ("jpg", "png")


def _require_visited(agreement):
    if agreement.status not in VISITED:
        raise OversightError(_("Site visits are made to an agreement in force, suspended or completed "
                               "(this agreement's status: %(status)s).",
                               status=AgreementStatus(agreement.status).title))


def inspectors():
    """Who may be sent on a site visit: active users with the grant operator's role."""
    return db.session.execute(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.operator, User.active.is_(True)).order_by(User.full_name, User.id)
    ).scalars().all()


def plan_visit(actor, agreement, planned_on, inspector):
    require_right(actor, "agreement.manage")
    _require_visited(agreement)
    if planned_on is None:
        raise OversightError(_("Give the date of the visit."))
    if inspector is None or not inspector.active or not inspector.has_role(Role.operator):
        raise OversightError(_("Choose the inspector among the grant operator's staff."))
    visit = SiteVisit(agreement_id=agreement.id, planned_on=planned_on, inspector_id=inspector.id,
                      status=VisitStatus.planned)
    return audit.add(actor, "visit.plan", agreement, visit, {"planned_on": planned_on, "inspector": inspector.email},
                     id_as="visit")


def record_visit(actor, visit, visited_on, findings, rating, follow_up="", follow_up_due=None, published=False,
                 today=None):
    """Planned → done: the findings, a rating of 1–5, the follow-up the NGO must take and by when."""
    require_right(actor, "agreement.manage")
    agreement = visit.agreement
    _require_visited(agreement)
    if visit.status == VisitStatus.cancelled:
        raise OversightError(_("The visit was cancelled; plan a new one."))
    if visit.status == VisitStatus.done:
        raise OversightError(_("The visit is already recorded as done."))
    today = today or astana_today()
    if visited_on is None:
        raise OversightError(_("Give the date of the visit."))
    if visited_on > today:
        raise OversightError(_("A visit in the future cannot be recorded as done: record it on the day or after."))
    findings, follow_up = stripped(findings), stripped(follow_up)
    if not findings:
        raise OversightError(_("Describe the findings of the visit."))
    if len(findings) > FINDINGS_MAX or len(follow_up) > FINDINGS_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=FINDINGS_MAX))
    rating = checked_rating(rating)
    if follow_up and follow_up_due is None:
        raise OversightError(_("Give the date by which the NGO must take the follow-up actions."))
    if follow_up_due is not None and not follow_up:
        raise OversightError(_("Describe the follow-up actions the due date is for."))
    if follow_up_due is not None and follow_up_due < visited_on:
        raise OversightError(_("The follow-up actions are due after the visit."))
    visit.status = VisitStatus.done
    visit.visited_on = visited_on
    visit.findings = findings
    visit.rating = rating
    visit.follow_up = follow_up
    visit.follow_up_due = follow_up_due
    visit.published = bool(published)
    audit.record(actor, "visit.done", agreement, {"visit": visit.id, "status": "planned"}, {
        "visit": visit.id, "status": "done", "visited_on": visited_on, "rating": rating,
        "follow_up_due": follow_up_due, "published": visit.published})
    db.session.flush()
    return visit


def cancel_visit(actor, visit, reason):
    require_right(actor, "agreement.manage")
    if visit.status != VisitStatus.planned:
        raise OversightError(_("Only a planned visit can be cancelled."))
    reason = stripped(reason)
    if not reason:
        raise OversightError(_("Give the reason for the cancellation."))
    if len(reason) > COMMENT_MAX:
        raise OversightError(_("The text is too long: at most %(n)d characters.", n=COMMENT_MAX))
    visit.status = VisitStatus.cancelled
    visit.findings = reason  # a cancelled visit has no findings: the field keeps why it did not happen
    audit.record(actor, "visit.cancel", visit.agreement, {"visit": visit.id, "status": "planned"},
                 {"visit": visit.id, "status": "cancelled", "reason": reason})
    db.session.flush()
    return visit


def _looks_like_photo(stream):
    """True when the first bytes are a JPG's or a PNG's; the stream is rewound. None when it cannot be peeked."""
    try:
        head = stream.read(8)
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    return head.startswith(b"\xff\xd8\xff") or head == storage.PNG_SIGNATURE


def _photo_refused():
    return OversightError(_("A visit photo must be a JPG or PNG image; this file is not. Documents belong with "
                            "the agreement or the report."))


def add_visit_photo(actor, visit, stream, filename, caption=""):
    require_right(actor, "agreement.manage")
    _require_visited(visit.agreement)
    if visit.status == VisitStatus.cancelled:
        raise OversightError(_("The visit was cancelled; plan a new one."))
    if _looks_like_photo(stream) is False:
        raise _photo_refused()
    store = storage.storage_from_config(current_app.config)
    stored = store.save(stream, max_bytes=current_app.config["MAX_FILE_BYTES"], filename=filename or "photo")
    if stored.kind not in PHOTO_KINDS:
        store.delete(stored.key)
        raise _photo_refused()
    photo = VisitPhoto(visit_id=visit.id, caption=stripped(caption)[:400], **storage.stored_columns(stored, actor))
    visit.photos.append(photo)
    return audit.add(actor, "visit.add_photo", visit.agreement, photo, {
        "visit": visit.id, "file": photo.filename, "sha256": stored.sha256})


def visit_open_to(user, visit):
    """The operator and the grantee's staff see every visit; whoever else sees the agreement, the published ones."""
    agreement = visit.agreement
    if not can(user, "agreement.view", agreement):
        return False
    if can(user, "agreement.manage") or agreement.organization.has_member(user):
        return True
    return visit.status == VisitStatus.done and visit.published


def visits_for(user, agreement):
    query = sa.select(SiteVisit).where(SiteVisit.agreement_id == agreement.id)
    if not (can(user, "agreement.manage") or agreement.organization.has_member(user)):
        query = query.where(SiteVisit.status == VisitStatus.done, SiteVisit.published.is_(True))
    return db.session.execute(query.order_by(SiteVisit.planned_on.desc(), SiteVisit.id.desc())).scalars().all()
