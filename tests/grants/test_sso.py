"""The state social order from the customer's specification to the contract: offers priced per item, price
points computed by the stated formula, the contract refused for anyone but the winner and at any other price.

The figures are worked by hand below, never read back from the code under test.

The topic's specification (tests/factories.py, SPEC_ITEMS): 120 consultations at most 15 000 ₸ each and 40
training days at most 50 000 ₸ each. Three offers:

    A: 120 × 12 000 + 40 × 45 000 = 1 440 000 + 1 800 000 = 3 240 000 ₸
    B: 120 × 15 000 + 40 × 50 000 = 1 800 000 + 2 000 000 = 3 800 000 ₸
    C: 150 × 10 000 + 40 × 40 000 = 1 500 000 + 1 600 000 = 3 100 000 ₸   (the lowest; C commits to 30 more)

Price points, 10 for the lowest and 10 × lowest ÷ own for the others, to hundredths:

    A: 10 × 3 100 000 / 3 240 000 = 9.5679… → 9.57
    B: 10 × 3 100 000 / 3 800 000 = 8.1578… → 8.16
    C: 10

One expert scores the three criteria (relevance, innovation, feasibility; each out of 10):
A 9+9+9 = 27, B 10+10+10 = 30, C 6+6+6 = 18. The totals: A 36.57, B 38.16, C 28.00 — B wins at its price.
"""

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from grants.agreements import services as agreements
from grants.agreements.models import Agreement
from grants.applications import eligibility, readiness
from grants.applications import services as app_services
from grants.applications.models import OfferLine, Status
from grants.audit import AuditEvent
from grants.calls import services as call_services
from grants.extensions import db
from grants.i18n import astana_today
from grants.reference.models import Region
from scoring import ranking
from scoring.assignments import services as assignments
from scoring.commission import services as commission
from scoring.price import price_points
from scoring.sheets import services as sheets
from tests.conftest import translated
from tests.factories import (
    PDF,
    SPEC_ITEMS,
    create_call,
    create_organization,
    create_user,
    end_intake,
    in_time,
    operator,
    roll_call,
    topic_data,
)
from tests.worlds import ALL_PASS, convene_with_quorum, enrol, fill_sheet, sheet_of

OFFERS = {  # (volume, unit price) for each of the two services
    "A": [("120", "12000.00"), ("40", "45000.00")],
    "B": [("120", "15000.00"), ("40", "50000.00")],
    "C": [("150", "10000.00"), ("40", "40000.00")],
}
TOTALS = {"A": Decimal("3240000.00"), "B": Decimal("3800000.00"), "C": Decimal("3100000.00")}
PRICE_POINTS = {"A": Decimal("9.57"), "B": Decimal("8.16"), "C": Decimal("10.00")}
EXPERT_POINTS = {"A": 9, "B": 10, "C": 6}
SCORES = {"A": Decimal("36.57"), "B": Decimal("38.16"), "C": Decimal("28.00")}


def regions(*katos):
    return db.session.execute(sa.select(Region).where(Region.kato.in_(katos))).scalars().all()


def sso_call():
    call = create_call(instrument="sso", criteria_set="", experts_per_application=1)
    call.topics[0].grants_count = 1
    db.session.commit()
    return call


def offer_rows(call, prices):
    return [{"spec_item_id": item.id, "approach": f"Услуга «{item.service_ru}» в Астане, по графику.",
             "volume": Decimal(volume), "unit_price": Decimal(price)}
            for item, (volume, price) in zip(call.topics[0].spec_items, prices, strict=True)]


def write(call, prices, language="ru"):
    """An NGO's offer written on the SSO form and kept as a draft."""
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    offer = app_services.start(owner, call.topics[0], org, language, now=in_time(call))
    db.session.flush()
    texts = {code: "Центр помощи семьям работает в Астане с 2015 года." for code in
             ("summary", "problem", "approach", "target_groups", "team")}
    app_services.save(owner, offer, {"title": f"Предложение {org.bin}", "language": language, "beneficiaries": 300,
                                     "duration_months": 10, **texts},
                      activities=[{"activity": "Консультации и обучение", "start_month": 1, "end_month": 10,
                                   "output": "Отчет"}],
                      offer=offer_rows(call, prices))
    app_services.add_document(owner, offer, "charter", io.BytesIO(PDF), "charter.pdf")
    db.session.commit()
    return offer


