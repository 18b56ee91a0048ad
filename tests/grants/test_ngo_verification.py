"""Who an NGO belongs to: registering a BIN proves nothing; a certificate of the legal entity (ЭЦП) or the
operator's check of its registration documents does. Unverified, an NGO writes drafts but does not submit; a head's
certificate reclaims an NGO someone else registered, and the operator and the former owner are told."""

import base64
import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from grants.applications import readiness
from grants.applications import services as app_services
from grants.audit import AuditEvent
from grants.extensions import db
from grants.mail import OutboxMessage
from grants.organizations.models import Membership, Organization
from tests.conftest import csrf_from, login, post_form, translated
from tests.factories import create_application, create_organization, create_user, make_bin, make_iin, ngo_profile_form
from tests.pki import sign

UNVERIFIED = ("Your NGO is not verified yet, so the application cannot be submitted. Sign in with the EDS of the NGO "
              "(the certificate of its head, or of an employee, with its BIN), or ask the grant operator to check its "
              "registration documents. The draft stays as it is.")


pytestmark = pytest.mark.usefixtures("trusted")


def sign_in_with_eds(client, key):
    page = client.get("/auth/eds").get_data(as_text=True)
    challenge = base64.b64decode(re.search(r'data-challenge="([^"]+)"', page).group(1))
    return client.post("/auth/eds", data={"csrf_token": csrf_from(page), "signature": sign(key, challenge)})


def linked(iin, *roles, email=None):
    user = create_user(*(roles or ("applicant",)), email=email)
    user.iin = iin
    db.session.commit()
    return user


def events(verb):
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == verb)
                              .order_by(AuditEvent.id)).scalars().all()


def test_an_unverified_ngo_writes_a_draft_but_does_not_submit(client):
    owner = create_user("applicant", locale="kk")
    application = create_application(owner=owner, org=create_organization(owner=owner, verified=False))
    with force_locale("kk"):
        assert translated("kk", UNVERIFIED) in readiness.problems(application)
        with pytest.raises(app_services.ApplicationError):
            app_services.submit(owner, application)
    db.session.rollback()
    assert application.status == "draft"
    login(client, owner.email)
    page = client.get(f"/organizations/{application.organization_id}?lang=kk").get_data(as_text=True)
    assert translated("kk", "Not verified yet") in page


def test_the_operator_verifies_an_ngo_by_its_documents_with_a_note(app, client):
    owner = create_user("applicant")
    org = create_organization(owner=owner, verified=False)
    application = create_application(owner=owner, org=org)
    operator = create_user("operator", locale="ru")
    login(client, operator.email)
    page = f"/organizations/{org.id}"
    empty = post_form(client, f"/organizations/{org.id}/verify", {"note": "  "}, page=page)
    assert empty.status_code == 302
    assert translated("ru", "Write which documents you checked and what they show.") in \
        client.get(page).get_data(as_text=True)
    db.session.refresh(org)
    assert not org.verified
    note = "Справка о госрегистрации от 12.03.2015, устав, приказ о назначении руководителя"
    post_form(client, f"/organizations/{org.id}/verify", {"note": note}, page=page)
    db.session.refresh(org)
    assert (org.verification, org.verified_by_id, org.verification_note) == ("documents", operator.id, note)
    assert [e.after for e in events("organization.verify")] == [{"verification": "documents", "note": note}]
    app_services.submit(owner, application)
    db.session.commit()
    assert application.status == "submitted"


def test_an_ngos_own_people_cannot_verify_it_by_documents(client):
    owner = create_user("applicant")
    org = create_organization(owner=owner, verified=False)
    login(client, owner.email)
    response = post_form(client, f"/organizations/{org.id}/verify", {"note": "я сам себя проверил"},
                         page=f"/organizations/{org.id}")
    assert response.status_code == 403
    db.session.refresh(org)
    assert not org.verified
    assert translated("en", "Verify by the registration documents") not in \
        client.get(f"/organizations/{org.id}").get_data(as_text=True)


