"""The demo world's grants after the decision: agreements in every state, reports accepted and returned,
tranches paid and blocked, a termination with a partial refund, and an overdue report."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from grants.agreements import services as agreements
from grants.agreements.schedule import ReportRow, TrancheRow, add_months, schedule, yearly_schedule
from grants.applications import eligibility
from grants.applications import outcome as app_outcome
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST, Application, Status
from grants.calls import services as call_services
from grants.calls.models import Topic
from grants.extensions import db
from grants.i18n import astana_today
from grants.monitoring import evaluation, recommendations, survey, survey_codes, visits
from grants.monitoring import services as reports

# A one-page PDF standing in for scans: the signed agreement, acts of work done.
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# A 1×1 PNG standing in for a photo of an event.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201ab6b6b3a0000000049454e44ae426082")


def _at(day):
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def _awarded(operator, call, topic, org, user, language, apply, when):
    application = apply(user, org, topic, language, when, submit=True)
    eligibility.review(operator, application, "eligible", {code: True for code, _l in CHECKLIST},
                       now=when + timedelta(days=7))
    app_outcome.record_outcome(operator, application, "awarded", now=when + timedelta(days=30))
    return application


def _agreement(operator, application, start, months=10, report_due=None):
    """Signed on its first day: an interim and a final report; 50 % on signing, 30 % and 20 % on the reports."""
    end = start + timedelta(days=30 * months)
    middle = start + timedelta(days=30 * (months // 2))
    agreement = agreements.draw_up(operator, application, start, end)
    amount = agreement.amount
    first, second = (amount * Decimal("0.5")).quantize(Decimal("0.01")), (amount * Decimal("0.3")).quantize(
        Decimal("0.01"))
    schedule(operator, agreement, [
        ReportRow("interim", start, middle, report_due or middle + timedelta(days=10)),
        ReportRow("final", middle + timedelta(days=1), end, end + timedelta(days=15)),
    ], [
        TrancheRow(first, start + timedelta(days=5), "on_signing"),
        TrancheRow(second, middle + timedelta(days=25), "report_accepted", 1),
        TrancheRow(amount - first - second, end + timedelta(days=30), "report_accepted", 2),
    ])
    return agreement


def _sign(operator, agreement, on):
    agreements.add_document(operator, agreement, "signed_copy", io.BytesIO(PDF), f"{agreement.number}.pdf")
    agreements.sign(operator, agreement, on, today=on)


def _file(user, report, share, spent_share, language):
    """The NGO's report: the indicator at `share` of its target, `spent_share` of each line spent in the period."""
    agreement = report.agreement
    people = int(120 * Decimal(share))
    reports.save(user, report, {
        "narrative": ("Еріктілер оқытылды, қарттарға үйде көмек көрсетілді, клуб жұмысын бастады." if language == "kk"
                      else "Обучены волонтеры, оказана помощь пожилым на дому, клуб начал работу."),
        "beneficiaries": people, "reach": people * 3, "women": people // 2 + people % 2, "men": people // 2,
        "under_18": people // 4, "from_18_to_34": people // 2, "from_35_to_62": people // 8,
        "over_62": people - people // 4 - people // 2 - people // 8,
        "jobs_created": 2, "cofunding": Decimal("150000.00"), "services_delivered": people * 2, "volunteers": 40,
    }, indicators={i.id: ((i.target * Decimal(share)).quantize(Decimal("1")), "") for i in agreement.indicators},
        spending={line.id: (line.planned * Decimal(spent_share)).quantize(Decimal("0.01"))
                  for line in agreement.budget_lines},
        activities={a.id: (True, "") for a in agreement.activities})
    for activity in agreement.activities:
        reports.add_evidence(user, report, io.BytesIO(PNG), "training.png", activity.id,
                             "Тренинг еріктілерге" if language == "kk" else "Тренинг для волонтеров")
        reports.add_evidence(user, report, io.BytesIO(PDF), "act.pdf", activity.id,
                             "Орындалған жұмыс актісі" if language == "kk" else "Акт выполненных работ")


