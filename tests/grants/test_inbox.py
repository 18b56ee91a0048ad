"""Each person's inbox on the platform: what was mailed to them stands there, what they chose for a digest stands
there at once, what they turned off and the secrets of one use do not; the header counts what is unread, and a
person marks only their own notifications read."""

import re
from datetime import timedelta

import sqlalchemy as sa

from grants.auth import services as auth
from grants.comments import services as comments
from grants.db import utcnow
from grants.extensions import db
from grants.notifications import inbox, services
from grants.notifications.models import Notice
from tests.conftest import post_form, translated
from tests.factories import create_agreement, create_user, operator, owner_of, signed_in


def subjects(user):
    return db.session.execute(sa.select(Notice.subject).where(Notice.user_id == user.id)
                              .order_by(Notice.id)).scalars().all()


def bodies(user):
    return "\n".join(db.session.execute(sa.select(Notice.body).where(Notice.user_id == user.id)).scalars())


def test_what_is_mailed_and_what_waits_for_the_digest_stand_in_the_inbox_and_what_is_off_does_not(app):
    grant = create_agreement()
    head, staff = owner_of(grant), operator()
    before = len(subjects(head))  # what the NGO was told of its application: submitted, awarded
    assert before == 2
    comments.add(staff, grant, "Сразу письмом", "applicant")
    services.choose(head, {"comments": "digest"})
    comments.add(staff, grant, "В сводку", "applicant")
    services.choose(head, {"comments": "off"})
    comments.add(staff, grant, "Никак", "applicant")
    db.session.commit()
    text = bodies(head)
    assert "Сразу письмом" in text and "В сводку" in text
    assert "Никак" not in text
    assert len(subjects(head)) == before + 2
    services.send_digests()
    db.session.commit()
    assert len(subjects(head)) == before + 2  # the digest mail repeats what stands there already


def test_a_password_reset_link_is_mailed_but_never_kept_in_the_inbox(app):
    person = create_user("applicant", email="forgetful@example.kz")
    with app.test_request_context():
        auth.request_reset(person.email, lambda token: f"/auth/reset/{token}")
    db.session.commit()
    assert subjects(person) == []


def test_the_header_counts_the_unread_and_marking_read_touches_only_one_s_own(app):
    grant = create_agreement()
    head, staff, other = owner_of(grant), operator(), create_user("applicant", email="other@example.kz")
    comments.add(staff, grant, "Вопрос", "applicant")  # three unread with the mails of submission and award
    inbox.post(other, "Чужое уведомление", "Не для вас")
    db.session.commit()
    client = signed_in(app, head, "ru")
    page = client.get("/notifications/").get_data(as_text=True)
    unread = translated("ru", "unread")
    assert re.search(rf'class="badge count">3<span class="visually-hidden"> {unread}', page)
    assert translated("ru", "Notifications") in page
    assert "Чужое уведомление" not in page
    last = db.session.execute(sa.select(sa.func.max(Notice.id))).scalar_one()
    response = post_form(client, "/notifications/read", {"upto": str(last)}, page="/notifications/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Notice)
                              .where(Notice.read_at.is_(None))).scalar_one() == 1  # the other's stays unread
    assert inbox.unread(other) == 1 and inbox.unread(head) == 0
    assert 'class="badge count"' not in client.get("/notifications/").get_data(as_text=True)


def test_marking_read_keeps_what_arrived_after_the_page_was_shown_unread(app):
    person = create_user("applicant", email="reader@example.kz")
    seen = inbox.post(person, "Первое", "…")
    db.session.commit()
    inbox.post(person, "Пришло позже", "…")
    db.session.commit()
    assert inbox.mark_read(person, seen.id) == 1
    assert inbox.unread(person) == 1


def test_the_inbox_pages_on_newest_first_and_refuses_a_wrong_page(app):
    person = create_user("applicant", email="busy@example.kz")
    for n in range(inbox.PAGE + 5):
        inbox.post(person, f"Уведомление №{n:02d}", "…")
    db.session.commit()
    client = signed_in(app, person, "kk")
    first = client.get("/notifications/").get_data(as_text=True)
    assert f"Уведомление №{inbox.PAGE + 4:02d}" in first and "Уведомление №04<" not in first
    older = re.search(r'href="(/notifications/\?before=\d+)"', first).group(1)
    rest = client.get(older).get_data(as_text=True)
    assert "Уведомление №04<" in rest and "Уведомление №00<" in rest
    assert f"Уведомление №{inbox.PAGE + 4:02d}" not in rest
    assert translated("kk", "Older notifications") in first and translated("kk", "Older notifications") not in rest
    assert client.get("/notifications/?before=abc").status_code == 404


def test_a_notification_s_text_is_escaped_and_its_platform_address_opens_here(app):
    person = create_user("applicant", email="careful@example.kz")
    public = app.config["PUBLIC_URL"].rstrip("/")
    inbox.post(person, "<b>Тема</b>", f"Смотрите {public}/applications/7. <script>alert(1)</script> "
                                      "и https://example.org/page.")
    db.session.commit()
    page = signed_in(app, person, "ru").get("/notifications/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>Тема</b>" not in page
    assert f'<a href="/applications/7">{public}/applications/7</a>.' in page
    assert '<a href="https://example.org/page" rel="noopener nofollow">' in page


def test_notifications_older_than_a_year_go_with_the_daily_run(app):
    person = create_user("applicant", email="old@example.kz")
    old = inbox.post(person, "Давнее", "…")
    old.created_at = utcnow() - timedelta(days=366)
    inbox.post(person, "Недавнее", "…")
    db.session.commit()
    inbox.forget_old()
    db.session.commit()
    assert subjects(person) == ["Недавнее"]
