"""Signing in with ЭЦП: the page's one-time challenge, signed as NCALayer signs it with a key of a test CA whose
OCSP responder answers on loopback; each refusal, the first sign-in's account, the demo's test keys, and the
configuration that turns ЭЦП on, off or makes it the only way in."""

import base64
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from config import ConfigError, from_environment
from grants.audit import AuditEvent
from grants.auth.models import LoginAttempt, SignInChallenge, User
from grants.db import utcnow
from grants.extensions import db
from grants.signatures import Verifier
from tests.conftest import PASSWORD, csrf_from, login, translated
from tests.factories import create_organization, create_user, make_iin
from tests.pki import self_signed, sign

IIN = "870412300416"


pytestmark = pytest.mark.usefixtures("trusted")


@pytest.fixture(scope="module")
def holder(pki):
    return pki.issue(iin=IIN, surname="ЖАҚСЫБЕКОВА", name="АЙГЕРІМ", patronymic="ҚАНАТҚЫЗЫ",
                     email="aigerim@mail.kz")


def challenge_of(page):
    """The Base64 the page hands NCALayer, decoded: the bytes to sign."""
    return base64.b64decode(re.search(r'data-challenge="([^"]+)"', page).group(1))


def open_page(client, lang="kk"):
    page = client.get(f"/auth/eds?lang={lang}").get_data(as_text=True)
    return page, csrf_from(page), challenge_of(page)


def sign_in_with(client, key, lang="kk", tamper=None):
    """Open the page, sign its challenge with `key` as NCALayer would, send the signature."""
    _page, token, challenge = open_page(client, lang)
    signature = sign(key, challenge if tamper is None else tamper(challenge))
    return client.post("/auth/eds", data={"csrf_token": token, "signature": signature})


def flashes(response):
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>\s*(.*?)\s*<', response.get_data(as_text=True), re.S))


def events(verb):
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == verb)
                              .order_by(AuditEvent.id)).scalars().all()


def client_email(client):
    with client.session_transaction() as session:
        user_id = (session.get("_user_id") or "").partition(":")[0]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    db.session.expire_all()
    return user.email if user else None


# Accepted


def test_a_linked_person_signs_in_with_the_authentication_key_alone(client, holder):
    user = create_user("applicant", email="aigerim@example.kz")
    user.iin = IIN
    db.session.commit()
    response = sign_in_with(client, holder)
    assert response.status_code == 302 and response.location == "/"
    assert client_email(client) == "aigerim@example.kz"
    [event] = events("user.sign_in")
    assert event.object_id == str(user.id)
    assert event.after == {"method": "eds", "certificate": format(holder.certificate.serial_number, "x"),
                           "issuer": "Test root issuing CA", "test": False}
    assert db.session.execute(sa.select(LoginAttempt.succeeded)).scalars().all() == [True]


def test_the_page_offers_ncalayer_the_challenge_in_the_persons_language_without_inline_script(client):
    page, _token, challenge = open_page(client, "kk")
    assert challenge.startswith(b"Baiqau sign-in ")
    assert 'data-key-type="AUTHENTICATION"' in page
    assert translated("kk", "Sign in with EDS") in page
    assert translated("kk", "NCALayer does not answer. Start NCALayer on this computer (it runs beside the browser), "
                            "then press the button again.") in page
    assert '<script src="/static/js/ncalayer.js' in page and "<script>" not in page
    assert "wss://127.0.0.1:13579" in client.get("/auth/eds").headers["Content-Security-Policy"]
    assert "/auth/eds" in client.get("/auth/login?lang=kk").get_data(as_text=True)  # offered beside the password


def test_a_first_sign_in_opens_an_ngo_account_named_as_the_certificate_says(client, holder):
    response = sign_in_with(client, holder, lang="ru")
    assert response.status_code == 302 and response.location.startswith("/auth/eds/account")
    page = client.get(response.location).get_data(as_text=True)
    assert "ЖАҚСЫБЕКОВА АЙГЕРІМ ҚАНАТҚЫЗЫ" in page and IIN in page
    assert 'value="aigerim@mail.kz"' in page  # the certificate's e-mail, offered
    response = client.post("/auth/eds/account", data={"csrf_token": csrf_from(page), "action": "new",
                                                       "new-email": "aigerim@example.kz"})
    assert response.status_code == 302 and response.location == "/organizations/register"
    user = db.session.execute(sa.select(User).where(User.iin == IIN)).scalar_one()
    assert (user.email, user.full_name, user.roles) == ("aigerim@example.kz", "Жақсыбекова Айгерім Қанатқызы",
                                                         {"applicant"})
    assert client_email(client) == "aigerim@example.kz"
    assert [e.object_id for e in events("user.link_certificate")] == [str(user.id)]
    # next time, the key alone
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert sign_in_with(client, holder).location == "/"