def extend(users, orgs, past, apply, make_call):
    """2024's call with agreements in every state, and the agreement of 2025's winner, running now.

    `apply` and `make_call` are the demo world's builders of an application and a call (grants.demo).
    """
    operator = users["operator@baiqau.kz"]
    today = astana_today()
    almaty, kyzylorda, pavlodar = (orgs[e] for e in ("ngo.almaty@baiqau.kz", "ngo.kyzylorda@baiqau.kz",
                                                      "ngo.pavlodar@baiqau.kz"))
    ngo = {o.id: users[o.memberships[0].user.email] for o in (almaty, kyzylorda, pavlodar)}
    opened, closed = _at(date(2024, 3, 1)), _at(date(2024, 3, 29)) + timedelta(hours=7)
    call = make_call(operator, "2024-MCI-07", "MCI", "republican", 2024,
                 ("Жастар саясаты және балалар бастамалары", "Молодежная политика и детские инициативы",
                  "Youth policy and children's initiatives"),
                 opened, closed, [
                     (11, "short", 10, "9000000", 3, ["750000000", "430000000", "550000000"],
                      "Жастардың еріктілік клубтары", "Молодежные волонтерские клубы"),
                     (13, "short", 10, "9000000", 2, ["430000000", "550000000"],
                      "Балалардың бос уақыты", "Досуг детей")], publish_at=opened - timedelta(days=1))
    during = closed - timedelta(days=5)
    clubs, leisure = call.topics
    completed = _awarded(operator, call, clubs, almaty, ngo[almaty.id], "kk", apply, during)
    terminated = _awarded(operator, call, clubs, kyzylorda, ngo[kyzylorda.id], "kk", apply, during)
    suspended = _awarded(operator, call, leisure, pavlodar, ngo[pavlodar.id], "ru", apply, during)
    drafted = _awarded(operator, call, leisure, kyzylorda, ngo[kyzylorda.id], "ru", apply, during)
    call_services.close(operator, call, now=closed + timedelta(days=40))
    start = date(2024, 5, 15)

    # Completed: both reports accepted, every tranche paid.
    done = _agreement(operator, completed, start)
    _sign(operator, done, start)
    agreements.pay(operator, done.tranches[0], start + timedelta(days=5), "ПП-2024-0517", today=today)
    user = ngo[almaty.id]
    for report, share in zip(done.reports, ("0.55", "1.1"), strict=True):
        _file(user, report, share, "0.5", "kk")
        reports.submit(user, report, now=_at(report.due_on - timedelta(days=3)))
        reports.accept(operator, report, "Есеп қабылданды.")
    for tranche in done.tranches[1:]:
        agreements.pay(operator, tranche, tranche.planned_on, f"ПП-{tranche.planned_on:%Y-%m%d}", today=today)
    agreements.complete(operator, done, done.ends_on + timedelta(days=20))
    visit = visits.plan_visit(operator, done, start + timedelta(days=120), operator)
    visits.add_visit_photo(operator, visit, io.BytesIO(PNG), "visit.png", "Еріктілер клубының сабағы")
    visits.record_visit(operator, visit, start + timedelta(days=120),
                        "Іс-шаралар жоспарға сай өтуде; қатысушылар тізімі мен актілер тексерілді.", 5,
                        published=True, today=today)
    evaluation.evaluate(operator, done, 5, "Жоба мақсатына жетті: индикаторлар орындалды, клуб грант аяқталғаннан "
                        "кейін де жұмыс істейді.")
    # The NGO printed a sheet of codes for the club's closing meeting; three people answered with theirs.
    cards = survey_codes.issue(user, done, 25, "Еріктілер клубының қорытынды кездесуі")
    survey_codes.issue(user, done, 10)
    for code, (satisfaction, helped, comment) in zip(cards, (
            (5, True, "Еріктілер әжеме апта сайын көмектесті, рақмет!"), (4, True, ""),
            (3, False, "Сабақтар кешке болса ыңғайлы еді.")), strict=False):
        survey.add_feedback(done, "kk", satisfaction, helped, helped, comment, code)
    advice = recommendations.recommend(users["observer@baiqau.kz"], done,
                                       "Клуб тәжірибесін облыстың басқа аудандарына тарату ұсынылады.")
    recommendations.answer(operator, advice, "Келесі конкурстың тақырыптарына енгізілді (2026-MCI-02, 1-тақырып).")

    # Terminated for non-performance after the first tranche: 40 % of it to return, part already returned.
    failed = _agreement(operator, terminated, start)
    _sign(operator, failed, start)
    agreements.pay(operator, failed.tranches[0], start + timedelta(days=5), "ПП-2024-0520", today=today)
    paid = failed.tranches[0].amount
    agreements.terminate(operator, failed, "non_performance",
                         "Аралық есеп мерзімінде ұсынылмады, іс-шаралар өткізілмеді (мониторинг актісі №14).",
                         (paid * Decimal("0.4")).quantize(Decimal("0.01")), start + timedelta(days=190))
    agreements.record_repayment(operator, failed, (paid * Decimal("0.15")).quantize(Decimal("0.01")),
                                start + timedelta(days=220), "ВЗ-2024-031", today=today)

    # Suspended: the interim report was returned for revision, then the operator suspended the grant.
    held = _agreement(operator, suspended, start)
    _sign(operator, held, start)
    agreements.pay(operator, held.tranches[0], start + timedelta(days=5), "ПП-2024-0521", today=today)
    user = ngo[pavlodar.id]
    interim = held.reports[0]
    _file(user, interim, "0.3", "0.45", "ru")
    reports.submit(user, interim, now=_at(interim.due_on - timedelta(days=1)))
    reports.return_for_revision(operator, interim, "Приложите акты и чеки по строке «Тренинги»; число "
                                "благополучателей не совпадает со списками участников.",
                                today + timedelta(days=14), today=today)
    agreements.suspend(operator, held, "Расходы по строке «Тренинги» не подтверждены первичными документами.")
    visit = visits.plan_visit(operator, held, today - timedelta(days=20), operator)
    visits.record_visit(operator, visit, today - timedelta(days=20),
                        "Занятия проводятся нерегулярно; журнал посещаемости не ведется.", 2,
                        "Представить журнал посещаемости и первичные документы по тренингам.",
                        today + timedelta(days=14), today=today)

    # A draft: the agreement is drawn up and its schedule set; neither side has signed it (with ЭЦП, or on paper).
    _agreement(operator, drafted, today + timedelta(days=10))

    # 2025's winner (Pavlodar), running now: the first tranche paid, the interim report overdue.
    # Its report period ended 50 days ago; the report was due 6 days ago; the second tranche waits on it.
    winner = next(a for a in past_awarded(past))
    begun = today - timedelta(days=200)
    running = _agreement(operator, winner, begun, report_due=today - timedelta(days=6))
    _sign(operator, running, begun)
    agreements.pay(operator, running.tranches[0], begun + timedelta(days=5), "ПП-2026-0412", today=today)
    visits.plan_visit(operator, running, today + timedelta(days=12), operator)
    recommendations.recommend(users["observer@baiqau.kz"], running,
                              "Просим опубликовать график занятий клуба, чтобы жители могли присоединиться.")
    _partnership(operator, ngo[almaty.id], almaty, make_call, today)
    _sso_contract(operator, ngo[pavlodar.id], pavlodar, make_call, today)
    db.session.flush()