def submitted(call, prices):
    offer = write(call, prices)
    app_services.submit(offer.created_by, offer, now=in_time(call))
    end_intake(call)
    eligibility.review(operator(), offer, "eligible", ALL_PASS)
    db.session.commit()
    return offer


def scored():
    """The three offers, admitted and scored by one expert."""
    call = sso_call()
    offers = {name: submitted(call, prices) for name, prices in OFFERS.items()}
    expert = enrol(languages=("ru",))
    sheets.use_default_criteria(operator(), call)
    assignments.assign(operator(), call)
    for a in assignments.call_assignments(call):
        assignments.declare(a.expert.user, a)
    for name, offer in offers.items():
        points = [EXPERT_POINTS[name]] * 3
        sheets.submit(expert.user, fill_sheet(call, sheet_of(call, offer, expert), expert, points))
    db.session.commit()
    return call, offers


def test_the_offer_total_is_every_service_at_its_committed_volume_and_offered_price(app):
    call = sso_call()
    for name, prices in OFFERS.items():
        offer = write(call, prices)
        assert offer.offer_total == TOTALS[name] == offer.price
        assert [line.total for line in offer.offer_lines] == [Decimal(v) * Decimal(p) for v, p in prices]


@pytest.mark.parametrize("language, volume, price, message", [
    ("ru", "119", "12000.00", "Не меньше 120"),
    ("kk", "119", "12000.00", "Кемінде 120"),
    ("ru", "120", "15000.01", "Не более 15"),
    ("kk", "120", "15000.01", "Бірлігі үшін ең көбі 15"),
])
def test_an_offer_below_the_volume_or_above_the_maximum_price_is_refused_and_nothing_changes(
        app, language, volume, price, message):
    from flask_babel import force_locale

    call = sso_call()
    offer = write(call, OFFERS["A"])
    before = [(line.volume, line.unit_price) for line in offer.offer_lines]
    with force_locale(language), pytest.raises(app_services.ApplicationError) as refused:
        app_services.save(offer.created_by, offer, {"title": offer.title, "language": "ru"},
                          offer=offer_rows(call, [(volume, price), OFFERS["A"][1]]))
    db.session.rollback()
    assert message in str(refused.value)
    db.session.refresh(offer)
    assert [(line.volume, line.unit_price) for line in offer.offer_lines] == before


def test_an_offer_on_a_service_of_another_topic_is_refused(app):
    call, other = sso_call(), sso_call()
    offer = write(call, OFFERS["A"])
    rows = offer_rows(call, OFFERS["A"])
    rows[0]["spec_item_id"] = other.topics[0].spec_items[0].id
    with pytest.raises(app_services.ApplicationError, match="not in the topic's specification"):
        app_services.save(offer.created_by, offer, {"title": offer.title, "language": "ru"}, offer=rows)


def test_an_offer_missing_a_service_cannot_be_submitted(app):
    call = sso_call()
    offer = write(call, OFFERS["A"])
    app_services.save(offer.created_by, offer, {"title": offer.title, "language": "ru"},
                      activities=[{"activity": "Консультации", "start_month": 1, "end_month": 10, "output": ""}],
                      offer=offer_rows(call, OFFERS["A"])[:1])
    db.session.commit()
    found = readiness.problems(offer)
    assert any("service 2" in p and "День обучения" in p for p in found), found
    with pytest.raises(app_services.ApplicationError):
        app_services.submit(offer.created_by, offer)
    assert offer.status == Status.draft


