"""The audit chain's published heads: one a day on the open-data page and one in each published protocol. A tail
cut off the chain leaves a chain that still links; only a head published before the cut reveals it."""

from datetime import timedelta
from io import BytesIO

import docx
import sqlalchemy as sa

from grants import audit
from grants.audit import AuditEvent, AuditHead
from grants.db import utcnow
from grants.extensions import db
from scoring.commission.models import Meeting
from tests.conftest import login, translated
from tests.factories import create_user, operator
from tests.worlds import awarded_by_commission


def chain():
    """(id, hash) of every event, in the chain's order, read straight from the table."""
    return db.session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id)).all()


def test_a_head_is_the_newest_event_by_its_position_and_hash_once_a_day(app):
    create_user("applicant")
    create_user("operator")
    today = audit.publish_head()
    db.session.commit()
    events = chain()
    assert (today.position, today.hash, today.event_id) == (len(events), events[-1].hash, events[-1].id)
    create_user("expert")
    assert audit.publish_head().id == today.id  # the day's head is published once
    tomorrow = audit.publish_head(now=utcnow() + timedelta(days=1))
    db.session.commit()
    assert tomorrow.position == len(chain()) > today.position
    assert db.session.execute(sa.select(sa.func.count(AuditHead.id))).scalar_one() == 2


def test_verify_holds_with_every_published_head_and_a_head_kept_elsewhere(app):
    create_user("applicant")
    head = audit.publish_head()
    db.session.commit()
    create_user("operator")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--head", head.hash])
    assert result.exit_code == 0, result.output
    assert "1 published heads hold, and so does the head given" in result.output


def test_a_tail_cut_off_after_a_published_head_is_found(app):
    create_user("applicant")
    db.session.commit()
    cut = chain()[-1].id + 1  # everything from here on is removed
    create_user("operator")
    create_user("expert")
    head = audit.publish_head()
    db.session.commit()
    kept = head.hash
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= cut))
    db.session.commit()
    runner = app.test_cli_runner()
    assert audit.verify()[1] is None  # what is left still links from the start: the chain alone cannot tell
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "Published head NOT in the chain" in result.output
    assert "events were removed" in result.output
    # the heads' table gone too: the head kept on the open-data page, or in a protocol, still tells
    db.session.execute(sa.delete(AuditHead))
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--head", kept])
    assert result.exit_code == 1 and "is not in the chain" in result.output


def test_a_changed_event_under_a_published_head_is_found(app):
    user = create_user("applicant")
    digest = audit.publish_head().hash
    db.session.commit()
    # rewritten whole, its hash recomputed and the next links rebuilt: only the published head still disagrees
    for event in db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if event.object_id == str(user.id):
            event.actor_label = "someone else"
    prev = audit.GENESIS
    for event in db.session.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        event.prev_hash = prev
        event.hash = event.compute_hash()
        prev = event.hash
    db.session.commit()
    assert audit.verify()[1] is None
    assert any("does not have the published hash" in p for p in audit.verify_published(digest))


def test_the_open_data_page_lists_the_published_heads(app, client):
    create_user("applicant")
    head = audit.publish_head()
    db.session.commit()
    page = client.get("/open-data/?lang=kk").get_data(as_text=True)
    section = page[page.index(translated("kk", "The audit trail's published heads")):]
    assert head.hash in section and f'<td class="num">{head.position}</td>' in section


def test_a_published_protocol_prints_the_chain_as_it_stood_at_publication(app, client):
    application = awarded_by_commission()
    meeting = db.session.execute(sa.select(Meeting).where(Meeting.call_id == application.call.id)).scalar_one()
    published = db.session.execute(sa.select(AuditEvent.id).where(AuditEvent.verb == "commission.publish")
                                   ).scalar_one()
    before = [row for row in chain() if row.id < published]
    assert (meeting.audit_head_position, meeting.audit_head_hash) == (len(before), before[-1].hash)
    page = client.get(f"/calls/{meeting.call_id}/protocols/{meeting.id}/ru").get_data(as_text=True)
    assert meeting.audit_head_hash in page
    login(client, operator().email)
    response = client.get(f"/manage/commission/{meeting.id}/protocol/kk.docx")
    document = docx.Document(BytesIO(response.data))
    assert any(meeting.audit_head_hash in p.text for p in document.paragraphs)