def test_an_employees_certificate_of_the_bin_verifies_the_ngo_its_holder_acts_for(client, pki):
    member = linked(make_iin(81))
    org = create_organization(owner=member, verified=False)
    employee = pki.issue(iin=member.iin, bin=org.bin, organization="ҚБ ТЕСТ", role="employee")
    assert sign_in_with_eds(client, employee).status_code == 302
    db.session.refresh(org)
    assert (org.verification, org.verified_by_id) == ("eds", member.id)
    [event] = events("organization.verify")
    assert event.after["bin"] == org.bin and event.after["role"] == "employee"


def test_a_certificate_of_the_bin_does_nothing_for_an_ngo_its_holder_does_not_act_for(client, pki):
    stranger = linked(make_iin(82))
    org = create_organization(owner=create_user("applicant"), verified=False)
    assert sign_in_with_eds(client, pki.issue(iin=stranger.iin, bin=org.bin, role="employee")).status_code == 302
    db.session.refresh(org)
    assert not org.verified and not org.has_member(stranger)


def test_a_heads_certificate_reclaims_an_ngo_someone_else_registered(client, pki):
    squatter = create_user("applicant", email="squatter@example.kz")
    org = create_organization(owner=squatter, verified=False)
    operator = create_user("operator", email="operator@example.kz")
    head = linked(make_iin(83), email="head@example.kz")
    response = sign_in_with_eds(client, pki.issue(iin=head.iin, bin=org.bin, role="first_head"))
    assert response.status_code == 302
    db.session.expire_all()
    owners = db.session.execute(sa.select(Membership.user_id, Membership.is_owner)
                                .where(Membership.organization_id == org.id)).all()
    assert owners == [(head.id, True)]  # the squatter acts for it no more
    assert db.session.get(Organization, org.id).verification == "eds"
    [event] = events("organization.reclaim")
    assert event.before["owners"] == ["squatter@example.kz"] and event.after["owners"] == ["head@example.kz"]
    told = sorted(m.to for m in db.session.execute(sa.select(OutboxMessage)).scalars())
    assert told == sorted([squatter.email, operator.email])


def test_a_signer_registering_a_new_bin_after_eds_sign_in_is_verified_at_once(client, pki):
    head = linked(make_iin(84))
    bin_ = make_bin(8400)
    assert sign_in_with_eds(client, pki.issue(iin=head.iin, bin=bin_, role="signer")).status_code == 302
    response = post_form(client, "/organizations/register", ngo_profile_form(bin=bin_))
    assert response.status_code == 302
    org = db.session.execute(sa.select(Organization).where(Organization.bin == bin_)).scalar_one()
    assert org.verification == "eds" and org.has_member(head)


def test_registering_without_proof_leaves_the_ngo_unverified_and_says_how_to_verify(client):
    owner = create_user("applicant", locale="kk")
    login(client, owner.email)
    response = post_form(client, "/organizations/register", ngo_profile_form(bin=make_bin(8500)))
    assert response.status_code == 302
    org = db.session.execute(sa.select(Organization).where(Organization.bin == make_bin(8500))).scalar_one()
    assert not org.verified
    assert translated("kk", UNVERIFIED) in client.get(response.location).get_data(as_text=True)


def test_a_registered_bin_is_refused_with_the_way_to_reclaim_it(client):
    org = create_organization(owner=create_user("applicant"))
    login(client, create_user("applicant", locale="ru").email)
    response = post_form(client, "/organizations/register", ngo_profile_form(bin=org.bin))
    assert response.status_code == 400
    assert translated("ru", "An NGO with the BIN %(bin)s is already registered. Ask its owner to invite you. If you "
                            "are its head or sign for it, sign in with the EDS of the NGO: it passes to you.") \
        .replace("%(bin)s", org.bin) in response.get_data(as_text=True)