def _partnership(operator, user, org, make_call, today):
    """A strategic partnership in its second year: three yearly budgets, the first year's report accepted, the first
    tranche paid and the second payable; the third tranche waits on the second year's report."""
    from grants.demo import application_content

    begun = today - timedelta(days=420)
    opened = _at(begun - timedelta(days=90))
    call = make_call(operator, "2025-MCI-SP1", "MCI", "republican", 2025,
                     ("Стратегиялық әріптестік: жастар саясаты", "Стратегическое партнерство: молодежная политика",
                      "Strategic partnership: youth policy"),
                     opened, opened + timedelta(days=30), [
                         (11, "long", 36, "30000000", 1, ["750000000"], "Жастар саясатындағы стратегиялық әріптес",
                          "Стратегический партнер в молодежной политике")],
                     publish_at=opened - timedelta(days=1), instrument="strategic_partnership")
    during = opened + timedelta(days=20)
    application = app_services.start(user, call.topics[0], org, "kk", now=during)
    db.session.flush()
    data, activities, _indicators, _budget = application_content("kk")
    activities = [{"activity": "Жастар ресурстық орталықтарының желісін құру", "start_month": 1, "end_month": 36,
                   "output": "3 орталық"}]
    indicators = [{"name": "Оқытылған жастар көшбасшылары", "unit": "адам", "baseline": Decimal("0"),
                   "target": Decimal(target), "year": year} for year, target in ((1, "150"), (2, "300"), (3, "500"))]
    budget = [{"item": item, "unit": "қызмет", "quantity": Decimal(quantity), "unit_cost": Decimal(cost),
               "institutional": False, "year": year}
              for year, item, quantity, cost in ((1, "Орталықтарды жабдықтау", "3", "2500000"),
                                                 (1, "Тренингтер", "20", "150000"),
                                                 (2, "Тренингтер", "30", "150000"),
                                                 (2, "Аймақтық форум", "1", "3000000"),
                                                 (3, "Тренингтер", "30", "150000"),
                                                 (3, "Тәуелсіз бағалау", "1", "2500000"))]
    app_services.save(user, application, {**data, "title": "Жастар көшбасшылары: үш жылдық әріптестік",
                                          "duration_months": 36}, activities=activities, indicators=indicators,
                      budget=budget)
    app_services.submit(user, application, now=during)
    eligibility.review(operator, application, "eligible", {code: True for code, _l in CHECKLIST},
                       now=during + timedelta(days=15))
    app_outcome.record_outcome(operator, application, "awarded", now=during + timedelta(days=40))
    call_services.close(operator, call, now=during + timedelta(days=45))
    agreement = agreements.draw_up(operator, application, begun, add_months(begun, 36) - timedelta(days=1))
    schedule(operator, agreement, *yearly_schedule(agreement))
    _sign(operator, agreement, begun)
    first, _second, _third = agreement.tranches  # the second payable once year 1 is accepted: left to pay
    agreements.pay(operator, first, begun + timedelta(days=5), "ПП-2025-0930", today=today)
    year1 = agreement.reports[0]
    _file(user, year1, "1.0", "0.3", "kk")
    reports.submit(user, year1, now=_at(year1.due_on - timedelta(days=4)))
    reports.accept(operator, year1, "Бірінші жылдың есебі қабылданды.")
    return agreement


