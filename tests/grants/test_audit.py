"""The audit chain: every change recorded with before and after; tampering found."""

import sqlalchemy as sa

from grants import audit
from grants.audit import AuditEvent
from grants.auth import services
from grants.extensions import db
from tests.factories import create_user


def events(verb=None):
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if verb:
        query = query.where(AuditEvent.verb == verb)
    return db.session.execute(query).scalars().all()


def test_each_event_links_to_the_one_before():
    create_user("applicant")
    create_user("expert")
    chain = events()
    assert len(chain) >= 3
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
    assert audit.verify() == (len(chain), None, None)


def test_editing_a_stored_event_is_found_at_that_event(app):
    create_user("applicant")
    victim = create_user("expert")
    create_user("operator")
    target = events("user.create")[1]
    assert target.object_id == str(victim.id)
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == target.id).values(after={"email": "someone@else.kz"})
    )
    db.session.commit()
    db.session.expire_all()
    checked, broken, why = audit.verify()
    assert broken.id == target.id
    assert "hash" in why


def test_removing_an_event_breaks_the_link_of_the_next():
    create_user("applicant")
    create_user("expert")
    create_user("operator")
    chain = events()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == chain[1].id))
    db.session.commit()
    db.session.expire_all()
    _, broken, why = audit.verify()
    assert broken.id == chain[2].id
    assert "prev_hash" in why


def test_verify_command_reports_the_first_broken_link(app):
    create_user("applicant")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    first = events()[0]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == first.id).values(verb="user.forged"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"#{first.id}" in result.output


def test_role_change_records_who_before_and_after():
    admin = create_user("admin")
    user = create_user("applicant")
    services.set_roles(admin, user, ["applicant", "expert"])
    db.session.commit()
    event = events("user.set_roles")[-1]
    assert event.actor_id == admin.id
    assert event.before == {"roles": ["applicant"]}
    assert event.after == {"roles": ["applicant", "expert"]}


def test_password_change_is_audited_without_the_password():
    user = create_user("applicant")
    services.set_password(user, user, "brand-new-pass-1")
    db.session.commit()
    event = events("user.change_password")[-1]
    assert event.before is None and event.after is None
    assert "brand-new-pass-1" not in str(event.payload())
