"""Two-factor sign-in as people rely on it: enrolling with an authenticator app, signing in with its code or a
recovery code, each code once, wrong codes locking like wrong passwords, the roles that must have it, and the
administrator's way back for a lost phone. Codes are computed here by RFC 6238 itself, not by the library the
platform uses."""

import hashlib
import re
import time

import pytest
import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.auth.models import LoginAttempt, RecoveryCode, TwoFactor, User
from grants.extensions import db
from tests.conftest import PASSWORD, csrf_from, login, post_form, translated
from tests.factories import create_user, totp


def events(user, verb):
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.verb == verb, AuditEvent.object_type == "User",
        AuditEvent.object_id == str(user.id)).order_by(AuditEvent.id)).scalars().all()


def page_secret(html):
    """The key the setup page shows for typing into the app (grouped by four)."""
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


def enrol(client):
    """Turn two-factor sign-in on from the account page, as a person would; returns (secret, recovery codes)."""
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = page_secret(html)
    response = client.post("/account/two-factor", data={"csrf_token": csrf_from(html), "action": "enable",
                                                        "code": totp(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9A-F]{6}-[0-9A-F]{6})</code></li>", response.get_data(as_text=True))
    return secret, codes


def enrolled(app, role):
    """A new account of `role` that turned two-factor sign-in on in its own browser: (user, client, secret, codes)."""
    user = create_user(role)
    client = app.test_client()
    login(client, user.email)
    return user, client, *enrol(client)


def password_step(client, email):
    response = login(client, email)
    assert response.status_code == 302 and response.location.endswith("/auth/two-factor")
    return response


def code_step(client, code):
    return post_form(client, "/auth/two-factor", {"code": code}, page="/auth/login")


def signed_in(client):
    return client.get("/account/").status_code == 200


def test_enrolling_needs_a_right_code_and_gives_ten_recovery_codes_once(app):
    user = create_user("operator")
    client = app.test_client()
    login(client, user.email)
    html = client.get("/account/two-factor?lang=kk").get_data(as_text=True)
    assert "<svg" in html  # the QR code, drawn on the server
    secret = page_secret(html)
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret[:4]) >= 1  # the same key on reload
    wrong = client.post("/account/two-factor", data={"csrf_token": csrf_from(html), "action": "enable",
                                                     "code": "000000" if totp(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    with app.test_request_context("/?lang=kk"):
        assert translated("kk", "The code is not correct. Type the six digits the app shows now; if it keeps "
                                "failing, check that the phone's clock is set automatically.") in wrong.get_data(
            as_text=True).replace("&#39;", "'")
    assert db.session.get(TwoFactor, user.id) is None
    secret, codes = enrol(client)
    db.session.expire_all()
    assert db.session.get(TwoFactor, user.id).secret == secret
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.execute(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars()
    assert sorted(stored) == sorted(hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes)
    assert len(events(user, "user.enable_two_factor")) == 1
    again = client.get("/account/two-factor?lang=en").get_data(as_text=True)
    assert not [c for c in codes if c in again]  # shown once, only counted after
    assert "Recovery codes left: <strong>10</strong>" in again


def test_the_password_alone_no_longer_signs_in_and_the_apps_code_does_once(app):
    user, client, secret, _codes = enrolled(app, "expert")
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/account/").get_data(as_text=True))})

    other = app.test_client()
    password_step(other, user.email)
    assert not signed_in(other)  # the password was right, but no session yet
    code = totp(secret, step_offset=1)  # a phone half a minute ahead still signs in
    assert code_step(other, code).status_code == 302
    assert signed_in(other)
    assert events(user, "user.sign_in")[-1].after == {"second_factor": "app"}

    third = app.test_client()
    password_step(third, user.email)
    replay = code_step(third, code)  # the same code, seen over a shoulder
    assert replay.status_code == 400 and not signed_in(third)
    assert events(user, "user.sign_in_failed")[-1].after == {"reason": "code"}


def test_a_recovery_code_signs_in_once_and_the_rest_still_work(app):
    user, _client, _secret, codes = enrolled(app, "analyst")
    first = app.test_client()
    password_step(first, user.email)
    assert code_step(first, codes[0].lower().replace("-", " ")).status_code == 302  # typed loosely, still the code
    told = translated("kk", "You signed in with a recovery code. Codes left: %(left)s. Make new ones on the two-factor "
                            "page of your account.", left=9)
    assert told in first.get("/").get_data(as_text=True)  # the interface's language: Kazakh by default
    again = app.test_client()
    password_step(again, user.email)
    assert code_step(again, codes[0]).status_code == 400
    assert code_step(again, codes[1]).status_code == 302
    assert [e.after["left"] for e in events(user, "user.use_recovery_code")] == [9, 8]


def test_wrong_codes_lock_the_account_like_wrong_passwords(app):
    app.config["LOGIN_MAX_FAILURES"] = 3
    user, _client, secret, _codes = enrolled(app, "commission")
    guesser = app.test_client()
    password_step(guesser, user.email)
    right = totp(secret, step_offset=1)  # unspent: the enrolment spent this step's
    good = {totp(secret, step_offset=n) for n in (-1, 0, 1)}
    wrong = [c for c in ("123456", "654321", "111111", "222222") if c not in good][:3]
    for code in wrong:
        assert code_step(guesser, code).status_code == 400
    locked = code_step(guesser, right)
    assert locked.status_code == 429 and not signed_in(guesser)
    failed = db.session.execute(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False))).scalar_one()
    assert failed == 3


def test_the_code_waits_five_minutes_after_the_password(app):
    user, _client, secret, _codes = enrolled(app, "operator")
    late = app.test_client()
    password_step(late, user.email)
    with late.session_transaction() as session:
        session["two_factor"] = {**session["two_factor"], "since": time.time() - 301}
    page = late.get("/auth/two-factor?lang=ru")
    assert page.status_code == 200 and "Войдите снова" in page.get_data(as_text=True)
    assert code_step(late, totp(secret, step_offset=1)).status_code == 400 and not signed_in(late)


def test_where_required_staff_enrol_before_anything_else_and_cannot_turn_it_off(app):
    app.config["TWO_FACTOR"] = "required"
    operator, applicant = create_user("operator"), create_user("applicant")
    ngo = app.test_client()
    login(ngo, applicant.email)
    assert ngo.get("/applications/").status_code == 200  # an NGO's account is not asked
    staff = app.test_client()
    assert login(staff, operator.email).status_code == 302
    for page in ("/", "/manage/calls/", "/account/"):
        response = staff.get(page)
        assert response.status_code == 302 and response.location.endswith("/account/two-factor"), page
    secret, codes = enrol(staff)
    assert staff.get("/manage/calls/").status_code == 200
    html = staff.get("/account/two-factor").get_data(as_text=True)
    assert 'value="off"' not in html  # no form to turn it off
    refused = staff.post("/account/two-factor", data={"csrf_token": csrf_from(html), "action": "off",
                                                      "password": PASSWORD, "code": codes[0]})
    assert refused.status_code == 400 and db.session.get(TwoFactor, operator.id) is not None


def test_where_optional_it_turns_off_with_the_password_and_a_code(app):
    user, client, secret, _codes = enrolled(app, "applicant")
    html = client.get("/account/two-factor").get_data(as_text=True)
    wrong = client.post("/account/two-factor", data={"csrf_token": csrf_from(html), "action": "off",
                                                     "password": "not-the-password-1", "code": totp(secret)})
    assert wrong.status_code == 400 and db.session.get(TwoFactor, user.id) is not None
    # the enrolment spent this step's code: the next one, as the app shows it half a minute later
    off = client.post("/account/two-factor", data={"csrf_token": csrf_from(html), "action": "off",
                                                   "password": PASSWORD, "code": totp(secret, step_offset=1)})
    assert off.status_code == 302
    db.session.expire_all()
    assert db.session.get(TwoFactor, user.id) is None
    assert db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode)).scalar_one() == 0
    assert len(events(user, "user.disable_two_factor")) == 1
    assert login(app.test_client(), user.email).location.endswith("/")  # the password alone again


