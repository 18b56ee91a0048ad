"""Sealed intake: until the call's deadline its applications are their NGO's alone. Nobody else reads one, the
grant operator included; what is seen is their count by language and region. The operator may open one early for
a reason, which is audited and published on the call's page once the deadline has passed."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.applications import eligibility, seal
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST, EligibilityReview, Status
from grants.audit import AuditEvent
from grants.auth.models import Role
from grants.db import utcnow
from grants.extensions import db
from grants.reference.models import CustomerBody, Region
from tests.conftest import login, post_form, translated
from tests.factories import PDF, create_application, create_call, create_organization, create_user, end_intake

ALL_PASS = {code: True for code, _label in CHECKLIST}
REASON = "Обращение НПО: устав не открывается. Проверена целостность файла."


@pytest.fixture
def intake(app, tmp_path):
    """A call in intake with three submitted applications (two in Kazakh from Kyzylorda, one in Russian from
    Almaty) and a draft, and a person of every role who is not of the applying NGOs."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    call = create_call()
    owner = create_user("applicant", locale="ru")
    mine = create_application(owner=owner, call=call, language="ru", org=create_organization(owner=owner),
                              submit=False)
    app_services.add_document(owner, mine, "charter", io.BytesIO(PDF), "устав.pdf")
    app_services.submit(owner, mine)
    others = []
    for _ in range(2):
        head = create_user("applicant")
        others.append(create_application(owner=head, call=call, language="kk", submit=True,
                                         org=create_organization(owner=head, kato="430000000")))
    draft = create_application(call=call, language="ru")
    people = {role: create_user(role.value, locale="ru") for role in Role}
    people[Role.customer].customer_body_id = call.customer_id
    people["other ngo"] = create_user("applicant", locale="ru")
    db.session.commit()
    return call, owner, mine, others, draft, people


def sealed_message(call):
    # the deadline as the page shows it, in Astana time (UTC+5), written here rather than taken from the code
    shown = (call.deadline_at + timedelta(hours=5)).strftime("%d.%m.%Y %H:%M")
    return translated("ru", "Applications to this call are sealed until its deadline, %(deadline)s: nobody reads "
                            "them before it, the grant operator included.", deadline=shown)


def fetch(client, url):
    """A page or a download, read whole and closed."""
    with client.get(url) as response:
        response.get_data()
        return response


def pages_of(application):
    base = f"/applications/{application.id}"
    return [base, f"{base}/receipt", f"{base}/versions/1", f"{base}/documents/{application.documents[0].id}",
            f"/manage{base}/review"]


def test_before_the_deadline_only_its_ngo_reads_a_submitted_application(app, intake):
    call, owner, mine, _others, _draft, people = intake
    for who in (*Role, "other ngo"):
        client = app.test_client()
        login(client, people[who].email)
        for url in pages_of(mine):
            response = fetch(client, url)
            assert response.status_code == 403, (who, url)
            if who in (Role.operator, Role.admin, Role.customer):
                assert sealed_message(call) in response.get_data(as_text=True), (who, url)
    client = app.test_client()
    login(client, owner.email)
    for url in pages_of(mine)[:4]:
        assert fetch(client, url).status_code == 200, url


def test_once_the_deadline_passes_the_operator_and_the_customer_read_it(app, intake):
    call, _owner, mine, _others, _draft, people = intake
    end_intake(call)
    db.session.commit()
    for who in (Role.operator, Role.admin, Role.customer):
        client = app.test_client()
        login(client, people[who].email)
        for url in pages_of(mine):
            assert fetch(client, url).status_code == 200, (who, url)


def test_the_readers_of_every_application_at_once_wait_for_the_deadline(client, intake):
    call, _owner, _mine, _others, _draft, people = intake
    login(client, people[Role.operator].email)
    wide = [f"/manage/calls/{call.id}/applications/answers.xlsx", f"/manage/calls/{call.id}/integrity"]
    for url in wide:
        response = client.get(url)
        assert response.status_code == 403 and sealed_message(call) in response.get_data(as_text=True), url
    listing = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    for url in wide:
        assert url not in listing  # the list links nothing its viewer may not open
    end_intake(call)
    db.session.commit()
    for url in wide:
        assert fetch(client, url).status_code == 200, url
        assert url in client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)


def test_eligibility_is_not_decided_while_the_application_is_sealed(client, intake):
    call, _owner, mine, _others, _draft, people = intake
    operator = people[Role.operator]
    with pytest.raises(app_services.ApplicationError, match="sealed"):
        eligibility.review(operator, mine, "eligible", ALL_PASS)
    db.session.rollback()
    login(client, operator.email)
    response = post_form(client, f"/manage/applications/{mine.id}/review", {"outcome": "eligible"},
                         page="/")
    assert response.status_code == 403
    assert db.session.get(type(mine), mine.id).status == Status.submitted
    assert db.session.execute(sa.select(sa.func.count(EligibilityReview.id))).scalar_one() == 0
    end_intake(call)
    eligibility.review(operator, mine, "eligible", ALL_PASS)
    assert mine.status == Status.eligible