def test_the_topic_needs_a_specification_within_its_amount(app):
    call = create_call(published=False, instrument="sso", criteria_set="")
    data = topic_data(amount_cap=Decimal("3000000.00"))  # the factory's services at their maximum: 3 800 000
    with pytest.raises(call_services.CallError, match="3,800,000.00"):
        call_services.save_topic(operator(), call, None, data, regions("750000000"), [dict(i) for i in SPEC_ITEMS])
    with pytest.raises(call_services.CallError, match="at least one service"):
        call_services.save_topic(operator(), call, None, topic_data(), regions("750000000"), [])
    db.session.rollback()


def test_a_call_without_a_specification_is_not_published(app):
    call = create_call(published=False, instrument="sso", criteria_set="")
    call.topics[0].spec_items = []
    db.session.flush()
    with pytest.raises(call_services.CallError, match="no technical specification"):
        call_services.publish(operator(), call)


def test_experts_do_not_score_the_price_and_the_price_points_follow_the_formula(app):
    call, offers = scored()
    assert [c.code for c in sheets.criteria(call)] == ["REL", "INN", "FEA"]
    assert sheets.rules(call).price_points == 10
    rows = {row.application.id: row for topic_rows in ranking.ranking(call).values() for row in topic_rows}
    for name, offer in offers.items():
        row = rows[offer.id]
        assert (row.offer_total, row.price_points, row.score) == (TOTALS[name], PRICE_POINTS[name], SCORES[name])
        assert row.experts_score == 3 * EXPERT_POINTS[name]
    assert [rows[offers[n].id].rank for n in "BAC"] == [1, 2, 3]


def test_price_points_of_equal_offers_and_of_an_offer_not_yet_priced():
    assert price_points({1: Decimal("100"), 2: Decimal("100")}, 10) == {1: Decimal("10.00"), 2: Decimal("10.00")}
    assert price_points({1: Decimal("100"), 2: Decimal("0")}, 10) == {1: Decimal("10.00"), 2: Decimal("0.00")}
    assert price_points({1: Decimal("300"), 2: Decimal("200")}, 15) == {1: Decimal("10.00"), 2: Decimal("15.00")}


def test_a_grant_call_has_no_price_to_score(app):
    call = create_call()
    data = {k: getattr(sheets.rules(call), k) for k in sheets.RULE_FIELDS} | {"price_points": 5}
    with pytest.raises(sheets.ScoringError, match="price"):
        sheets.set_rules(operator(), call, data)


def decided():
    call, offers = scored()
    meeting = convene_with_quorum(call)
    roll_call(meeting, offers["B"], "awarded")
    roll_call(meeting, offers["A"], "reserve")
    roll_call(meeting, offers["C"], "rejected", "Ниже других по качеству.")
    commission.approve(operator(), meeting)
    commission.publish(operator(), meeting)
    db.session.commit()
    return call, offers


def register(call, offer, price):
    today = astana_today()
    return agreements.register_contract(operator(), call.topics[0], offer.organization.bin, "ГСЗ-17",
                                        "ZK-2026-001", Decimal(price), today, today.replace(year=today.year + 1),
                                        "", "ru")


def test_the_contract_is_only_with_the_winner_at_its_offered_price_with_the_specification_as_its_terms(app):
    call, offers = decided()
    contracts = sa.select(sa.func.count()).select_from(Agreement)
    for name, price in (("A", TOTALS["A"]), ("C", TOTALS["C"])):
        with pytest.raises(agreements.AgreementError, match="did not win"):
            register(call, offers[name], price)
    with pytest.raises(agreements.AgreementError, match="3,800,000.00"):
        register(call, offers["B"], TOTALS["A"])
    db.session.rollback()
    assert db.session.execute(contracts).scalar_one() == 0
    contract = register(call, offers["B"], TOTALS["B"])
    db.session.commit()
    assert contract.amount == TOTALS["B"] and contract.application_id == offers["B"].id
    assert [(i.name, i.unit, i.baseline, i.target) for i in contract.indicators] == [
        ("Психологическая консультация", "консультация", 0, 120), ("День обучения", "день", 0, 40)]
    assert [(b.item, b.planned) for b in contract.budget_lines] == [
        ("Психологическая консультация", Decimal("1800000.00")), ("День обучения", Decimal("2000000.00"))]
    assert db.session.query(AuditEvent).filter(AuditEvent.verb == "agreement.register_contract").count() == 1
    with pytest.raises(agreements.AgreementError, match="already has contract"):
        register(call, offers["B"], TOTALS["B"])