def test_a_first_sign_in_links_the_certificate_to_an_account_proven_by_its_password(client, holder):
    user = create_user("operator", email="operator@example.kz")
    page = client.get(sign_in_with(client, holder).location).get_data(as_text=True)
    wrong = client.post("/auth/eds/account", data={"csrf_token": csrf_from(page), "action": "link",
                                                    "link-email": "operator@example.kz", "link-password": "wrong-1234"})
    assert wrong.status_code == 401
    assert translated("kk", "The e-mail or password is not correct.") in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert user.iin is None
    assert db.session.execute(sa.select(LoginAttempt.succeeded)).scalars().all() == [False]  # counts to the lock
    right = client.post("/auth/eds/account", data={"csrf_token": csrf_from(page), "action": "link",
                                                    "link-email": "operator@example.kz", "link-password": PASSWORD})
    assert right.status_code == 302
    db.session.refresh(user)
    assert user.iin == IIN and client_email(client) == "operator@example.kz"


def test_an_account_linked_to_another_person_is_not_relinked(client, pki):
    user = create_user("applicant", email="first@example.kz")
    user.iin = make_iin(71)
    db.session.commit()
    other = pki.issue(iin=make_iin(72))
    page = client.get(sign_in_with(client, other).location).get_data(as_text=True)
    response = client.post("/auth/eds/account", data={"csrf_token": csrf_from(page), "action": "link",
                                                       "link-email": "first@example.kz", "link-password": PASSWORD})
    assert response.status_code == 400
    assert translated("kk", "This account is linked to another person's certificate. Sign in with that person's EDS, "
                            "or ask the administrator.") in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.iin == make_iin(71)


def test_a_staff_account_signed_in_with_eds_is_not_asked_for_a_second_factor(app, client, pki):
    app.config["TWO_FACTOR"] = "required"
    user = create_user("operator", email="op@example.kz")
    user.iin = make_iin(73)
    db.session.commit()
    assert sign_in_with(client, pki.issue(iin=make_iin(73))).status_code == 302
    assert client.get("/manage/calls/").status_code == 200  # not sent to enrol an authenticator app
    password_client = app.test_client()
    login(password_client, "op@example.kz")
    assert password_client.get("/manage/calls/").location == "/account/two-factor"


# Refused: each with its reason, in the person's language, nobody signed in


def refused_with(client, response, lang, message, reason=None, status=400, signed_in_before=0):
    assert response.status_code == status, response.status_code
    assert translated(lang, message) in flashes(response), flashes(response)
    assert client_email(client) is None
    if reason is not None:
        assert events("user.sign_in_refused")[-1].after == {"method": "eds", "reason": reason}
    assert len(events("user.sign_in")) == signed_in_before


def test_a_self_issued_certificate_claiming_an_iin_is_refused(client):
    forged = self_signed(iin=IIN)
    user = create_user("applicant")
    user.iin = IIN
    db.session.commit()
    refused_with(client, sign_in_with(client, forged), "kk",
                 "The certificate was not issued by a trusted certification authority (the National Certification "
                 "Authority of the Republic of Kazakhstan): its chain does not lead to a trusted root certificate. "
                 "The signature is not accepted.", "untrusted")
    assert db.session.execute(sa.select(LoginAttempt.succeeded, LoginAttempt.ip)).all() == [(False, "127.0.0.1")]


def test_the_signing_key_is_refused_for_sign_in(client, pki):
    refused_with(client, sign_in_with(client, pki.issue(iin=IIN, purpose="sign"), lang="ru"), "ru",
                 "This certificate is not for signing in. Please choose your authentication key (its file name "
                 "begins with AUTH).", "wrong_purpose")


