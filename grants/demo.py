"""The demo world: one user per role, NGOs in several regions, calls in every phase, applications in every state."""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from grants import audit
from grants.agreements import demo as agreements_demo
from grants.applications import eligibility, seal
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST
from grants.auth import services as auth_services
from grants.auth.eds import demo_signature
from grants.auth.models import Role
from grants.calls import demo as sso_demo
from grants.calls import services as call_services
from grants.db import utcnow
from grants.extensions import db
from grants.letters import services as letters
from grants.organizations.models import Membership, Organization
from grants.reference.models import CustomerBody, Direction, Region
from grants.search import index as search_index
from grants.signatures import verifier
from grants.signatures.demo import demo_iin
from grants.work import demo as work_demo

# Fixed so the README can list them; `make run` is for a developer's own machine.
PASSWORD = "baiqau-demo-2026"  # noqa: S105 (a demo password, refused in production)

ACCOUNTS = [
    ("admin@baiqau.kz", "Әсем Админова", [Role.admin], "kk"),
    ("operator@baiqau.kz", "Ержан Операторов", [Role.operator], "ru"),
    ("staff@baiqau.kz", "Айдана Серікова", [Role.operator], "kk"),  # a colleague at the operator
    ("ngo.almaty@baiqau.kz", "Айгүл Сейітқызы", [Role.applicant], "kk"),
    ("ngo.kyzylorda@baiqau.kz", "Марат Жұмабаев", [Role.applicant], "kk"),
    ("ngo.pavlodar@baiqau.kz", "Елена Петрова", [Role.applicant], "ru"),
    ("expert@baiqau.kz", "Гүлнар Сарапшы", [Role.expert], "kk"),
    ("expert.ru@baiqau.kz", "Ольга Экспертова", [Role.expert], "ru"),
    ("expert.kk@baiqau.kz", "Нұрлан Төлегенов", [Role.expert], "kk"),
    ("commission@baiqau.kz", "Бауыржан Комиссиев", [Role.commission], "ru"),
    ("appeals@baiqau.kz", "Сәуле Әділова", [Role.commission], "kk"),  # the appeals panel of 2025-MCI-04
    ("customer@baiqau.kz", "Динара Министрлік", [Role.customer], "ru"),
    ("analyst@baiqau.kz", "Analyst Demo", [Role.analyst], "en"),
    ("observer@baiqau.kz", "Қанат Бақылаушы", [Role.observer], "kk"),
    # on the register only after 2025-MCI-04's first round: scores in place of the sheet an appeal set aside
    ("expert.appeal@baiqau.kz", "Ерлан Сейтжанов", [Role.expert], "ru"),
]

# BINs with valid check digits and a 4 in the fifth place (resident legal entity).
NGOS = [
    ("ngo.almaty@baiqau.kz", "150340012340", "«Жастар келешегі» қоғамдық бірлестігі",
     "Общественное объединение «Будущее молодёжи»", "750000000", "Алматы қ., Абай даңғылы, 10", [11, 13]),
    ("ngo.kyzylorda@baiqau.kz", "180740001236", "«Арал өңірі» қоғамдық қоры",
     "Общественный фонд «Приаралье»", "430000000", "Қызылорда қ., Әйтеке би к-сі, 27", [6, 10]),
    ("ngo.pavlodar@baiqau.kz", "090540004561", "«Ертіс волонтерлері» қауымдастығы",
     "Ассоциация «Волонтёры Прииртышья»", "550000000", "Павлодар қ., Торайғыров к-сі, 64", [7, 13]),
]

