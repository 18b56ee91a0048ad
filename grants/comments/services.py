"""Who reads and writes comments on an object, writing one, and the object's activity.

Three audiences, chosen per comment: the grant operator's staff only; the staff and the experts assigned to the
application; the staff and the NGO. The experts are known to the scoring package above the core, which tells us
who they are (`expert_checks`); the core names no page of it.
"""

import sqlalchemy as sa
from flask import current_app, url_for

from grants import audit, storage
from grants.agreements.models import Agreement
from grants.applications.models import Application, Status
from grants.auth.models import Role, User, UserRole
from grants.comments.models import MAX_BODY, Comment, CommentFile, Mention, Visibility
from grants.extensions import db
from grants.i18n import _
from grants.monitoring.models import Report
from grants.notifications.services import notify
from grants.permissions import YES, Decision, can
from grants.refusals import Refusal

STAFF = (Role.operator, Role.admin)
# kind -> (model, column of Comment, the rule that lets a person see the object, its argument in addresses)
KINDS = {"application": (Application, "application_id", "application.view", "app_id"),
         "agreement": (Agreement, "agreement_id", "agreement.view", "agreement_id"),
         "report": (Report, "report_id", "report.view", "report_id")}
EXPERTS = "baiqau.comment_experts"  # in app.extensions: [(is_expert(user, application), page(user, application,
#                                     external) -> url or None)], added by the package that assigns experts


def add_experts(app, is_expert, page):
    """Let the experts of an application read and write its comments meant for them (scoring calls this)."""
    app.extensions.setdefault(EXPERTS, []).append((is_expert, page))


def _experts():
    return current_app.extensions.get(EXPERTS, [])


class CommentError(Refusal):
    pass


def kind_of(subject):
    return next(kind for kind, (model, *_rest) in KINDS.items() if isinstance(subject, model))


def load_subject(kind, subject_id):
    model = KINDS[kind][0]
    return db.session.get(model, subject_id)


def subject_of(comment):
    return comment.application or comment.agreement or comment.report


def organization_of(subject):
    return subject.agreement.organization if isinstance(subject, Report) else subject.organization


def is_staff(user):
    return user.is_authenticated and user.has_any_role(*STAFF)


def is_expert_on(user, subject):
    return (isinstance(subject, Application) and user.is_authenticated and user.has_role(Role.expert)
            and any(is_expert(user, subject) for is_expert, _page in _experts()))


def readable(user, subject):
    """The audiences whose comments on the subject this user reads."""
    if not user.is_authenticated:
        return set()
    rule = KINDS[kind_of(subject)][2]
    if is_staff(user) and can(user, rule, subject):
        return set(Visibility) if isinstance(subject, Application) else {Visibility.staff, Visibility.applicant}
    if user.has_role(Role.applicant) and organization_of(subject).has_member(user) and can(user, rule, subject):
        return {Visibility.applicant}
    if is_expert_on(user, subject):
        return {Visibility.experts}
    return set()


def writable(user, subject):
    """The audiences this user may write to on the subject, in the order offered; empty when none."""
    if isinstance(subject, Application) and subject.status == Status.draft:
        return []  # a draft is its NGO's alone: nobody else could read a word of the conversation
    return [v for v in Visibility if v in readable(user, subject)]


def may_comment_at_all(user):
    if user.is_authenticated and user.has_any_role(*STAFF, Role.applicant, Role.expert):
        return YES
    return Decision(False, _("Comments are written by the grant operator's staff, the NGO and the experts."))


def may_write(user, subject):
    if writable(user, subject):
        return YES
    if isinstance(subject, Application) and subject.status == Status.draft:
        return Decision(False, _("Comments open once the application is submitted."))
    return Decision(False, _("You cannot comment here."))


def may_read(user, comment):
    if Visibility(comment.visibility) in readable(user, subject_of(comment)):
        return YES
    return Decision(False, _("This comment is not addressed to you."))


def colleagues():
    """The staff who may be mentioned: active users of the grant operator."""
    return db.session.execute(
        sa.select(User).join(UserRole).where(UserRole.role.in_([r.value for r in STAFF]), User.active)
        .distinct().order_by(User.full_name)).scalars().all()


