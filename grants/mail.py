"""Mail through a transactional outbox: written with the change, sent after the commit."""

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import UTCDateTime, utcnow
from grants.extensions import db
from grants.jobs import enqueue_after_commit

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    """A message to send; kept after sending, so the administrator can read what went out."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(255), index=True)
    subject: Mapped[str] = mapped_column(sa.String(400))
    body: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)


def known_locale(locale):
    return locale if locale in ("kk", "ru", "en") else "kk"


def render_mail(template, locale, **context):
    """(subject, body) of templates/emails/<template>.txt in the language given; its first line is the subject."""
    # Links in mail point at the public address, whoever's request (or command) sends it.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]), \
            force_locale(known_locale(locale)):
        text = render_template(f"emails/{template}.txt", **context)
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue_mail(to, template, locale, **context):
    """Render templates/emails/<template>.txt in the recipient's language and queue it.

    Nothing leaves before the commit; if the transaction rolls back, the message is gone with it.
    """
    from grants.notifications.inbox import PRIVATE

    locale = known_locale(locale)
    subject, body = render_mail(template, locale, **context)
    return queue_text(to, subject, body, locale, inbox=template not in PRIVATE)


def queue_text(to, subject, body, locale, inbox=True):
    """Queue a message already written; with `inbox`, it also stands in the inbox of the account it goes to."""
    from grants.notifications import inbox as inboxes

    if inbox:
        inboxes.keep(to, subject, body)
    message = OutboxMessage(to=to, subject=subject, body=body, locale=locale)
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit(db.session, send_outbox_message, message.id, queue="mail")
    return message


def queue_unsent():
    """Queue a job for every message not sent yet; the job skips one sent meanwhile. Returns how many."""
    unsent = db.session.execute(sa.select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))
                                .order_by(OutboxMessage.id)).scalars().all()
    for message_id in unsent:
        enqueue_after_commit(db.session, send_outbox_message, message_id, queue="mail", required=True)
    db.session.commit()
    return len(unsent)


def send_outbox_message(message_id):
    """Job: send one queued message over SMTP when configured; safe to run twice."""
    app = current_app._get_current_object()
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            return
        server = app.config.get("MAIL_SERVER")
        if not server:
            return  # development: the message waits in the outbox for the administrator to read
        mail = EmailMessage()
        mail["From"] = app.config["MAIL_FROM"]
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(server, app.config["MAIL_PORT"], timeout=20) as smtp:
                if app.config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if app.config.get("MAIL_USERNAME"):
                    smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as error:
            message.error = str(error)[:2000]
            db.session.commit()
            log.exception("mail %s to %s not sent", message.id, message.to)
            raise
        message.sent_at = utcnow()
        message.error = None
        db.session.commit()
