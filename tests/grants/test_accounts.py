"""Accounts as people rely on them: sign-in throttling per address and its end, the administrator's
user forms, and the guards that keep an administrator from locking themselves out."""

from datetime import timedelta

import sqlalchemy as sa

from grants.auth.models import LoginAttempt, Role, User
from grants.extensions import db
from tests.conftest import PASSWORD, csrf_from, csrf_token, login, post_form, translated
from tests.factories import create_user


def sign_in_from(client, address, email, password):
    token = csrf_token(client)
    return client.post("/auth/login", data={"csrf_token": token, "email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_many_failures_from_one_address_lock_that_address_and_not_others(app):
    app.config["LOGIN_MAX_FAILURES"] = 2  # so the address's limit is 4 × 2 = 8 failures
    create_user("applicant", email="aigul@example.kz")
    guesser = app.test_client()
    for n in range(8):  # a guesser tries eight different e-mails: no one e-mail reaches its own limit
        assert sign_in_from(guesser, "203.0.113.7", f"victim{n}@example.kz", "wrong-guess-1").status_code == 401
    guesser.get("/?lang=ru")
    locked = sign_in_from(guesser, "203.0.113.7", "aigul@example.kz", PASSWORD)
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток" in locked.get_data(as_text=True)
    # the right password from another address still opens the account
    assert sign_in_from(app.test_client(), "198.51.100.2", "aigul@example.kz", PASSWORD).status_code == 302


def test_the_lock_ends_when_its_window_has_passed(app):
    create_user("applicant", email="aigul@example.kz")
    client = app.test_client()
    limit, minutes = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCK_MINUTES"]
    for _ in range(limit):
        sign_in_from(client, "192.0.2.1", "aigul@example.kz", "wrong-guess-1")
    assert sign_in_from(client, "192.0.2.1", "aigul@example.kz", PASSWORD).status_code == 429
    # time passes by hand: the failures are now older than the window
    for attempt in db.session.execute(sa.select(LoginAttempt)).scalars():
        attempt.at -= timedelta(minutes=minutes, seconds=1)
    db.session.commit()
    assert sign_in_from(client, "192.0.2.1", "aigul@example.kz", PASSWORD).status_code == 302


def admin_client(app, lang="ru"):
    admin = create_user("admin", email="root@example.kz")
    client = app.test_client()
    login(client, admin.email)
    client.get(f"/?lang={lang}")
    return admin, client


def test_an_administrator_cannot_remove_their_own_administrator_role(app):
    admin, client = admin_client(app)
    response = post_form(client, f"/admin/users/{admin.id}", {"roles": ["analyst"], "active": "y"})
    assert response.status_code == 400
    assert translated("ru", "You cannot remove your own administrator role.") in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).roles == {Role.admin}


def test_an_administrator_cannot_deactivate_their_own_account(app):
    admin, client = admin_client(app)
    response = post_form(client, f"/admin/users/{admin.id}", {"roles": ["admin"]})  # "active" unticked
    assert response.status_code == 400
    assert translated("ru", "You cannot deactivate your own account.") in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active


def test_an_administrator_creates_an_account_whose_password_works_and_then_edits_it(app):
    import re

    _admin, client = admin_client(app, lang="en")
    response = post_form(client, "/admin/users/new", {"email": "New.Expert@Example.kz", "full_name": "Нұрлан Ахметов",
                                                      "roles": ["expert"]})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    password = re.search(r"shown only now: (\S+?)</", page).group(1)
    user = db.session.execute(sa.select(User).where(User.email == "new.expert@example.kz")).scalar_one()
    assert user.full_name == "Нұрлан Ахметов" and user.roles == {Role.expert}
    # the administrator makes the expert an analyst too, and then switches the account off
    response = client.post(f"/admin/users/{user.id}", data={"csrf_token": csrf_from(page),
                                                            "roles": ["expert", "analyst"], "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {Role.analyst, Role.expert}
    newcomer = app.test_client()
    assert login(newcomer, "new.expert@example.kz", password).status_code == 302
    post_form(client, f"/admin/users/{user.id}", {"roles": ["expert"]})
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    assert newcomer.get("/account/").status_code == 302  # the open session ended with the account


def test_an_account_form_with_no_role_says_so_and_creates_nothing(app):
    _admin, client = admin_client(app, lang="kk")
    response = post_form(client, "/admin/users/new", {"email": "x@example.kz", "full_name": "X"})
    assert response.status_code == 400
    assert translated("kk", "Choose at least one role.") in response.get_data(as_text=True)
    assert db.session.execute(sa.select(User).where(User.email == "x@example.kz")).scalar_one_or_none() is None