RU_TEXT = {
    "summary": "Проект вовлекает молодежь Кызылорды в волонтерскую помощь пожилым людям и семьям в трудной "
               "жизненной ситуации, обучает волонтеров и создает устойчивый городской клуб добровольцев.",
    "problem": "В городе не хватает организованных волонтерских программ для молодежи, а пожилые люди и семьи "
               "с детьми с инвалидностью нуждаются в регулярной помощи на дому и сопровождении.",
    "goal": "Цель проекта — создать клуб волонтеров и обучить не менее ста молодых людей основам добровольчества.",
    "target_groups": "Молодежь от 16 до 29 лет, пожилые люди, семьи с детьми с инвалидностью.",
    "beneficiaries": 350,
    "risks": "Низкая активность участников летом; мы проведем набор заранее и договоримся с колледжами.",
    "sustainability": "Клуб продолжит работу при поддержке акимата и партнерских организаций после гранта.",
    "team": "Руководитель проекта с опытом семи лет, два тренера, координатор волонтеров.",
}
KK_TEXT = {
    "summary": "Жоба Қызылорда қаласының жастарын қарттар мен қиын жағдайдағы отбасыларға еріктілік көмек "
               "көрсетуге тартады, еріктілерді оқытады және қалалық еріктілер клубын құрады.",
    "problem": "Қалада жастарға арналған ұйымдасқан еріктілік бағдарламалары жетіспейді, ал қарт адамдар мен "
               "мүгедектігі бар балалары бар отбасылар үйде тұрақты көмекке мұқтаж.",
    "goal": "Жобаның мақсаты — еріктілер клубын құру және кемінде жүз жасты еріктіліктің негіздеріне оқыту.",
    "target_groups": "16 мен 29 жас аралығындағы жастар, қарт адамдар, мүгедектігі бар балалары бар отбасылар.",
    "beneficiaries": 350,
    "risks": "Жазда қатысушылардың белсенділігі төмен болуы мүмкін; біз іріктеуді алдын ала өткіземіз.",
    "sustainability": "Клуб грант аяқталғаннан кейін әкімдік пен серіктес ұйымдардың қолдауымен жұмысын жалғастырады.",
    "team": "Жеті жылдық тәжірибесі бар жоба жетекшісі, екі тренер, еріктілер үйлестірушісі.",
}




def application_content(language="ru", total=Decimal("3000000")):
    """A complete application body in Kazakh or Russian, for the demo and the tests."""
    text = KK_TEXT if language == "kk" else RU_TEXT
    data = {"title": "Клуб волонтеров" if language == "ru" else "Еріктілер клубы", "language": language,
            "duration_months": 10, **text}
    activities = [{"activity": "Набор и обучение волонтеров" if language == "ru" else "Еріктілерді іріктеу және оқыту",
                   "start_month": 1, "end_month": 3, "output": "100"}]
    indicators = [{"name": "Обучено волонтеров" if language == "ru" else "Оқытылған еріктілер",
                   "unit": "чел." if language == "ru" else "адам", "baseline": Decimal("0"),
                   "target": Decimal("100")}]
    budget = [{"item": "Тренинги" if language == "ru" else "Тренингтер", "unit": "день" if language == "ru" else "күн",
               "quantity": Decimal("10"), "unit_cost": (total / 10).quantize(Decimal("0.01")),
               "institutional": False}]
    return data, activities, indicators, budget


def _one(model, column, value):
    return db.session.execute(sa.select(model).where(column == value)).scalar_one()


def _call(operator, code, customer, source, year, titles, opens, deadline, topics, publish_at=None, experts=3,
          instrument="state_grant", criteria="grant", spec=None):
    """A call with topics: (direction code, grant type, months, cap, count, region KATOs, kk title, ru title);
    a state social order's topics have the technical specification `spec`: (texts, services), or a list of them,
    one for each topic."""
    call = call_services.create_call(operator, {
        "code": code, "instrument": instrument, "customer_id": _one(CustomerBody, CustomerBody.code, customer).id,
        "funding_source": source, "budget_year": year, "title_kk": titles[0], "title_ru": titles[1],
        "title_en": titles[2], "description_kk": "", "description_ru": "", "description_en": "",
        "opens_at": opens, "deadline_at": deadline, "accepts_kk": True, "accepts_ru": True,
        "experts_per_application": experts, "criteria_set": criteria})
    db.session.flush()
    specs = spec if isinstance(spec, list) else [spec] * len(topics)  # one for every topic, or one each
    for (direction, grant_type, months, cap, count, katos, title_kk, title_ru), spec in zip(topics, specs,
                                                                                            strict=True):
        regions = db.session.execute(sa.select(Region).where(Region.kato.in_(katos))).scalars().all()
        call_services.save_topic(operator, call, None, {
            "direction_id": _one(Direction, Direction.code, direction).id, "title_kk": title_kk, "title_ru": title_ru,
            "title_en": "", "goal_kk": title_kk, "goal_ru": title_ru, "tasks_kk": "", "tasks_ru": "",
            "results_kk": "", "results_ru": "", "indicators_kk": "", "indicators_ru": "", "grant_type": grant_type,
            "duration_months": months, "amount_cap": Decimal(cap), "grants_count": count, **(spec[0] if spec else {})},
            regions, spec[1] if spec else None)
    if publish_at is not None:
        call_services.publish(operator, call, now=publish_at)
    return call


