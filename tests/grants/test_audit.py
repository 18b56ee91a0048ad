"""The audit chain: every change recorded with before and after; tampering found."""

import sqlalchemy as sa

from grants import audit
from grants.audit import AuditEvent
from grants.auth import services
from grants.auth.models import LoginAttempt, UserRole
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


# --- the audit log as people read it -------------------------------------------------------------


def visible(page):
    """The page as read: without the raw records kept one click away, and without attribute values."""
    import re

    return re.sub(r'value="[^"]*"', "", re.sub(r"<details>.*?</details>", "", page, flags=re.S))


def test_audit_log_names_who_what_which_object_and_what_changed_in_russian(app):
    from tests.conftest import login
    from tests.factories import create_application

    owner = create_user("applicant", full_name="Айгүл Сейітқызы")
    application = create_application(owner=owner, submit=True)
    admin = create_user("admin", email="root@example.kz")
    client = app.test_client()
    login(client, admin.email)
    page = client.get("/admin/audit/?lang=ru").get_data(as_text=True)
    shown = visible(page)
    assert "Айгүл Сейітқызы" in shown  # who: the person, not only an e-mail
    assert "Заявка подана" in shown  # what: the verb in words
    assert application.receipt_number in shown  # which object: its own number
    # what changed: the field by its label, the statuses by their names, before → after
    assert "Статус" in shown and "Черновик → Подана" in shown
    for code in ("application.submit", '"status"', "Application 1", "\\u04"):
        assert code not in shown, code
    # the raw record is still there, one click away, without escaped Cyrillic
    assert "application.submit" in page and "\\u04" not in page


def test_audit_log_speaks_kazakh_and_filters_by_a_named_action(app):
    from tests.conftest import login
    from tests.factories import create_application

    create_application(submit=True)
    admin = create_user("admin", email="root@example.kz")
    client = app.test_client()
    login(client, admin.email)
    page = client.get("/admin/audit/?lang=kk&verb=application.submit").get_data(as_text=True)
    shown = visible(page)
    assert "Өтінім жіберілді" in shown
    assert '<option value="application.submit" selected>Өтінім жіберілді</option>' in page
    assert "Тіркелгі құрылды" not in page.split("</select>")[1]  # the filter keeps only submissions


def test_every_verb_the_services_write_has_a_name():
    """A new verb without its words would reach the administrator as a code."""
    import pathlib
    import re

    from grants.audit_display import VERBS

    root = pathlib.Path(__file__).resolve().parents[2]
    written = set()
    for path in [*root.glob("grants/**/*.py"), *root.glob("scoring/**/*.py"), *root.glob("reports/**/*.py")]:
        written |= set(re.findall(r"record\(\s*[^,()]+,\s*\"([a-z_]+\.[a-z_]+)\"", path.read_text()))
    assert len(written) > 60  # the scan found the services' verbs
    # the ones built at run time: eligibility outcomes, the commission's decisions, reference edits
    written |= {f"application.{o}" for o in ("eligible", "ineligible", "returned", "awarded", "reserve", "rejected")}
    written |= {"reference.directions.update", "reference.mrp.create", "user.change_password", "user.reset_password",
                "user.deactivate"}
    assert sorted(written - set(VERBS)) == []


def test_agreement_timeline_names_an_anonymous_beneficiary_in_the_pages_language(app):
    from grants.monitoring import survey, survey_codes
    from tests.conftest import login
    from tests.factories import create_agreement, owner_of

    agreement = create_agreement()
    [code] = survey_codes.issue(owner_of(agreement), agreement, 1)
    survey.add_feedback(agreement, "kk", 5, True, True, code=code)
    db.session.commit()
    operator = create_user("operator", email="op@example.kz")
    client = app.test_client()
    login(client, operator.email)
    page = client.get(f"/manage/agreements/{agreement.id}?lang=kk").get_data(as_text=True)
    timeline = page[page.index('id="timeline"'):]
    assert "Игілік алушы (анонимді)" in timeline and "beneficiary" not in timeline
    assert "Игілік алушының пікірі алынды" in timeline


def test_an_audited_update_records_only_the_fields_that_changed(app):
    user = create_user("applicant", full_name="Айгүл")
    user.locale = "ru"
    db.session.commit()
    changed = audit.update(user, "user.update_profile", user, {"full_name": "Айгүл", "locale": "kk"})
    assert changed == {"locale": "kk"} and user.locale == "kk"
    event = events("user.update_profile")[-1]
    assert (event.before, event.after, event.object_id) == ({"locale": "ru"}, {"locale": "kk"}, str(user.id))


def test_an_audited_update_that_changes_nothing_records_nothing(app):
    user = create_user("applicant", full_name="Айгүл")
    count = len(events())
    assert audit.update(user, "user.update_profile", user, {"full_name": "Айгүл"}) == {}
    assert len(events()) == count


def test_an_audited_update_shows_rows_as_told_and_names_its_target(app):
    admin = create_user("admin")
    user = create_user("applicant")
    changed = audit.update(admin, "user.set_roles", user, {"role_rows": [UserRole(role="expert")]},
                           shown={"roles": lambda u: sorted(r.role for r in u.role_rows)}, target=admin)
    assert changed == {"roles": ["expert"]}
    event = events("user.set_roles")[-1]
    assert (event.before, event.after, event.object_id) == ({"roles": ["applicant"]}, {"roles": ["expert"]},
                                                            str(admin.id))


def test_a_created_object_is_recorded_whole(app):
    user = create_user("applicant", full_name="Айгүл")
    audit.update(user, "user.update_profile", user, {"full_name": "Айгүл", "locale": None}, created=True)
    event = events("user.update_profile")[-1]
    assert (event.before, event.after) == ({}, {"full_name": "Айгүл", "locale": None})


def test_an_added_row_is_flushed_and_recorded_on_its_subject_with_its_id(app):
    admin = create_user("admin")
    user = create_user("applicant")
    row = LoginAttempt(email=user.email, ip="127.0.0.1", succeeded=False)
    assert audit.add(admin, "user.sign_in_failed", user, row, {"ip": "127.0.0.1"}, id_as="attempt") is row
    assert row.id is not None
    event = events("user.sign_in_failed")[-1]
    assert (event.object_id, event.before, event.after) == (str(user.id), None, {"attempt": row.id, "ip": "127.0.0.1"})
