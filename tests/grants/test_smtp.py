"""Mail leaves through a real SMTP server (aiosmtpd on loopback): what the outbox holds is what arrives, in the
person's language, once; a server that is down leaves the message waiting with the reason, and it goes later."""

import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from grants import mail
from grants.extensions import db
from grants.mail import OutboxMessage
from tests.factories import create_application, create_user


class Inbox:
    """An SMTP handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_USERNAME=None)
    yield controller, inbox
    controller.stop()


def text_of(header):
    return str(make_header(decode_header(header)))


def test_the_submission_mail_arrives_once_in_the_applicants_language(app, smtp):
    _controller, inbox = smtp
    owner = create_user("applicant", locale="kk")
    application = create_application(owner=owner, language="kk", submit=True)
    message = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == owner.email)).scalar_one()
    mail.send_outbox_message(message.id)
    mail.send_outbox_message(message.id)  # a retried job sends nothing twice
    assert len(inbox.messages) == 1
    (recipients, received) = inbox.messages[0]
    assert recipients == [owner.email] and received["From"] == app.config["MAIL_FROM"]
    assert text_of(received["Subject"]) == message.subject
    body = received.get_payload(decode=True).decode()
    assert message.locale == "kk" and body.strip() == message.body.strip()  # what the outbox holds arrives
    assert application.receipt_number in body
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None


def test_a_server_that_is_down_leaves_the_message_waiting_and_it_goes_later(app, smtp):
    controller, inbox = smtp
    app.config["MAIL_PORT"] = free_port()  # nothing listens there: the server is down
    owner = create_user("applicant", locale="ru")
    create_application(owner=owner, submit=True)  # submitted all the same; its mail could not leave
    message = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == owner.email)).scalar_one()
    with pytest.raises(OSError):
        mail.send_outbox_message(message.id)  # the job raises, so a real queue retries it
    db.session.expire_all()
    waiting = db.session.get(OutboxMessage, message.id)
    assert waiting.sent_at is None and waiting.error  # the reason is kept for the administrator
    app.config["MAIL_PORT"] = controller.port  # back up: `flask mail flush` queues what waits
    assert mail.queue_unsent() == 1  # in-process without Redis, as under `make run`; queued with it
    mail.send_outbox_message(message.id)  # what the worker then runs (a no-op if it already went)
    db.session.expire_all()
    sent = db.session.get(OutboxMessage, message.id)
    assert sent.sent_at is not None and sent.error is None and len(inbox.messages) == 1