def test_the_public_results_show_each_offer_and_its_price_points(app, client):
    call, offers = decided()
    page = client.get(f"/calls/{call.id}/results")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("A", "B"):
        assert offers[name].organization.bin in text
    assert "8,16" in text or "8.16" in text
    assert "9,57" in text or "9.57" in text


def test_the_specification_is_on_the_public_page_of_the_call(app, client):
    call = sso_call()
    text = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Психологическая консультация" in text or "Психологиялық кеңес" in text
    assert db.session.execute(sa.select(sa.func.count()).select_from(OfferLine)).scalar_one() == 0


def test_the_applicant_writes_the_offer_on_its_page_and_an_over_price_is_marked_in_kazakh_typing_kept(app, client):
    from tests.conftest import csrf_token, login

    call = sso_call()
    offer = write(call, OFFERS["A"], language="kk")
    login(client, offer.created_by.email)
    client.get("/?lang=kk")
    url = f"/applications/{offer.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Психологиялық кеңес" in page and "Оқыту күні" in page  # the services in the page's language
    assert "3\u00a0240\u00a0000,00" in page  # A's total
    first, second = call.topics[0].spec_items
    form = {"csrf_token": csrf_token(client, url), "revision": str(offer.revision), "title": offer.title,
            "language": "kk", "summary": "Жоғалмауы тиіс мәтін",
            "offer-0-spec_item_id": str(first.id), "offer-0-approach": "Кеңес беру", "offer-0-volume": "120",
            "offer-0-unit_price": "16000", "offer-1-spec_item_id": str(second.id), "offer-1-approach": "Оқыту",
            "offer-1-volume": "40", "offer-1-unit_price": "45000"}
    response = client.post(url, data=form)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Бірлігі үшін ең көбі 15\u00a0000,00\u00a0₸" in text and "Жоғалмауы тиіс мәтін" in text
    assert 'value="16000"' in text
    db.session.expire_all()
    assert [line.unit_price for line in db.session.get(type(offer), offer.id).offer_lines] == [
        Decimal("12000.00"), Decimal("45000.00")]
    form["offer-0-unit_price"] = "11000"
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(offer), offer.id).offer_total == Decimal("120") * 11000 + Decimal("40") * 45000


def test_the_operator_writes_the_specification_on_the_topic_page(app, client):
    from tests.conftest import csrf_token, login

    call = create_call(published=False, instrument="sso", criteria_set="")
    topic = call.topics[0]
    login(client, operator().email)
    client.get("/?lang=ru")
    url = f"/manage/calls/{call.id}/topics/{topic.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Психологическая консультация" in page and "Техническая спецификация" in page
    data = {k: v for k, v in topic_data().items() if k != "direction_id"} | {
        "direction_id": str(topic.direction_id), "regions": [str(r.id) for r in topic.regions],
        "problem_ru": "Нет доступа к психологам", "csrf_token": csrf_token(client, url)}
    for n, item in enumerate(SPEC_ITEMS[:1]):
        data |= {f"spec-{n}-{k}": str(v) for k, v in item.items()}
    data |= {"spec-1-service_kk": "Тренинг"}  # a half-written line: said, and nothing saved
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "Укажите услугу и единицу измерения на обоих языках" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(type(topic), topic.id).spec_items) == 2
    del data["spec-1-service_kk"]
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(type(topic), topic.id)
    assert [(i.service_ru, i.volume, i.max_price) for i in saved.spec_items] == [
        ("Психологическая консультация", Decimal("120.00"), Decimal("15000.00"))]
    assert saved.problem_ru == "Нет доступа к психологам"