# The operator's letter for a return, in Russian: the Pavlodar NGO's return below is sent with it.
RETURN_LETTER = ("Уважаемые коллеги из {ngo}!\n\nОператор проверил заявку {receipt} «{title}» на конкурс {call} и "
                 "возвращает ее на доработку по причинам:\n{reasons}\n\n{comment}\n\nИсправьте заявку и подайте ее "
                 "снова до {deadline} (время Астаны): {link}")


def _revise(user, application):
    """The Pavlodar NGO's revision after the return: twelve training days at a lower cost, the participants named
    (the operator's review page shows what changed)."""
    data, activities, indicators, budget = application_content("ru")
    data["target_groups"] += " На каждом тренинге — до 25 участников, всего 300 человек."
    budget[0].update(quantity=Decimal("12"), unit_cost=Decimal("250000.00"))
    partners = [{"number": p.number, "name": p.name, "role": p.role} for p in application.partners]
    app_services.save(user, application, data, activities=activities, indicators=indicators, budget=budget,
                      partners=partners)


def _apply(user, org, topic, language, now, submit=False, signed=False):
    application = app_services.start(user, topic, org, language, now=now)
    db.session.flush()
    data, activities, indicators, budget = application_content(language)
    # Every demo project has a partner: the regional akimat's youth resource centre, by its BIN.
    partners = [{"number": "050240003456", "name": "Жастар ресурстық орталығы" if language == "kk" else
                 "Молодёжный ресурсный центр", "role": "Оқу орны" if language == "kk" else "Площадка для занятий"}]
    app_services.save(user, application, data, activities=activities, indicators=indicators, budget=budget,
                      partners=partners)
    signature = None
    if signed and verifier().demo is not None:  # the NGO head's test key of the demo's CA, as NCALayer would sign
        signature = demo_signature(str(user.id), app_services.signing_manifest(application), purpose="sign")
    if submit:
        app_services.submit(user, application, now=now, signature=signature)
    return application


def _award(operator, user, org, now, deadline, everywhere):
    """An open award call on the award's own form (no budget, no plan), and a nomination written in Kazakh,
    with its evidence attached, ready to submit."""
    call = _call(operator, "2026-MCI-07", "MCI", "republican", 2026,
                 ("ҮЕҰ-ларға арналған сыйлықақы: еріктілік", "Премия для НПО: волонтерство",
                  "Award for NGOs: volunteering"),
                 now - timedelta(days=4), deadline + timedelta(days=7), [
                     (11, "short", 12, "10000000", 2, everywhere, "Үздік еріктілер ұйымы",
                      "Лучшая волонтерская организация")], publish_at=now - timedelta(days=5),
                 instrument="award", criteria="award")
    nomination = app_services.start(user, call.topics[0], org, "kk", now=now)
    db.session.flush()
    app_services.save(user, nomination, {
        "title": "Сыр өңіріндегі еріктілер қозғалысы", "language": "kk",
        "achievements": "2025 жылы ұйымның 120 еріктісі Қызылорда облысының 14 ауылында 2 300 қарт адамға үйде "
                        "көмек көрсетті; жастарға арналған 36 оқыту өткізілді.",
        "reached": 2300, "references": "Қызылорда облысы әкімдігінің жастар саясаты басқармасы, +7 7242 00 00 00",
        "development": "Ұйым қызметкерлерін оқыту және еріктілерді есепке алу жүйесін енгізу."})
    for slot, name in (("evidence", "есеп-2025.pdf"), ("charter", "жарғы.pdf")):
        app_services.add_document(user, nomination, slot, io.BytesIO(agreements_demo.PDF), name)
    return call


