"""NGO profiles: registration by BIN, editing by its staff, invitations, self-registration."""

import pytest
import sqlalchemy as sa

from grants.auth.models import Role, User
from grants.extensions import db
from grants.i18n import astana_today
from grants.organizations import services
from grants.organizations.models import Organization
from tests.conftest import login, post_form, translated
from tests.factories import create_organization, create_user, make_bin, ngo_profile_form


def profile(**overrides):
    return ngo_profile_form(**overrides)


def applicant_client(app, email="marat@example.kz"):
    create_user("applicant", email=email)
    client = app.test_client()
    login(client, email)
    client.get("/?lang=en")
    return client


def test_an_ngo_registers_by_a_valid_bin_and_its_registrar_owns_it(app):
    client = applicant_client(app)
    bin_ = make_bin(4242)
    response = post_form(client, "/organizations/register", profile(bin=bin_))
    assert response.status_code == 302
    org = db.session.execute(sa.select(Organization).where(Organization.bin == bin_)).scalar_one()
    assert org.region.kato == "430000000"
    assert [(m.user.email, m.is_owner) for m in org.memberships] == [("marat@example.kz", True)]
    assert sorted(d.code for d in org.directions) == [6, 11]


def test_a_bin_with_a_wrong_check_digit_is_refused_and_the_form_kept(app):
    client = applicant_client(app)
    good = make_bin(4243)
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    response = post_form(client, "/organizations/register", profile(bin=bad))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "check digit does not match" in page
    assert "Общественный фонд «Приаралье»" in page or "Общественный фонд &#171;Приаралье&#187;" in page


def test_a_bin_that_is_not_a_legal_entity_is_refused(app):
    client = applicant_client(app)
    response = post_form(client, "/organizations/register", profile(bin="061211600012"))
    assert response.status_code == 400
    assert "fifth digit" in response.get_data(as_text=True)


def test_an_ngo_registered_twice_is_refused(app):
    existing = create_organization(owner=create_user("applicant"))
    client = applicant_client(app)
    response = post_form(client, "/organizations/register", profile(bin=existing.bin))
    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)


def test_the_owner_invites_a_colleague_with_an_account(app):
    owner = create_user("applicant", email="owner@example.kz")
    org = create_organization(owner=owner)
    colleague = create_user("expert", email="colleague@example.kz")
    client = app.test_client()
    login(client, owner.email)
    response = post_form(client, f"/organizations/{org.id}/invite", {"email": "Colleague@example.kz"},
                         page=f"/organizations/{org.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).has_member(colleague)
    assert db.session.get(User, colleague.id).roles == {Role.expert, Role.applicant}


def test_an_invited_email_joins_the_ngo_when_it_registers(app, client):
    owner = create_user("applicant", email="owner@example.kz")
    org = create_organization(owner=owner)
    login(client, owner.email)
    post_form(client, f"/organizations/{org.id}/invite", {"email": "new@example.kz"}, page=f"/organizations/{org.id}")
    post_form(client, "/auth/logout", page="/")
    response = post_form(client, "/auth/register", {"full_name": "Жаңа Қызметкер", "email": "new@example.kz",
                                                    "password": "strong-pass-2026", "confirm": "strong-pass-2026"})
    assert response.status_code == 302
    db.session.expire_all()
    newcomer = db.session.execute(sa.select(User).where(User.email == "new@example.kz")).scalar_one()
    assert db.session.get(Organization, org.id).has_member(newcomer)
    assert newcomer.roles == {Role.applicant}


def test_only_the_owner_invites(app):
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    member = create_user("applicant")
    services.add_member(owner, org, member)
    db.session.commit()
    client = app.test_client()
    login(client, member.email)
    client.get("/?lang=en")
    response = post_form(client, f"/organizations/{org.id}/invite", {"email": "x@example.kz"},
                         page=f"/organizations/{org.id}")
    assert "owner invites colleagues" in client.get(response.location).get_data(as_text=True)


def test_another_ngos_staff_cannot_edit_the_profile(app):
    org = create_organization(owner=create_user("applicant"))
    client = applicant_client(app)
    assert client.get(f"/organizations/{org.id}/edit").status_code == 403
    assert post_form(client, f"/organizations/{org.id}/edit", profile(), page="/organizations/").status_code == 403


def test_self_registration_refuses_a_weak_password_and_keeps_the_name(app, client):
    client.get("/?lang=en")
    response = post_form(client, "/auth/register", {"full_name": "Айгерім Нұрланқызы", "email": "a@example.kz",
                                                    "password": "short", "confirm": "short"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at least 10 characters" in page and 'value="Айгерім Нұрланқызы"' in page


def test_a_filing_year_still_to_come_is_refused_on_registration_and_edit(app):
    this_year = astana_today().year
    client = applicant_client(app)
    for future, lang in ((this_year + 1, "en"), (2031, "kk")):
        client.get(f"/?lang={lang}")
        response = post_form(client, "/organizations/register", profile(bin=make_bin(4250), registry_year=str(future)))
        assert response.status_code == 400, lang
        page = response.get_data(as_text=True)
        assert translated(lang, "The last filing to the national NGO database cannot be in %(year)d: that year "
                                "has not come yet. Give the year of the filing already made, %(now)d at the latest.",
                          year=future, now=this_year) in page
    assert db.session.execute(sa.select(Organization).where(Organization.bin == make_bin(4250))).first() is None
    # This year's filing is fine; editing it to next year is refused by the same rule.
    client.get("/?lang=en")
    assert post_form(client, "/organizations/register",
                     profile(bin=make_bin(4250), registry_year=str(this_year))).status_code == 302
    org = db.session.execute(sa.select(Organization).where(Organization.bin == make_bin(4250))).scalar_one()
    owner = org.memberships[0].user
    data = {k: getattr(org, k) for k in services.PROFILE_FIELDS} | {"registry_year": this_year + 1}
    with pytest.raises(services.OrganizationError, match="has not come yet"):
        services.update(owner, org, data, org.directions)
