"""A self-registered account proves its e-mail by a mailed link before it acts: it reads, but changes nothing,
until then. Accounts an administrator, the command line or the demo opened are vouched for."""

import re
from datetime import timedelta

import sqlalchemy as sa

from grants.audit import AuditEvent
from grants.auth import services
from grants.auth.models import User
from grants.db import utcnow
from grants.extensions import db
from grants.mail import OutboxMessage
from tests.conftest import csrf_from, post_form, translated
from tests.factories import create_user, make_bin, ngo_profile_form

PASSWORD = "Арал-теңізі-2026"


def register(client, email="marat@aral.kz", lang="kk"):
    client.get(f"/?lang={lang}")
    return post_form(client, "/auth/register", {"full_name": "Марат Жұмабаев", "email": email,
                                                "password": PASSWORD, "confirm": PASSWORD})


def mailed_link(email):
    letters = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.to == email)
                                 .order_by(OutboxMessage.id)).scalars().all()
    return [re.search(r"https?://\S+/auth/verify-email/\S+", m.body).group(0) for m in letters]


def path_of(link):
    return link[link.index("/auth/"):]


def test_a_self_registered_account_reads_but_does_not_act_until_its_link_is_opened(client):
    response = register(client)
    assert response.status_code == 302 and response.location == "/organizations/register"
    page = client.get(response.location).get_data(as_text=True)
    assert translated("kk", "We mailed a link to %(email)s. Open it to confirm the address: until then you can look "
                            "around, but not register an NGO or submit.").replace("%(email)s", "marat@aral.kz") in page
    refused = post_form(client, "/organizations/register", ngo_profile_form(bin=make_bin(6100)))
    assert refused.status_code == 302 and refused.location == "/account/"
    assert translated("kk", "Confirm your e-mail first: open the link we mailed to %(email)s. No letter? Ask for a new "
                            "one on your account page.").replace("%(email)s", "marat@aral.kz") in \
        client.get("/account/").get_data(as_text=True)
    [link] = mailed_link("marat@aral.kz")
    opened = client.get(path_of(link))
    assert opened.status_code == 200
    assert translated("kk", "Your e-mail %(email)s is confirmed.").replace("%(email)s", "marat@aral.kz") in \
        opened.get_data(as_text=True)
    user = db.session.execute(sa.select(User).where(User.email == "marat@aral.kz")).scalar_one()
    assert user.email_verified_at is not None
    assert [e.object_id for e in db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.verb == "user.verify_email")).scalars()] == [str(user.id)]
    registered = post_form(client, "/organizations/register", ngo_profile_form(bin=make_bin(6100)))
    assert registered.status_code == 302 and registered.location.startswith("/organizations/")


def test_the_link_is_good_for_its_address_and_its_days_only(app, client):
    register(client)
    user = db.session.execute(sa.select(User).where(User.email == "marat@aral.kz")).scalar_one()
    stale = services.verification_token(user, now=utcnow() - timedelta(days=services.VERIFY_DAYS, minutes=1))
    for token in (stale, "not-a-token", services.verification_token(user)[:-2] + "xx"):
        response = client.get(f"/auth/verify-email/{token}?lang=ru")
        assert response.status_code == 400
        assert translated("ru", "This link cannot be used: it has expired or is not for this address. Sign in and ask "
                                "for a new link.") in response.get_data(as_text=True)
    token = services.verification_token(user)
    user.email = "other@aral.kz"  # the address changed since the link was mailed
    db.session.commit()
    assert client.get(f"/auth/verify-email/{token}").status_code == 400
    db.session.refresh(user)
    assert user.email_verified_at is None


def test_a_new_link_on_request_at_most_three_an_hour(client):
    register(client)
    page = client.get("/account/?lang=kk").get_data(as_text=True)
    assert translated("kk", "Mail the link again") in page
    for _ in range(3):
        client.post("/account/verify-email", data={"csrf_token": csrf_from(page)})
    assert len(mailed_link("marat@aral.kz")) == 3  # the first at registration, two on request
    client.post("/account/verify-email", data={"csrf_token": csrf_from(page)})
    assert len(mailed_link("marat@aral.kz")) == 3
    assert translated("kk", "A link was mailed to %(email)s a moment ago. Look for it in the mailbox (and in spam); a "
                            "new one can be asked for within an hour.").replace("%(email)s", "marat@aral.kz") in \
        client.get("/account/").get_data(as_text=True)


def test_accounts_opened_by_an_administrator_are_vouched_for():
    admin = create_user("admin")
    user, _password = services.create_user(admin, "staff@example.kz", "Staff", ["operator"])
    assert user.email_verified_at is not None and admin.email_verified_at is not None
    newcomer, _password = services.create_user(services.SELF_REGISTRATION, "self@example.kz", "Self", ["applicant"],
                                               PASSWORD)
    assert newcomer.email_verified_at is None