def thread(user, subject):
    """The comments on the subject this user reads, oldest first; the constant number of queries of one."""
    audiences = readable(user, subject)
    if not audiences:
        return []
    column = getattr(Comment, KINDS[kind_of(subject)][1])
    return db.session.execute(
        sa.select(Comment).where(column == subject.id, Comment.visibility.in_([a.value for a in audiences]))
        .order_by(Comment.id)).scalars().all()


def add(actor, subject, body, visibility, mention_ids=(), upload=None):
    """Write one comment; `upload` is (stream, filename) or None. Tells the mentioned, and the NGO when the staff
    write to it, by mail."""
    allowed = writable(actor, subject)
    if not allowed:
        raise CommentError(may_write(actor, subject).reason)
    body = (body or "").strip()
    if not body:
        raise CommentError(_("Write the comment."))
    if len(body) > MAX_BODY:
        raise CommentError(_("A comment takes at most %(n)d characters.", n=MAX_BODY))
    if visibility not in {v.value for v in allowed}:
        raise CommentError(_("Choose who reads the comment."))
    mentioned = _mentioned(actor, mention_ids)
    comment = Comment(visibility=visibility, body=body, author=actor, **{KINDS[kind_of(subject)][1]: subject.id})
    comment.mentions = [Mention(user=u) for u in mentioned]
    if upload is not None:
        stream, filename = upload
        stored = storage.storage_from_config(current_app.config).save(
            stream, max_bytes=current_app.config["MAX_FILE_BYTES"], filename=filename or "attachment")
        comment.attachment = CommentFile(**storage.stored_columns(stored, actor))
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "comment.add", _audited(subject), after={
        "comment": comment.id, "on": _name(subject), "visibility": visibility, "body": body,
        "mentions": [u.email for u in mentioned], "file": comment.attachment.filename if comment.attachment else None})
    _tell(actor, subject, comment, mentioned)
    return comment


def _mentioned(actor, mention_ids):
    ids = {int(i) for i in mention_ids or ()}
    if not ids:
        return []
    if not is_staff(actor):
        raise CommentError(_("Only the grant operator's staff mention colleagues."))
    found = [u for u in colleagues() if u.id in ids]
    if len(found) != len(ids):
        raise CommentError(_("Mention only colleagues of the grant operator."))
    return found


def _audited(subject):
    """The object whose trail the comment joins: a report's is its agreement's, like the report's own events."""
    return subject.agreement if isinstance(subject, Report) else subject


def _name(subject):
    if isinstance(subject, Application):
        return subject.receipt_number or f"#{subject.id}"
    if isinstance(subject, Agreement):
        return subject.number
    return f"{subject.agreement.number}/{subject.number}"


def page_for(user, subject, external=False):
    """The page where this user reads the subject and its comments, or None."""
    if isinstance(subject, Application):
        if is_staff(user):
            return url_for("review.review", app_id=subject.id, _anchor="comments", _external=external)
        if organization_of(subject).has_member(user):
            return url_for("applications.show", app_id=subject.id, _anchor="comments", _external=external)
        return next((url for _is, page in _experts() if (url := page(user, subject, external))), None)
    if isinstance(subject, Agreement):
        endpoint = "manage_agreements.show" if is_staff(user) else "agreements.show"
        return url_for(endpoint, agreement_id=subject.id, _anchor="comments", _external=external)
    endpoint = "monitoring.review" if is_staff(user) else "monitoring.show"
    return url_for(endpoint, report_id=subject.id, _anchor="comments", _external=external)


def _tell(actor, subject, comment, mentioned):
    recipients = {u.id: u for u in mentioned}
    if is_staff(actor) and comment.visibility == Visibility.applicant:
        org = organization_of(subject)
        recipients.update({m.user.id: m.user for m in org.memberships if m.user.active})
    lead = getattr(subject.agreement if isinstance(subject, Report) else subject, "lead", None)
    if not is_staff(actor) and lead is not None and lead.active:
        recipients[lead.id] = lead
    recipients.pop(actor.id, None)
    for user in recipients.values():
        if Visibility(comment.visibility) not in readable(user, subject):
            continue
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            link = page_for(user, subject, external=True)
        notify(user, "comments", "comment_added", comment=comment, on=_name(subject), kind=kind_of(subject),
               mentioned=user in mentioned, link=link)