def _sso_contract(operator, user, org, make_call, today):
    """Last year's state social order, its winner's contract running: the specification's two services at the
    offered volumes and prices, the first tranche paid, the interim report submitted and waiting for the customer
    body (customer@baiqau.kz) to accept it."""
    from grants.demo import SSO_SPEC

    begun = today - timedelta(days=150)
    opened = _at(begun - timedelta(days=80))
    texts, services = SSO_SPEC
    call = make_call(operator, "2025-MCI-S1", "MCI", "republican", 2025,
                     ("Мемлекеттік әлеуметтік тапсырыс: балаларға психологиялық көмек",
                      "Государственный социальный заказ: психологическая помощь детям",
                      "State social order: psychological help for children"),
                     opened, opened + timedelta(days=30), [
                         (7, "short", 10, "6500000", 1, ["550000000"], "Балаларға психологиялық көмек",
                          "Психологическая помощь детям")],
                     publish_at=opened - timedelta(days=1), instrument="sso", criteria="sso",
                     spec=(texts, services[:2]))
    during = opened + timedelta(days=20)
    offer = app_services.start(user, call.topics[0], org, "ru", now=during)
    db.session.flush()
    consult, group = call.topics[0].spec_items
    app_services.save(user, offer, {
        "title": "Психологическая помощь детям Павлодара", "language": "ru",
        "summary": "600 консультаций психолога детям и 48 занятий для их родителей за 10 месяцев.",
        "problem": "В области не хватает детских психологов; очередь на консультацию — до трех месяцев.",
        "approach": "Консультации в центре по будням, занятия для родителей по субботам.",
        "target_groups": "Дети 3–18 лет с инвалидностью и их родители.", "beneficiaries": 150,
        "team": "Четыре психолога центра со стажем от 5 лет.", "duration_months": 10},
        activities=[{"activity": "Консультации и занятия по графику", "start_month": 1, "end_month": 10,
                     "output": "Отчеты по месяцам"}],
        offer=[{"spec_item_id": consult.id, "approach": "Четыре психолога, 15 консультаций в неделю каждый.",
                "volume": Decimal("600"), "unit_price": Decimal("7000.00")},
               {"spec_item_id": group.id, "approach": "Группы до 12 родителей, по субботам.",
                "volume": Decimal("48"), "unit_price": Decimal("30000.00")}])
    app_services.add_document(user, offer, "charter", io.BytesIO(PDF), "устав.pdf")
    app_services.submit(user, offer, now=during)
    eligibility.review(operator, offer, "eligible", {code: True for code, _l in CHECKLIST},
                       now=during + timedelta(days=15))
    app_outcome.record_outcome(operator, offer, "awarded", now=during + timedelta(days=40))
    call_services.close(operator, call, now=during + timedelta(days=45))
    contract = agreements.register_contract(operator, call.topics[0], org.bin, "ГСЗ-2025-017", "ZK-2025-0417",
                                            offer.offer_total, begun, add_months(begun, 10),
                                            "", "ru")
    half = (contract.amount / 2).quantize(Decimal("0.01"))
    schedule(operator, contract, [
        ReportRow("interim", begun, begun + timedelta(days=120), begun + timedelta(days=135)),
        ReportRow("final", begun + timedelta(days=121), contract.ends_on,
                             contract.ends_on + timedelta(days=15)),
    ], [
        TrancheRow(half, begun, "on_signing"),
        TrancheRow(contract.amount - half, begun + timedelta(days=150), "report_accepted", 1),
    ])
    _sign(operator, contract, begun)
    agreements.pay(operator, contract.tranches[0], begun + timedelta(days=5), "ПП-2026-0707", today=today)
    interim = contract.reports[0]
    _file(user, interim, "0.45", "0.45", "ru")
    reports.submit(user, interim, now=_at(interim.due_on - timedelta(days=2)))
    return contract


def past_awarded(call):
    return db.session.execute(
        sa.select(Application).join(Topic, Topic.id == Application.topic_id)
        .where(Topic.call_id == call.id, Application.status == Status.awarded).order_by(Application.id)
    ).scalars().all()