def test_while_sealed_the_list_counts_by_language_and_region_and_links_no_application(client, intake):
    call, _owner, mine, others, draft, people = intake
    login(client, people[Role.operator].email)
    page = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    for application in (mine, *others):
        assert application.receipt_number in page
        assert f"/manage/applications/{application.id}/review" not in page
        assert f"/manage/applications/{application.id}/open-early" in page
    assert f"/applications/{draft.id}" not in page
    regions = {r.kato: r for r in db.session.execute(sa.select(Region)).scalars()}
    table = page[page.index(translated("ru", "Counts by region")):]
    kyzylorda, almaty = regions["430000000"].name_ru, regions["750000000"].name_ru
    # two from Kyzylorda, one from Almaty; Almaty (75…) comes after Kyzylorda (43…) in KATO order
    assert f'{kyzylorda}</th><td class="num">2</td>' in table and f'{almaty}</th><td class="num">1</td>' in table
    assert table.index(kyzylorda) < table.index(almaty)
    assert translated("ru", "sealed") in page


def test_an_early_opening_needs_a_reason_is_audited_and_opens_the_application_to_the_staff(app, client, intake):
    call, owner, mine, _others, _draft, people = intake
    login(client, people[Role.operator].email)
    url = f"/manage/applications/{mine.id}/open-early"
    refused = post_form(client, url, {"reason": "  "})
    assert refused.status_code == 400
    assert translated("ru", "This field is required.") in refused.get_data(as_text=True)
    assert seal.sealed(db.session.get(type(mine), mine.id))

    response = post_form(client, url, {"reason": REASON})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/applications/{mine.id}/review")
    db.session.expire_all()
    assert not seal.sealed(mine)
    assert mine.opened_early_by_id == people[Role.operator].id and mine.opened_early_reason == REASON
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "application.open_early")).scalar_one()
    assert event.object_id == str(mine.id) and event.after["reason"] == REASON
    assert event.actor_id == people[Role.operator].id
    assert client.get(f"/manage/applications/{mine.id}/review").status_code == 200
    listing = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    assert f"/manage/applications/{mine.id}/review" in listing and REASON in listing

    ngo = app.test_client()  # the NGO reads on its own page that, when and why its application was opened
    login(ngo, owner.email)
    opened = ngo.get(f"/applications/{mine.id}").get_data(as_text=True)
    assert translated("ru", "The grant operator opened this application before the deadline, on %(when)s, for this "
                            "reason:", when=(mine.opened_early_at + timedelta(hours=5)).strftime("%d.%m.%Y %H:%M")) \
        in opened and REASON in opened

    again = post_form(client, url, {"reason": REASON}, page="/")
    assert again.status_code == 400
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id))
                              .where(AuditEvent.verb == "application.open_early")).scalar_one() == 1


@pytest.mark.parametrize("who", [Role.customer, Role.expert, Role.analyst, Role.commission, Role.observer,
                                 Role.applicant])
def test_only_the_grant_operator_opens_an_application_early(client, intake, who):
    _call, _owner, mine, _others, _draft, people = intake
    login(client, people[who].email)
    response = post_form(client, f"/manage/applications/{mine.id}/open-early", {"reason": REASON},
                         page="/")
    assert response.status_code == 403
    db.session.expire_all()
    assert mine.opened_early_at is None
    with pytest.raises(seal.SealError):
        seal.open_early(people[who], mine, REASON)


def test_an_early_opening_is_refused_for_a_draft_after_the_deadline_and_without_a_reason(intake):
    call, _owner, mine, _others, draft, people = intake
    operator = people[Role.operator]
    for application, reason, says in ((draft, REASON, "draft"), (mine, "", "reason"),
                                      (mine, "x" * (seal.MAX_REASON + 1), "too long")):
        with pytest.raises(seal.SealError, match=says):
            seal.open_early(operator, application, reason)
    end_intake(call)
    with pytest.raises(seal.SealError, match="deadline has passed"):
        seal.open_early(operator, mine, REASON)
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id))
                              .where(AuditEvent.verb == "application.open_early")).scalar_one() == 0


def test_the_openings_are_published_on_the_call_page_once_the_deadline_has_passed(client, intake):
    call, _owner, mine, _others, _draft, people = intake
    seal.open_early(people[Role.operator], mine, REASON)
    db.session.commit()
    heading = translated("ru", "Applications opened before the deadline")
    before = client.get(f"/calls/{call.id}?lang=ru").get_data(as_text=True)
    assert heading not in before and REASON not in before
    end_intake(call)
    db.session.commit()
    after = client.get(f"/calls/{call.id}?lang=ru").get_data(as_text=True)
    section = after[after.index(heading):]
    assert mine.receipt_number in section and REASON in section


def test_a_customer_body_reads_nothing_of_another_bodys_call_even_after_the_deadline(client, intake):
    call, _owner, mine, _others, _draft, people = intake
    other = db.session.execute(sa.select(CustomerBody).where(CustomerBody.id != call.customer_id)).scalars().first()
    people[Role.customer].customer_body_id = other.id
    end_intake(call)
    db.session.commit()
    login(client, people[Role.customer].email)
    assert client.get(f"/applications/{mine.id}").status_code == 403


def test_sealed_is_decided_by_the_deadline_to_the_second(intake):
    call, _owner, mine, _others, _draft, _people = intake
    assert seal.sealed(mine, now=call.deadline_at - timedelta(seconds=1))
    assert not seal.sealed(mine, now=call.deadline_at)
    assert seal.call_sealed(call, now=utcnow())