SSO_SPEC = ({
    "problem_kk": "Павлодар облысында мүгедектігі бар 600-ден астам бала оңалту қызметтерін күтуде; аудандарда "
                  "мамандар жетіспейді.",
    "problem_ru": "В Павлодарской области более 600 детей с инвалидностью ждут реабилитационных услуг; в районах "
                  "не хватает специалистов.",
    "target_group_kk": "Мүгедектігі бар 3–18 жастағы балалар және олардың ата-аналары.",
    "target_group_ru": "Дети с инвалидностью 3–18 лет и их родители.",
    "place_kk": "Павлодар қаласы және Екібастұз қаласы, тапсырыс берушімен келісілген үй-жайлар.",
    "place_ru": "Города Павлодар и Экибастуз, помещения по согласованию с заказчиком.",
    "standard_kk": "Мүгедектігі бар балаларға әлеуметтік қызмет көрсету стандарты (2023).",
    "standard_ru": "Стандарт оказания социальных услуг детям с инвалидностью (2023)."}, [
    {"service_kk": "Психологтың жеке кеңесі", "service_ru": "Индивидуальная консультация психолога",
     "unit_kk": "кеңес", "unit_ru": "консультация", "volume": Decimal("600"), "max_price": Decimal("8000.00")},
    {"service_kk": "Ата-аналарға арналған топтық сабақ", "service_ru": "Групповое занятие для родителей",
     "unit_kk": "сабақ", "unit_ru": "занятие", "volume": Decimal("48"), "max_price": Decimal("35000.00")},
    {"service_kk": "Балаларға арналған оңалту курсы", "service_ru": "Реабилитационный курс для ребенка",
     "unit_kk": "курс", "unit_ru": "курс", "volume": Decimal("60"), "max_price": Decimal("45000.00")},
])


def _sso(operator, user, org, now, deadline):
    """An open state social order of the ministry, with its technical specification, and an offer written in
    Russian: two of its three services priced, the third still to answer."""
    call = _call(operator, "2026-MCI-08", "MCI", "republican", 2026,
                 ("Мемлекеттік әлеуметтік тапсырыс: мүгедектігі бар балаларды оңалту",
                  "Государственный социальный заказ: реабилитация детей с инвалидностью",
                  "State social order: rehabilitation of children with disabilities"),
                 now - timedelta(days=3), deadline + timedelta(days=10), [
                     (7, "short", 10, "10000000", 1, ["550000000"], "Мүгедектігі бар балаларды оңалту қызметтері",
                      "Услуги реабилитации детей с инвалидностью")], publish_at=now - timedelta(days=4),
                 instrument="sso", criteria="sso", spec=SSO_SPEC)
    offer = app_services.start(user, call.topics[0], org, "ru", now=now)
    db.session.flush()
    consult, group, _course = call.topics[0].spec_items
    app_services.save(user, offer, {
        "title": "Реабилитация детей с инвалидностью в Павлодаре и Экибастузе", "language": "ru",
        "summary": "Консультации психолога, занятия для родителей и реабилитационные курсы для 60 детей.",
        "approach": "Консультации в двух кабинетах центра по будням; занятия для родителей по субботам."},
        activities=[{"activity": "Набор детей и составление планов реабилитации", "start_month": 1,
                     "end_month": 2, "output": "60 планов"}],
        offer=[{"spec_item_id": consult.id, "approach": "Психологи центра, по записи, 30 консультаций в неделю.",
                "volume": Decimal("600"), "unit_price": Decimal("7500.00")},
               {"spec_item_id": group.id, "approach": "Группы до 12 родителей, по субботам.",
                "volume": Decimal("48"), "unit_price": Decimal("32000.00")}])
    return call


def seed():
    """Create the demo world; returns (email, password, roles) for printing."""
    users = {}
    printed = []
    for n, (email, name, roles, locale) in enumerate(ACCOUNTS, start=1):
        user, password = auth_services.create_user("seed-demo", email, name, roles, PASSWORD, locale)
        user.iin = demo_iin(n)  # the demo's test CA holds a key for this IIN (grants.signatures.demo)
        users[email] = user
        printed.append((email, password, [r.value for r in roles]))
    orgs = {}
    for owner, bin_, name_kk, name_ru, kato, address, directions in NGOS:
        region = _one(Region, Region.kato, kato)
        org = Organization(
            bin=bin_, name_kk=name_kk, name_ru=name_ru, legal_form="public_association",
            region=region, address=address, head_name=users[owner].full_name,
            phone="+7 700 000 00 00", email=owner, registry_year=2026,
            verification="documents", verified_at=utcnow(), verified_by_id=users["operator@baiqau.kz"].id,
            verification_note="Свидетельство о государственной регистрации, устав и приказ о назначении "
                              "руководителя проверены (демо).",
        )
        org.directions = db.session.execute(sa.select(Direction).where(Direction.code.in_(directions))).scalars().all()
        org.memberships.append(Membership(user=users[owner], is_owner=True))
        db.session.add(org)
        audit.record("seed-demo", "organization.create", org, after={"bin": bin_, "region": kato})
        orgs[owner] = org
    db.session.flush()
    users["customer@baiqau.kz"].customer_body_id = _one(CustomerBody, CustomerBody.code, "MCI").id
    past = _calls(users, orgs)
    db.session.flush()
    # scoring and reports extend the world without grants importing them: each registers a step
    for extend in current_app.extensions.get("baiqau.demo", []):
        extend(users, orgs, past)
    db.session.flush()
    # After scoring's step, which awards last year's winner: the agreements that follow the decisions.
    agreements_demo.extend(users, orgs, past, _apply, _call)
    db.session.flush()
    work_demo.extend(users)  # leads and comments on what the steps above made
    db.session.flush()
    audit.publish_head()  # today's head of the audit trail, on the open-data page as cron would publish it
    db.session.flush()
    search_index.reindex()  # the history's NGOs are written in bulk, past the index's listener
    return printed