@pytest.mark.parametrize("mode", ["off"])
def test_switched_off_it_is_not_offered_but_an_enrolled_account_is_still_asked(app, mode):
    user, _client, secret, _codes = enrolled(app, "operator")
    app.config["TWO_FACTOR"] = mode
    newcomer = app.test_client()
    login(newcomer, create_user("operator").email)
    assert "<svg" not in newcomer.get("/account/two-factor").get_data(as_text=True)
    password_step(app.test_client(), user.email)


def test_the_administrator_removes_a_lost_phone_and_the_person_enrols_again(app):
    app.config["TWO_FACTOR"] = "required"
    admin, operator = create_user("admin"), create_user("operator")
    client = app.test_client()
    login(client, operator.email)
    enrol(client)
    root = app.test_client()
    login(root, admin.email)
    enrol(root)  # the administrator's own account is staff too
    page = f"/admin/users/{operator.id}"
    assert "reset-two-factor" in root.get(page).get_data(as_text=True)
    assert post_form(root, f"/admin/users/{operator.id}/reset-two-factor", page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(TwoFactor, operator.id) is None
    assert events(operator, "user.reset_two_factor")[0].actor_id == admin.id
    again = app.test_client()
    assert login(again, operator.email).location.endswith("/")  # the password, then straight to enrolment
    assert again.get("/").location.endswith("/account/two-factor")
    assert db.session.get(User, operator.id).active


def test_a_password_sign_in_and_a_wrong_password_are_audited(app):
    user = create_user("applicant")
    login(app.test_client(), user.email, "not-the-password-1")
    login(app.test_client(), user.email)
    assert [e.after for e in events(user, "user.sign_in_failed")] == [{"reason": "password"}]
    assert [e.after for e in events(user, "user.sign_in")] == [{"second_factor": None}]
