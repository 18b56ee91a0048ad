"""Signing in and out: passwords, throttling, sessions that end, CSRF, oversized requests."""

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.auth import services
from grants.auth.models import LoginAttempt
from grants.extensions import db
from tests.conftest import PASSWORD, csrf_from, csrf_token, login, post_form, translated
from tests.factories import create_user, make_bin, ngo_profile_form

SITE = "http://localhost"  # the test client's own origin


def test_login_with_right_password_opens_the_account(client):
    create_user("applicant", email="aigul@example.kz")
    response = login(client, "Aigul@Example.kz ", PASSWORD)
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_wrong_password_is_refused_with_a_message_in_the_users_language(client):
    create_user("applicant", email="aigul@example.kz")
    client.get("/?lang=kk")
    response = login(client, "aigul@example.kz", "wrong-password-1")
    assert response.status_code == 401
    assert translated("kk", "The e-mail or password is not correct.") in response.get_data(as_text=True)
    client.get("/?lang=ru")
    response = login(client, "aigul@example.kz", "wrong-password-1")
    assert translated("ru", "The e-mail or password is not correct.") in response.get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    client.get("/?lang=en")
    response = login(client, "nobody@example.kz", "whatever-123")
    assert response.status_code == 401
    assert "The e-mail or password is not correct." in response.get_data(as_text=True)