def _calls(users, orgs):
    operator = users["operator@baiqau.kz"]
    now = utcnow()
    almaty, kyzylorda, pavlodar = (orgs[e] for e in ("ngo.almaty@baiqau.kz", "ngo.kyzylorda@baiqau.kz",
                                                      "ngo.pavlodar@baiqau.kz"))
    everywhere = [r.kato for r in db.session.execute(sa.select(Region)).scalars()]
    # An open republican call, closing in three weeks at 18:00 Astana time (13:00 UTC).
    deadline = (now + timedelta(days=21)).replace(hour=13, minute=0, second=0, microsecond=0)
    open_call = _call(operator, "2026-MCI-02", "MCI", "republican", 2026,
                      ("Мемлекеттік гранттар конкурсы: жастар және азаматтық қоғам",
                       "Конкурс государственных грантов: молодежь и гражданское общество",
                       "State grants: youth and civil society"),
                      now - timedelta(days=5), deadline, [
                          (11, "short", 10, "10000000", 3, ["750000000", "430000000", "550000000"],
                           "Жастардың еріктілік бастамаларын қолдау", "Поддержка волонтерских инициатив молодежи"),
                          (10, "medium", 18, "25000000", 2, everywhere,
                           "ҮЕҰ-ның институционалдық әлеуетін арттыру", "Повышение институционального потенциала НПО"),
                      ], publish_at=now - timedelta(days=6))
    _call(operator, "2026-ALA-03", "ALA-IP", "local", 2026,
          ("Алматы қаласының еріктілер бастамалары", "Волонтерские инициативы города Алматы",
           "Volunteer initiatives of Almaty"),
          now - timedelta(days=2), deadline + timedelta(days=3), [
              (13, "short", 6, "5000000", 4, ["750000000"], "Қала тұрғындарына еріктілік көмек",
               "Волонтерская помощь жителям города")], publish_at=now - timedelta(days=3))
    _call(operator, "2026-MCI-05", "MCI", "republican", 2026,
          ("Тарихи-мәдени мұраны қорғау", "Охрана историко-культурного наследия", "Historical and cultural heritage"),
          now + timedelta(days=10), deadline + timedelta(days=19), [
              (14, "short", 12, "8000000", 2, ["610000000", "430000000"], "Жергілікті тарихи мұраны насихаттау",
               "Популяризация местного исторического наследия")], publish_at=now)
    _call(operator, "2026-MCI-06", "MCI", "republican", 2026,
          ("Салауатты өмір салтын насихаттау (жоба нұсқасы)", "Пропаганда здорового образа жизни (черновик)",
           "Healthy lifestyle (draft)"),
          now + timedelta(days=30), deadline + timedelta(days=39), [
              (8, "short", 9, "6000000", 2, ["590000000"], "Ауыл жастарының денсаулығы", "Здоровье сельской молодежи")])

    ngo = {o.id: users[o.email] for o in (almaty, kyzylorda, pavlodar)}
    _award(operator, ngo[kyzylorda.id], kyzylorda, now, deadline, everywhere)
    _sso(operator, ngo[pavlodar.id], pavlodar, now, deadline)
    sso_demo.extend(users, orgs, now, _call)
    youth = open_call.topics[0]
    _apply(ngo[almaty.id], almaty, youth, "kk", now)  # a draft in Kazakh
    _apply(ngo[kyzylorda.id], kyzylorda, youth, "kk", now, submit=True, signed=True)  # signed with ЭЦП
    # Sealed until the deadline; the operator opened this one early on the NGO's technical complaint, which is
    # listed on the call's page once the deadline passes.
    complained = _apply(ngo[pavlodar.id], pavlodar, youth, "ru", now - timedelta(days=1), submit=True)
    seal.open_early(operator, complained, "Обращение НПО: по словам заявителя, загруженный устав не открывается. "
                                          "Проверена целостность файла: файл открывается, заявка не изменялась.",
                    now=now - timedelta(hours=3))
    all_pass = {code: True for code, _label in CHECKLIST}
    letters.save(operator, "returned", "ru", "Заявка {receipt} возвращена на доработку", RETURN_LETTER)

    # A call whose intake ended a month ago: checked, its conclusion published, its experts at work
    # (scoring's step assigns them; one declaration is still awaited).
    scoring_deadline = (now - timedelta(days=40)).replace(hour=13, minute=0, second=0, microsecond=0)
    in_review = _call(operator, "2026-MCI-01", "MCI", "republican", 2026,
                      ("Азаматтық қоғам институттарын дамыту", "Развитие институтов гражданского общества",
                       "Developing civil society institutions"),
                      scoring_deadline - timedelta(days=35), scoring_deadline, [
                          (9, "short", 10, "7000000", 1, everywhere, "Азаматтық бастамаларды қолдау",
                           "Поддержка гражданских инициатив")], publish_at=scoring_deadline - timedelta(days=36),
                      experts=2)
    during = scoring_deadline - timedelta(days=5)
    checked = scoring_deadline + timedelta(days=5)
    for org, language in ((kyzylorda, "kk"), (pavlodar, "ru")):
        application = _apply(ngo[org.id], org, in_review.topics[0], language, during, submit=True)
        if org is pavlodar:  # returned for revision, corrected within the days given, then found eligible
            eligibility.review(operator, application, "returned", all_pass, ["BUDGET"],
                               "Уточните расчет стоимости тренингов: укажите количество участников.", revision_days=5,
                               now=scoring_deadline + timedelta(days=1))
            _revise(ngo[org.id], application)
            app_services.submit(ngo[org.id], application, now=scoring_deadline + timedelta(days=3))
        eligibility.review(operator, application, "eligible", all_pass, now=checked)
    eligibility.publish_conclusion(operator, in_review, now=checked)
    call_services.close(operator, in_review, now=checked)

    # Last year's call, closed, with every outcome and its published conclusion.
    opened = datetime(2025, 9, 1, 4, 0, tzinfo=now.tzinfo)
    closed = datetime(2025, 9, 30, 13, 0, tzinfo=now.tzinfo)
    past = _call(operator, "2025-MCI-04", "MCI", "republican", 2025,
                 ("Қоғамдық келісім және жалпыұлттық бірлік", "Общественное согласие и общенациональное единство",
                  "Social harmony and national unity"),
                 opened, closed, [(9, "short", 10, "9000000", 2, everywhere, "Этносаралық достықты нығайту",
                                   "Укрепление межэтнической дружбы")], publish_at=opened - timedelta(days=1),
                 experts=2)
    during = closed - timedelta(days=3)
    eligible_kk = _apply(ngo[almaty.id], almaty, past.topics[0], "kk", during, submit=True)
    ineligible_kk = _apply(ngo[kyzylorda.id], kyzylorda, past.topics[0], "kk", during, submit=True)
    eligible_ru = _apply(ngo[pavlodar.id], pavlodar, past.topics[0], "ru", during, submit=True)
    appealed_ru = _apply(ngo[almaty.id], almaty, past.topics[0], "ru", during, submit=True)  # appealed, reheard
    after = closed + timedelta(days=7)
    for application in (eligible_kk, eligible_ru, appealed_ru):
        eligibility.review(operator, application, "eligible", all_pass, now=after)
    eligibility.review(operator, ineligible_kk, "ineligible", {**all_pass, "registry": False}, ["REGISTRY"],
                       "ҮЕҰ туралы мәліметтер 2025 жылы ҮЕҰ дерекқорына ұсынылмаған.", now=after)
    eligibility.publish_conclusion(operator, past, now=after)
    call_services.close(operator, past, now=after)
    return past
