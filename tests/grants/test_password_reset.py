"""A forgotten password: a link by mail that works once, for an hour; the page never tells who has an account."""

import re
from datetime import timedelta

import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.auth import services
from grants.db import utcnow
from grants.extensions import db
from grants.mail import OutboxMessage
from tests.conftest import PASSWORD, csrf_token, login, translated
from tests.factories import create_user

NEW = "Жаңа-құпия-сөз-2026"


def mails_to(email):
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == email)
                              .order_by(OutboxMessage.id)).scalars().all()


def ask(client, email):
    return client.post("/auth/forgot", data={"csrf_token": csrf_token(client, "/auth/forgot"), "email": email})


def link_in(message):
    return re.search(r"https?://\S+/auth/reset/(\S+)", message.body).group(1)


def set_new(client, token, password=NEW, again=None):
    url = f"/auth/reset/{token}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "new": password,
                                  "confirm": again or password})


def test_the_mailed_link_sets_a_new_password_once(app, client):
    user = create_user("applicant", locale="kk")
    client.get("/?lang=kk")
    response = ask(client, user.email)
    assert response.status_code == 302
    (mail,) = mails_to(user.email)
    assert translated("kk", "A new password for Baiqau") in mail.subject
    token = link_in(mail)
    assert set_new(client, token).status_code == 302
    assert login(client, user.email, NEW).status_code == 302  # the new password signs in
    other = app.test_client()
    assert login(other, user.email, PASSWORD).status_code != 302  # the old one no longer does
    again = app.test_client()
    again.get("/?lang=kk")
    used = again.get(f"/auth/reset/{token}")
    assert used.status_code == 400
    assert translated("kk", "This link cannot be used: it has expired, it was used already or the password was "
                            "changed since. Ask for a new link.") in used.get_data(as_text=True)
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == "User",
                                                                AuditEvent.object_id == str(user.id))).scalars()
    assert {"user.request_password_reset", "user.reset_own_password"} <= set(verbs)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(app, client):
    known = create_user("applicant")
    answers = [ask(app.test_client(), email) for email in (known.email, "nobody@example.kz")]
    assert [r.status_code for r in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    assert mails_to("nobody@example.kz") == [] and len(mails_to(known.email)) == 1


def test_a_link_expires_after_an_hour_and_dies_when_the_password_changes(app):
    user = create_user("applicant")
    old = services.reset_token(user, now=utcnow() - timedelta(minutes=services.RESET_MINUTES + 1))
    fresh = services.reset_token(user)
    for token in (old, fresh + "x", "not-a-token"):
        try:
            services.user_for_reset(token)
        except services.BadResetLink:
            continue
        raise AssertionError(f"{token} was accepted")
    assert services.user_for_reset(fresh) == user
    services.change_own_password(user, PASSWORD, "Другой-пароль-2027")
    db.session.commit()
    try:
        services.user_for_reset(fresh)
    except services.BadResetLink:
        pass
    else:
        raise AssertionError("a link issued before the password changed still worked")


def test_a_weak_or_mistyped_new_password_is_refused_in_russian_and_nothing_changes(app, client):
    user = create_user("applicant")
    before = user.password_hash
    client.get("/?lang=ru")
    ask(client, user.email)
    token = link_in(mails_to(user.email)[0])
    short = set_new(client, token, "короткий")
    assert short.status_code == 400
    mistyped = set_new(client, token, NEW, NEW + "!")
    assert mistyped.status_code == 400 and translated("ru", "The two new passwords differ.") in \
        mistyped.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash == before


def test_at_most_three_links_an_hour_reach_one_mailbox(app):
    user = create_user("applicant")
    for _ in range(5):
        ask(app.test_client(), user.email)
    assert len(mails_to(user.email)) == services.RESETS_PER_HOUR
