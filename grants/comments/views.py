"""Writing a comment from any page that shows a thread, and reading its file."""

import logging

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user

from grants import storage
from grants.comments import services
from grants.comments.forms import CommentForm
from grants.comments.models import MAX_BODY, Comment, Draft, Visibility
from grants.extensions import db
from grants.forms import choices
from grants.i18n import _
from grants.permissions import allow, require, rule
from grants.refusals import attempt

log = logging.getLogger(__name__)
bp = Blueprint("comments", __name__, template_folder="templates")


@rule("comment.write")
def write(user, subject=None):
    if subject is None:
        return services.may_comment_at_all(user)
    return services.may_write(user, subject)


@rule("comment.read")
def read(user, comment=None):
    if comment is None:
        return services.may_comment_at_all(user)
    return services.may_read(user, comment)


def box(subject):
    """What a page's thread shows its viewer: None when the viewer reads no comment of the subject."""
    if not services.readable(current_user, subject):
        return None
    kind = services.kind_of(subject)
    audiences = services.writable(current_user, subject)
    form = None
    if audiences:
        draft = db.session.get(Draft, (current_user.id, f"{kind}:{subject.id}"))
        form = CommentForm(formdata=None, data={"body": draft.body if draft else "",
                                                "visibility": draft.visibility if draft else audiences[-1].value})
        form.visibility.choices = choices((v.value, v.title) for v in audiences)
        if services.is_staff(current_user):
            form.mentions.choices = choices((u.id, u.full_name) for u in services.colleagues()
                                            if u.id != current_user.id)
        else:
            del form.mentions
    return {"comments": services.thread(current_user, subject), "form": form,
            "action": url_for(f"comments.on_{kind}", **{services.KINDS[kind][3]: subject.id})}


def register(app):
    app.jinja_env.globals.update(comment_box=box, comment_visibility=lambda value: Visibility(value).title)


@bp.route("/comments/applications/<int:app_id>", methods=["POST"])
@allow("comment.write")
def on_application(app_id):
    return add("application", app_id)


@bp.route("/comments/agreements/<int:agreement_id>", methods=["POST"])
@allow("comment.write")
def on_agreement(agreement_id):
    return add("agreement", agreement_id)


@bp.route("/comments/reports/<int:report_id>", methods=["POST"])
@allow("comment.write")
def on_report(report_id):
    return add("report", report_id)


def add(kind, subject_id):
    subject = services.load_subject(kind, subject_id) or abort(404)
    require("comment.write", subject)
    form = CommentForm()
    form.visibility.choices = choices((v.value, v.title) for v in Visibility)
    back = services.page_for(current_user, subject) or "/"
    if not form.validate():
        return _refused(kind, subject, form, [e for errors in form.errors.values() for e in errors])
    upload = form.attachment.data
    done = attempt(services.add, current_user, subject, form.body.data, form.visibility.data,
                   request.form.getlist("mentions"),
                   (upload.stream, upload.filename) if upload and upload.filename else None,
                   success=_("The comment is added."))
    if done is None:
        return _refused(kind, subject, form, [])
    _forget(kind, subject)
    return redirect(back.replace("#comments", f"#comment-{done.id}"))


def _refused(kind, subject, form, errors):
    """Back to the page, the typed words kept for the form there; the reasons said in a flash."""
    for error in errors:
        flash(str(error), "error")
    key = (current_user.id, f"{kind}:{subject.id}")
    draft = db.session.get(Draft, key) or Draft(user_id=key[0], subject=key[1])
    draft.body = (form.body.data or "")[:2 * MAX_BODY]
    draft.visibility = (form.visibility.data or "")[:16]
    db.session.add(draft)
    db.session.commit()
    if form.attachment.data and form.attachment.data.filename:
        flash(_("Choose the file again: a file is not kept when a comment is refused."), "error")
    return redirect(services.page_for(current_user, subject) or "/")


def _forget(kind, subject):
    draft = db.session.get(Draft, (current_user.id, f"{kind}:{subject.id}"))
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()


@bp.route("/comments/<int:comment_id>/file")
@allow("comment.read")
def attachment(comment_id):
    comment = db.get_or_404(Comment, comment_id)
    require("comment.read", comment)
    item = comment.attachment or abort(404)
    try:
        stream = storage.storage_from_config(current_app.config).open(item.storage_key)
    except FileNotFoundError:
        log.error("the file of comment %s is missing from storage", comment.id)
        abort(404)
    return send_file(stream, mimetype=item.content_type, as_attachment=True, download_name=item.filename)