def test_the_answers_workbook_has_each_offers_total(app):
    from io import BytesIO

    from openpyxl import load_workbook

    from grants.appforms.export import answers_workbook

    call = sso_call()
    offers = {name: submitted(call, prices) for name, prices in OFFERS.items()}
    sheet = load_workbook(BytesIO(answers_workbook(call))).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Offer total, tenge")
    by_receipt = {row[0]: row[column] for row in rows[1:]}
    assert by_receipt == {offers[n].receipt_number: float(TOTALS[n]) for n in OFFERS}


def test_the_customer_accepts_the_suppliers_report_on_the_contracts_services(app):
    """To the end of the procedure: the contract signed, the supplier reports on the services the specification
    named, and the customer body — the programme's administrator — accepts the report."""
    from datetime import timedelta

    from grants.agreements.schedule import ReportRow, TrancheRow, schedule
    from grants.monitoring import services as reports
    from grants.monitoring.models import ReportStatus
    from tests.factories import PDF as SIGNED

    call, offers = decided()
    contract = register(call, offers["B"], TOTALS["B"])
    today = astana_today()
    schedule(operator(), contract, [ReportRow("final", today, today + timedelta(days=300),
                                              today + timedelta(days=310))],
                        [TrancheRow(TOTALS["B"], today, "on_signing")])
    agreements.add_document(operator(), contract, "signed_copy", io.BytesIO(SIGNED), "contract.pdf")
    agreements.sign(operator(), contract, today)
    supplier, report = offers["B"].created_by, contract.reports[0]
    consultations, days = contract.indicators
    reports.save(supplier, report, {"narrative": "Оказано 120 консультаций и 40 дней обучения.", "beneficiaries": 90,
                                    "reach": 120, "women": 50, "men": 40, "under_18": 0, "from_18_to_34": 30,
                                    "from_35_to_62": 40, "over_62": 20},
                 indicators={consultations.id: (Decimal("120"), ""), days.id: (Decimal("40"), "")},
                 spending={line.id: line.planned for line in contract.budget_lines})
    reports.submit(supplier, report)
    db.session.commit()
    customer = create_user("customer")
    customer.customer_body_id = call.customer_id
    db.session.commit()
    reports.accept(customer, report, "Услуги оказаны в объеме договора.")
    db.session.commit()
    assert report.status == ReportStatus.accepted and report.reviewed_by_id == customer.id


def test_the_contracts_party_is_the_customer_body_not_the_grant_operator(app, client):
    from tests.conftest import login, translated

    call, offers = decided()
    contract = register(call, offers["B"], TOTALS["B"])
    db.session.commit()
    login(client, operator().email)
    client.get("/?lang=ru")
    text = client.get(f"/manage/agreements/{contract.id}").get_data(as_text=True)
    party = translated("ru", "Party")
    assert f"<dt>{party}</dt><dd>{call.customer.name_ru}</dd>" in text


def test_the_customer_body_runs_its_own_order_and_sees_the_price_points_another_body_does_not(app):
    """A ministry runs its own state social order as the operator runs the rest: its ranking with the price
    points, the applications' check, the commission; a customer of another body is refused each."""
    from tests.conftest import login

    call, offers = scored()
    mine, other = create_user("customer"), create_user("customer")
    mine.customer_body_id = call.customer_id
    db.session.commit()
    pages = (f"/manage/calls/{call.id}/ranking", f"/manage/calls/{call.id}/applications",
             f"/manage/applications/{offers['A'].id}/review", f"/manage/calls/{call.id}/commission")
    for user, status in ((mine, 200), (other, 403)):
        client = app.test_client()
        login(client, user.email)
        client.get("/?lang=ru")
        for url in pages:
            assert client.get(url).status_code == status, (user.email, url)
    client = app.test_client()
    login(client, mine.email)
    client.get("/?lang=ru")
    ranking_page = client.get(pages[0]).get_data(as_text=True)
    assert translated("ru", "Price points") in ranking_page and "9,57" in ranking_page