def test_a_revoked_certificate_is_refused(client, pki):
    revoked = pki.issue(iin=IIN)
    pki.revoke(revoked)
    response = sign_in_with(client, revoked)
    assert response.status_code == 400 and events("user.sign_in_refused")[-1].after["reason"] == "revoked"
    assert client_email(client) is None


def test_an_expired_certificate_is_refused(client, pki):
    expired = pki.issue(iin=IIN, not_before=utcnow() - timedelta(days=400), not_after=utcnow() - timedelta(days=2))
    response = sign_in_with(client, expired)
    assert response.status_code == 400 and events("user.sign_in_refused")[-1].after["reason"] == "expired"


def test_a_signature_of_other_bytes_than_the_challenge_is_refused(client, holder):
    refused_with(client, sign_in_with(client, holder, tamper=lambda c: c + b"0"), "kk",
                 "The electronic digital signature does not match the signed data: the data were changed after "
                 "signing, or the signature belongs to other data.", "signature_mismatch")


def test_a_replayed_signature_is_refused_even_with_the_same_session(client, holder):
    user = create_user("applicant")
    user.iin = IIN
    db.session.commit()
    _page, token, challenge = open_page(client)
    with client.session_transaction() as session:
        saved = dict(session)
    signature = sign(holder, challenge)
    assert client.post("/auth/eds", data={"csrf_token": token, "signature": signature}).status_code == 302
    replay = app_client_with(client, saved)
    response = replay.post("/auth/eds", data={"csrf_token": token, "signature": signature})
    refused_with(replay, response, "kk", "This sign-in page has expired or its signature was already used. Sign "
                                         "again on the page that opens now.", signed_in_before=1)


def app_client_with(client, session_data):
    """Another browser carrying a copy of a session cookie taken earlier (what a replay has)."""
    other = client.application.test_client()
    with other.session_transaction() as session:
        session.update(session_data)
    return other


def test_a_challenge_past_its_life_is_refused(client, holder):
    _page, token, challenge = open_page(client)
    db.session.execute(sa.update(SignInChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    refused_with(client, client.post("/auth/eds", data={"csrf_token": token, "signature": sign(holder, challenge)}),
                 "kk", "This sign-in page has expired or its signature was already used. Sign again on the page "
                       "that opens now.")


def test_no_signature_at_all_says_to_start_ncalayer(client):
    _page, token, _challenge = open_page(client, "ru")
    refused_with(client, client.post("/auth/eds", data={"csrf_token": token, "signature": ""}), "ru",
                 "No signature arrived. Start NCALayer on this computer, then choose “Sign with EDS” again.")


def test_a_deactivated_account_is_not_signed_in(client, holder):
    user = create_user("applicant")
    user.iin, user.active = IIN, False
    db.session.commit()
    response = sign_in_with(client, holder)
    assert response.status_code == 401
    assert translated("kk", "This account is deactivated. Contact the grant operator.") in flashes(response)
    assert client_email(client) is None


def test_refused_signatures_lock_the_address(app, client):
    app.config.update(LOGIN_MAX_FAILURES=2)  # the address is locked after four times as many
    forged = self_signed(iin=IIN)
    statuses = [sign_in_with(client, forged).status_code for _ in range(9)]
    assert statuses == [400] * 8 + [429]
    response = sign_in_with(client, forged)
    assert response.status_code == 429
    assert translated("kk", "Too many failed attempts. Try again after %(time)s.").split("%(time)s")[0].strip() \
        in flashes(response)


# Configuration: off, required per role, the demo's test keys


def test_with_eds_off_the_page_is_not_there_and_not_offered(app, client):
    app.config["EDS"] = "off"
    assert client.get("/auth/eds").status_code == 404
    assert client.get("/auth/eds/account").status_code == 404
    assert "/auth/eds" not in client.get("/auth/login").get_data(as_text=True)


def test_required_roles_sign_in_with_eds_only_and_the_others_keep_their_password(app, client, holder):
    app.config.update(EDS="required", EDS_ROLES=("applicant",))
    ngo = create_user("applicant", email="ngo@example.kz")
    ngo.iin = IIN
    create_user("analyst", email="analyst@example.kz")
    db.session.commit()
    response = login(client, "ngo@example.kz")
    assert response.status_code == 403
    assert translated("kk", "Your role signs in with EDS only. Choose “Sign in with EDS” and sign with your "
                            "authentication key.") in flashes(response)
    assert client_email(client) is None
    assert events("user.sign_in_failed")[-1].after == {"reason": "eds_required"}
    assert sign_in_with(client, holder).status_code == 302 and client_email(client) == "ngo@example.kz"
    other = app.test_client()
    assert login(other, "analyst@example.kz").status_code == 302 and client_email(other) == "analyst@example.kz"


@pytest.fixture
def demo(app, tmp_path):
    app.config["EDS_DEMO"] = str(tmp_path / "eds-demo")
    app.extensions["signatures"] = Verifier.from_config(app.config)
    return app.extensions["signatures"].demo


def test_the_demo_signs_with_a_test_key_marked_as_a_test_signature(client, demo):
    user = create_user("applicant", email="demo@example.kz", full_name="Айгүл Сейітқызы")
    user.iin = make_iin(74)
    org = create_organization(owner=user)
    page = client.get("/auth/eds?lang=kk").get_data(as_text=True)
    assert translated("kk", "Sign with the demo test key") in page and "demo@example.kz" in page
    response = client.post("/auth/eds", data={"csrf_token": csrf_from(page), "person": str(user.id)})
    assert response.status_code == 302 and client_email(client) == "demo@example.kz"
    assert events("user.sign_in")[-1].after["test"] is True
    assert translated("kk", "You signed with a demo test key: a test signature, valid in this demo only.") in \
        flashes(client.get("/"))
    # the key is a first head's of the NGO the account owns, as НУЦ РК would issue it, kept for the next time
    key = demo.holder("auth", iin=user.iin)
    subject = key.certificate.subject
    assert [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)] == [f"BIN{org.bin}"]
    assert [a.value for a in subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)] == [f"IIN{user.iin}"]
    assert (demo.folder / "holders" / f"{user.iin}-auth.pem").exists()