def test_repeated_failures_lock_the_address_even_for_the_right_password(client, app):
    create_user("applicant", email="aigul@example.kz")
    client.get("/?lang=en")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "aigul@example.kz", "wrong-password-1").status_code == 401
    response = login(client, "aigul@example.kz", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    failures = db.session.execute(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
    ).scalar_one()
    assert failures == app.config["LOGIN_MAX_FAILURES"]


def test_deactivated_account_cannot_sign_in(client):
    user = create_user("applicant", email="aigul@example.kz")
    user.active = False
    db.session.commit()
    client.get("/?lang=en")
    response = login(client, "aigul@example.kz", PASSWORD)
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    stolen = client.get_cookie("session").value
    assert post_form(client, "/auth/logout", page="/account/").status_code == 302
    assert client.get("/account/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/account/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_password_change_ends_other_sessions_but_keeps_this_one(app):
    create_user("applicant", email="aigul@example.kz")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "aigul@example.kz")
    login(phone, "aigul@example.kz")
    response = post_form(laptop, "/account/password",
                         {"current": PASSWORD, "new": "new-secret-2026", "confirm": "new-secret-2026"})
    assert response.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302
    assert login(phone, "aigul@example.kz", "new-secret-2026").status_code == 302


def test_weak_new_password_is_refused_and_the_old_one_still_works(client):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    client.get("/?lang=en")
    response = post_form(client, "/account/password", {"current": PASSWORD, "new": "short", "confirm": "short"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    post_form(client, "/auth/logout", page="/account/")
    assert login(client, "aigul@example.kz", PASSWORD).status_code == 302


def test_wrong_current_password_is_refused(client):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    client.get("/?lang=en")
    response = post_form(client, "/account/password",
                         {"current": "not-mine-123", "new": "new-secret-2026", "confirm": "new-secret-2026"})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)


def test_expired_csrf_token_offers_the_form_back_without_losing_input(client):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    client.get("/?lang=en")
    response = client.post("/account/", data={"csrf_token": "expired", "full_name": "Айгүл Сейітқызы",
                                              "locale": "kk"}, headers={"Origin": SITE})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form has expired" in page
    assert 'value="Айгүл Сейітқызы"' in page
    assert 'action="/account/"' in page


def test_csrf_page_never_echoes_a_password(client):
    client.get("/?lang=en")
    response = client.post("/auth/login", data={"csrf_token": "x", "email": "a@b.kz", "password": "s3cret-value"},
                           headers={"Referer": f"{SITE}/auth/login"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "s3cret-value" not in page and 'value="a@b.kz"' in page


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Referer": "https://evil.example/forged.html"},
    {"Origin": "http://localhost.evil.example", "Referer": f"{SITE}/account/"},  # Origin decides when sent
    {"Origin": "null"},
    {},  # neither: nothing proves the form was ours
], ids=["foreign-origin", "foreign-referer", "origin-over-referer", "opaque-origin", "no-source"])
def test_csrf_page_gives_a_cross_site_form_nothing_to_resend(client, headers):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    client.get("/?lang=ru")
    response = client.post("/account/", data={"csrf_token": "forged", "full_name": "Evil Name", "locale": "en"},
                           headers=headers)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert translated("ru", "The form has expired") in page
    assert "Evil Name" not in page and 'action="/account/"' not in page
    assert translated("ru", "Send again") not in page
    assert translated("ru", "The form could not be accepted: it was not sent from a page of this site, or it has "
                            "expired. Nothing was saved. Open the page on this site again and fill the form in "
                            "there.") in page


def test_form_without_csrf_token_is_refused(client):
    create_user("applicant", email="aigul@example.kz")
    response = client.post("/auth/login", data={"email": "aigul@example.kz", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302


def test_oversized_request_gets_413_with_a_message(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client.get("/?lang=en")
    token = csrf_token(client)
    response = client.post("/auth/login", data={"csrf_token": token, "email": "a@b.kz", "password": "x" * (2 << 20)})
    assert response.status_code == 413
    assert "must not exceed 1 MB" in response.get_data(as_text=True)


# Known open-redirect forms: each is read by some browser as another site, or breaks the header.
OPEN_REDIRECTS = [
    "//evil.example/x", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
    "/\t/evil.example", "/\t\t/evil.example", "\t//evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "/x\r\nSet-Cookie: a=b", "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example",
    "///evil.example", "////evil.example", "/%2F/evil.example", "/%5C/evil.example", "%2F%2Fevil.example",
    "/%09/evil.example", "/@evil.example", "@evil.example", "//@evil.example", "/／evil.example", "／／evil.example",
    "/〵evil.example", " //evil.example", "/.//evil.example", "/\x00/evil.example", "/\x7f/evil.example",
    "//evil.example%2F@localhost/", "/auth/../\t/evil.example", "", "evil.example",
]


def lands_on_this_site(location):
    """Where a browser goes from this Location: a path here, with nothing a browser drops or reads as a host."""
    from urllib.parse import urljoin, urlsplit

    assert not any(ord(c) < 32 or ord(c) == 127 for c in location), repr(location)
    assert "\\" not in location, repr(location)
    target = urlsplit(urljoin(f"{SITE}/auth/login", location))
    return f"{target.scheme}://{target.netloc}" == SITE


def test_the_oracle_catches_the_forms_it_is_for():
    # The check above must fail on what a naive validator let through (a tab Werkzeug would strip).
    assert not lands_on_this_site("//evil.example")
    with pytest.raises(AssertionError):
        lands_on_this_site("/\t/evil.example")


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site_at_sign_in(client, target):
    create_user("applicant", email="aigul@example.kz")
    token = csrf_token(client)
    response = client.post("/auth/login", query_string={"next": target},
                           data={"csrf_token": token, "email": "aigul@example.kz", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"
    assert lands_on_this_site(response.location)


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site_when_already_signed_in(client, target):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    response = client.get("/auth/login", query_string={"next": target})
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site_after_registering_an_ngo(client, target):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    page = client.get("/organizations/register", query_string={"next": target})
    assert page.status_code == 200
    response = client.post("/organizations/register", query_string={"next": target}, data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), **ngo_profile_form(bin=make_bin(1))})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.location.startswith("/organizations/") and lands_on_this_site(response.location)


@pytest.mark.parametrize("target", ["/organizations/", "/calls/", "/organizations/?q=%D0%96%D0%B0%D1%81&page=2"])
def test_next_keeps_a_page_of_this_site_with_its_query(client, target):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    assert client.get("/auth/login", query_string={"next": target}).location == target


def test_next_to_an_address_no_page_answers_goes_home(client):
    create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    assert client.get("/auth/login?next=/no/such/page").location == "/"


def test_login_page_sends_back_to_the_page_asked_for(client):
    create_user("applicant", email="aigul@example.kz")
    response = client.get("/organizations/")
    assert response.status_code == 302 and "/auth/login?next=" in response.location
    token = csrf_token(client, response.location)
    response = client.post(response.location,
                           data={"csrf_token": token, "email": "aigul@example.kz", "password": PASSWORD})
    assert response.location == "/organizations/"


def test_generated_passwords_always_pass_the_rules(app):
    from grants.auth.services import generate_password, password_problem

    with app.test_request_context():
        for _ in range(300):
            assert password_problem(generate_password("anna@example.kz"), "anna@example.kz") is None


# --- the interface language ---------------------------------------------------------------------


def profile_events(user):
    return db.session.execute(sa.select(AuditEvent.actor_id, AuditEvent.before, AuditEvent.after).where(
        AuditEvent.verb == "user.update_profile", AuditEvent.object_type == "User",
        AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id)).all()


def test_setting_the_language_is_audited_as_the_users_own_profile_change(app):
    user = create_user("applicant", email="aigul@example.kz")
    user.locale = "ru"
    db.session.commit()
    services.set_locale(user, "kk")
    services.set_locale(user, "kk")  # no change, no second event
    db.session.commit()
    assert user.locale == "kk"
    assert profile_events(user) == [(user.id, {"locale": "ru"}, {"locale": "kk"})]


def test_an_unknown_language_is_refused_by_the_service(app):
    user = create_user("applicant", email="aigul@example.kz")
    with pytest.raises(services.AuthError):
        services.set_locale(user, "de")


def test_switching_the_language_on_a_page_is_audited_like_the_profile_form(client):
    user = create_user("applicant", email="aigul@example.kz")
    login(client, "aigul@example.kz")
    client.get("/?lang=ru")
    before = profile_events(user)
    client.get("/?lang=kk")
    client.get("/?lang=kk")
    db.session.expire_all()
    assert profile_events(user)[len(before):] == [(user.id, {"locale": "ru"}, {"locale": "kk"})]
    assert db.session.get(type(user), user.id).locale == "kk"