def test_the_demos_newcomer_has_no_account_and_opens_one(client, demo):
    page = client.get("/auth/eds?lang=ru").get_data(as_text=True)
    response = client.post("/auth/eds", data={"csrf_token": csrf_from(page), "person": "newcomer"})
    assert response.location.startswith("/auth/eds/account")
    page = client.get(response.location).get_data(as_text=True)
    assert "АХМЕТОВА САУЛЕ БОЛАТОВНА" in page and translated("ru", "Test signature (demo)") in page
    assert translated("ru", "First head", context="certificate holder") in page


def test_without_the_demo_no_test_key_signs(client):
    page = client.get("/auth/eds").get_data(as_text=True)
    assert 'name="person"' not in page
    response = client.post("/auth/eds", data={"csrf_token": csrf_from(page), "person": "newcomer"})
    assert response.status_code == 400 and client_email(client) is None


def test_a_demo_folder_made_once_is_read_back_with_the_same_ca(tmp_path):
    from grants.signatures.demo import DemoCA

    first = DemoCA(tmp_path / "eds-demo")
    again = DemoCA(tmp_path / "eds-demo")
    der = serialization.Encoding.DER
    assert first.pki.root.certificate.public_bytes(der) == again.pki.root.certificate.public_bytes(der)
    assert first.holder("auth", iin=IIN).certificate == again.holder("auth", iin=IIN).certificate


def test_production_refuses_the_demo_keys_and_eds_without_trust_anchors():
    base = {"BAIQAU_ENV": "production", "SECRET_KEY": "x" * 32}
    with pytest.raises(ConfigError, match="BAIQAU_EDS_DEMO is refused in production"):
        from_environment({**base, "BAIQAU_EDS_DEMO": "instance/eds-demo"})
    with pytest.raises(ConfigError, match="needs BAIQAU_EDS_TRUST_ANCHORS"):
        from_environment({**base, "BAIQAU_EDS": "optional"})
    assert from_environment(base)["EDS"] == "off" and from_environment(base)["EDS_DEMO"] is None
    assert from_environment({"BAIQAU_ENV": "development"})["EDS_DEMO"].endswith("eds-demo")
    with pytest.raises(ConfigError, match="must be off, optional or required"):
        from_environment({"BAIQAU_ENV": "test", "BAIQAU_EDS": "yes"})
