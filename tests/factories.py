"""Valid objects built through the services, with overrides."""

import base64
import hashlib
import hmac
import io
import itertools
import struct
import time
import zlib
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import g

from grants.applications import outcome as app_outcome
from grants.applications import services as app_services
from grants.auth import services as auth_services
from grants.calls import services as call_services
from grants.db import utcnow
from grants.demo import application_content
from grants.extensions import db
from grants.i18n import astana_today
from grants.identifiers import check_digit
from grants.monitoring import services as monitoring
from grants.organizations.models import Membership, Organization
from grants.reference.models import CustomerBody, Direction, Region
from reports.models import HistoricalApplication
from tests.conftest import PASSWORD, csrf_token, login, post_form

_seq = itertools.count(1)


def create_user(*roles, email=None, password=PASSWORD, locale=None, full_name=None):
    n = next(_seq)
    email = email or f"user{n}@example.kz"
    user, _ = auth_services.create_user("test", email, full_name or f"Test User {n}", roles or ["applicant"],
                                        password, locale)
    db.session.commit()
    return user


def ngo_profile_form(**overrides):
    """The fields of the NGO registration form, filled as a Kyzylorda NGO would."""
    region = db.session.execute(sa.select(Region).where(Region.kato == "430000000")).scalar_one()
    data = {"name_kk": "«Арал өңірі» қоғамдық қоры", "name_ru": "Общественный фонд «Приаралье»",
            "legal_form": "public_foundation", "region_id": str(region.id), "address": "Қызылорда қ., Әйтеке би, 27",
            "head_name": "Марат Жұмабаев", "phone": "+7 724 222 33 44", "email": "aral@example.kz",
            "registry_year": "2026", "directions": ["6", "11"]}
    data.update(overrides)
    return data


def make_bin(serial, year=20):
    """A valid resident legal entity BIN with the given serial number (registered in 20`year`: the factories'
    NGOs are all of 2020, so another year's BIN never collides with theirs)."""
    for month in range(1, 13):
        first11 = f"{year:02d}{month:02d}40{serial:05d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise AssertionError("no valid BIN")


def make_iin(serial):
    """A valid IIN of a woman born on 15 March 1985, with the given serial number."""
    first11 = f"8503154{serial:04d}"
    digit = check_digit(first11)
    if digit is None:
        return make_iin(serial + 5000)
    return first11 + str(digit)


def create_organization(owner=None, kato="750000000", verified=True, **overrides):
    """An NGO; verified (as if the operator had checked its documents) unless verified=False."""
    n = next(_seq)
    region = db.session.execute(sa.select(Region).where(Region.kato == kato)).scalar_one()
    values = dict(
        bin=make_bin(n), name_kk=f"Тест ҮЕҰ {n}", name_ru=f"Тестовое НПО {n}", legal_form="Қоғамдық бірлестік",
        region=region, address="Алматы", head_name="Head", phone="+7 700 000 00 00",
        email=f"ngo{n}@example.kz", registry_year=2026,
    )
    if verified:
        values.update(verification="documents", verified_at=utcnow(), verification_note="test world")
    values.update(overrides)
    org = Organization(**values)
    if owner is not None:
        org.memberships.append(Membership(user=owner, is_owner=True))
    db.session.add(org)
    db.session.commit()
    return org


# --- calls and applications -------------------------------------------------------------

def operator():
    """The test's grant operator, made once per test (the test's app context holds it)."""
    if "test_operator" not in g:
        g.test_operator = create_user("operator")
    return g.test_operator


def call_data(**overrides):
    n = next(_seq)
    customer = db.session.execute(sa.select(CustomerBody).where(CustomerBody.code == "MCI")).scalar_one()
    now = utcnow()
    data = dict(code=f"T{n}-SG", instrument="state_grant", customer_id=customer.id, funding_source="republican",
                budget_year=2026, title_kk=f"Мемлекеттік гранттар конкурсы {n}",
                title_ru=f"Конкурс государственных грантов {n}",
                title_en=f"State grants call {n}", description_kk="", description_ru="", description_en="",
                opens_at=now - timedelta(days=1), deadline_at=now + timedelta(days=20), accepts_kk=True,
                accepts_ru=True, experts_per_application=3, criteria_set="grant")
    data.update(overrides)
    return data


def topic_data(**overrides):
    direction = db.session.execute(sa.select(Direction).where(Direction.code == 11)).scalar_one()
    data = dict(direction_id=direction.id, title_kk="Жастардың еріктілік бастамаларын қолдау",
                title_ru="Поддержка волонтерских инициатив молодежи", title_en="Youth volunteering",
                goal_kk="Жастарды еріктілікке тарту", goal_ru="Вовлечение молодежи в волонтерство",
                tasks_kk="", tasks_ru="", results_kk="", results_ru="", indicators_kk="", indicators_ru="",
                grant_type="short", duration_months=10, amount_cap=Decimal("10000000.00"), grants_count=2)
    data.update(overrides)
    return data


# A state social order topic's services: 120 consultations at most 15 000 ₸ and 40 training days at most
# 50 000 ₸ — 3 800 000 ₸ at the maximum prices, within the topic's 10 000 000 ₸.
SPEC_ITEMS = (
    dict(service_kk="Психологиялық кеңес", service_ru="Психологическая консультация", unit_kk="кеңес",
         unit_ru="консультация", volume=Decimal("120"), max_price=Decimal("15000.00")),
    dict(service_kk="Оқыту күні", service_ru="День обучения", unit_kk="күн", unit_ru="день",
         volume=Decimal("40"), max_price=Decimal("50000.00")),
)


def create_call(published=True, topics=1, regions=("750000000", "430000000"), actor=None, spec=SPEC_ITEMS,
                **overrides):
    """A call with its topics; a state social order's topics have the specification `spec`."""
    actor = actor or operator()
    call = call_services.create_call(actor, call_data(**overrides))
    db.session.flush()
    region_rows = db.session.execute(sa.select(Region).where(Region.kato.in_(regions))).scalars().all()
    for _ in range(topics):
        call_services.save_topic(actor, call, None, topic_data(), region_rows,
                                 [dict(i) for i in spec] if call.instrument == "sso" else None)
    if published:
        call_services.publish(actor, call)
    db.session.commit()
    return call


def end_intake(call):
    """The call's deadline passes, as it would in time: its applications are unsealed for the operator and
    no more are submitted (grants/applications/seal.py)."""
    call.deadline_at = max(call.opens_at + timedelta(seconds=1), utcnow() - timedelta(seconds=1))
    db.session.flush()
    return call


def in_time(call):
    """When an application to the call is written and submitted: now, or, where its intake has ended
    (end_intake), a minute before its deadline, as the last applications come."""
    return call.deadline_at - timedelta(minutes=1) if utcnow() >= call.deadline_at else None


def custom_call(definition):
    """A published, open call whose form is `definition` (set as the builder would leave it)."""
    call = create_call(published=False)
    call.application_form = definition
    call_services.publish(operator(), call)
    db.session.commit()
    return call


def started(call, language="ru"):
    """(owner, draft): a new NGO's empty draft for the call's first topic."""
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    application = app_services.start(owner, call.topics[0], org, language)
    db.session.commit()
    return owner, application


def create_application(owner=None, call=None, language="ru", filled=True, submit=False, org=None):
    owner = owner or create_user("applicant")
    org = org or create_organization(owner=owner)
    call = call or create_call()
    when = in_time(call)
    application = app_services.start(owner, call.topics[0], org, language, now=when)
    db.session.flush()
    if filled:
        data, activities, indicators, budget = application_content(language)
        app_services.save(owner, application, data, activities=activities, indicators=indicators, budget=budget)
    if submit:
        app_services.submit(owner, application, now=when)
    db.session.commit()
    return application


# A real 1×1 PNG: a photo as small as a photo gets.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201ab6b6b3a0000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def assigned_expert(application, accept=True):
    """(user, assignment): a new expert on the register, assigned to the application by hand; having declared no
    conflict unless accept=False."""
    from scoring.assignments import services as assignments
    from scoring.experts import services as experts

    user = create_user("expert", locale="ru")
    directions = db.session.execute(sa.select(Direction).where(Direction.code == 11)).scalars().all()
    expert = experts.enrol(operator(), user, {"iin": None, "reads_kk": True, "reads_ru": True, "region_id": None,
                                              "active": True}, directions)
    assignment = assignments.assign_by_hand(operator(), application, expert, "Тест")
    if accept:
        assignments.declare(user, assignment)
    db.session.commit()
    return user, assignment


def photo_png(width=160, height=100):
    """A real PNG, drawn here: a sky, a field and a sun, standing in for a photo of the event."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            if (x - 120) ** 2 + (y - 25) ** 2 < 225:
                row += bytes((242, 183, 5))
            elif y < 60:
                row += bytes((120, 180, 230))
            else:
                row += bytes((40, 140 + (x % 40), 60))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def create_awarded_application(owner=None, call=None, language="ru"):
    """An application through eligibility to the commission's award, as publication leaves it."""
    from grants.applications import eligibility
    from grants.applications.models import CHECKLIST

    application = create_application(owner=owner, call=call, language=language, submit=True)
    end_intake(application.call)
    eligibility.review(operator(), application, "eligible", {code: True for code, _label in CHECKLIST})
    app_outcome.record_outcome(operator(), application, "awarded")
    db.session.commit()
    return application


def create_sso_winner(owner=None, language="ru", **call_overrides):
    """A state social order call and the awarded application of its topic's winner. The call asks the grant's
    form, which the factory's content answers; its offer is its budget (3 000 000 ₸). The call is the ministry's
    (MCI) unless `call_overrides` say otherwise (customer_id=…)."""
    from grants.appforms.templates import for_instrument

    call = create_call(published=False, instrument="sso", criteria_set="sso", **call_overrides)
    call.application_form = for_instrument("state_grant")
    call_services.publish(operator(), call)
    db.session.commit()
    return create_awarded_application(owner=owner, call=call, language=language)


def create_agreement(owner=None, language="ru", sign=True, shares=("0.5", "0.3", "0.2")):
    """An agreement for an awarded application: an interim and a final report, three tranches
    (on signing, on the interim report, on the final report), signed today unless sign=False."""
    from grants.agreements import services as agreements
    from grants.agreements.schedule import ReportRow, TrancheRow, schedule

    application = create_awarded_application(owner=owner, language=language)
    today = astana_today()
    agreement = agreements.draw_up(operator(), application, today - timedelta(days=30), today + timedelta(days=300))
    amount = agreement.amount
    first = (amount * Decimal(shares[0])).quantize(Decimal("0.01"))
    second = (amount * Decimal(shares[1])).quantize(Decimal("0.01"))
    schedule(operator(), agreement, [
        ReportRow("interim", today - timedelta(days=30), today + timedelta(days=120), today + timedelta(days=130)),
        ReportRow("final", today + timedelta(days=121), today + timedelta(days=300), today + timedelta(days=310)),
    ], [
        TrancheRow(first, today, "on_signing"),
        TrancheRow(second, today + timedelta(days=140), "report_accepted", 1),
        TrancheRow(amount - first - second, today + timedelta(days=320), "report_accepted", 2),
    ])
    if sign:
        agreements.add_document(operator(), agreement, "signed_copy", io.BytesIO(PDF), "signed.pdf")
        agreements.sign(operator(), agreement, today)
    db.session.commit()
    return agreement


def create_sso_contract(owner=None, language="ru", submit_report=False, **call_overrides):
    """A signed state social order contract with its call's winner, registered at the offered price: an interim
    and a final report, a tranche on signing and one on each report. With submit_report, the supplier has filed
    and submitted the interim report (the contract sets no indicators or activities: the narrative, the people
    reached and the money spent on its one line make it complete)."""
    import io

    from grants.agreements import services as agreements
    from grants.agreements.schedule import ReportRow, TrancheRow, schedule
    from grants.monitoring import services as reports

    winner = create_sso_winner(owner=owner, language=language, **call_overrides)
    today = astana_today()
    contract = agreements.register_contract(
        operator(), winner.topic, winner.organization.bin, f"ГЗ-{next(_seq)}", None, winner.budget_total,
        today - timedelta(days=30), today + timedelta(days=300), "", language)
    third = (contract.amount / 3).quantize(Decimal("0.01"))
    schedule(operator(), contract, [
        ReportRow("interim", today - timedelta(days=30), today + timedelta(days=120), today + timedelta(days=130)),
        ReportRow("final", today + timedelta(days=121), today + timedelta(days=300), today + timedelta(days=310)),
    ], [
        TrancheRow(third, today, "on_signing"),
        TrancheRow(third, today + timedelta(days=140), "report_accepted", 1),
        TrancheRow(contract.amount - 2 * third, today + timedelta(days=320), "report_accepted", 2),
    ])
    agreements.add_document(operator(), contract, "signed_copy", io.BytesIO(PDF), "contract.pdf")
    agreements.sign(operator(), contract, today)
    if submit_report:
        supplier, report = owner_of(contract), contract.reports[0]
        reports.save(supplier, report, {"narrative": "Оказаны социальные услуги пожилым на дому.", "beneficiaries": 10,
                                        "reach": 25, "women": 6, "men": 4, "under_18": 0, "from_18_to_34": 2,
                                        "from_35_to_62": 3, "over_62": 5},
                     spending={contract.budget_lines[0].id: Decimal("500000.00")})
        reports.submit(supplier, report)
    db.session.commit()
    return contract


def owner_of(agreement):
    """The grantee NGO's first member: the one who files its reports."""
    return agreement.organization.memberships[0].user


def signed_in(app, user, lang="en"):
    """A client signed in as the user, reading the interface in `lang`."""
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    client.get(f"/?lang={lang}")
    return client


def fill_report(report, owner, spent=Decimal("1000.00"), evidence=True):
    """The report written as the NGO would: every indicator's actual, spending on the first budget line, the
    first activity done (with an act as its evidence unless evidence=False)."""
    agreement = report.agreement
    monitoring.save(owner, report, {"narrative": "Провели тренинги.", "beneficiaries": 10, "reach": 25, "women": 6,
                                    "men": 4, "under_18": 2, "from_18_to_34": 5, "from_35_to_62": 3, "over_62": 0},
                    indicators={i.id: (Decimal("5"), "") for i in agreement.indicators},
                    spending={agreement.budget_lines[0].id: spent},
                    activities={agreement.activities[0].id: (True, "Проведено")})
    if evidence:
        monitoring.add_evidence(owner, report, io.BytesIO(PDF), "act.pdf", agreement.activities[0].id)



def submitted_report(agreement=None):
    """The first report of the agreement (a new one unless given), filled in and submitted by the NGO."""
    agreement = agreement or create_agreement()
    report = agreement.reports[0]
    fill_report(report, owner_of(agreement))
    monitoring.submit(owner_of(agreement), report)
    db.session.commit()
    return report


def create_history(year, kato, language, outcome="submitted", awarded=None, customer="MCI", direction=11,
                   call="H-2020-03", org=None, requested="1000000.00", instrument="state_grant",
                   funding="republican"):
    """One imported application of the years before the platform."""
    def id_of(model, column, value):
        return db.session.execute(sa.select(model.id).where(column == value)).scalar_one()

    row = HistoricalApplication(
        ref=f"T-{next(_seq)}", year=year, call_code=call, instrument=instrument, funding_source=funding,
        customer_id=id_of(CustomerBody, CustomerBody.code, customer),
        direction_id=id_of(Direction, Direction.code, direction), region_id=id_of(Region, Region.kato, kato),
        language=language, organization_id=(org or create_organization(kato=kato)).id, outcome=outcome,
        amount_requested=Decimal(requested), amount_awarded=None if awarded is None else Decimal(awarded),
        source_file="test.csv")
    db.session.add(row)
    db.session.commit()
    return row


def history_row(ref, **overrides):
    """A line of `flask import-history`'s file (column: text), valid unless overridden."""
    values = {"ref": ref, "year": "2021", "call_code": "2021-MCI-03", "instrument": "state_grant",
              "funding_source": "republican", "customer": "MCI", "direction": "10", "region_kato": "750000000",
              "language": "kk", "ngo_bin": make_bin(90001), "ngo_name": "«Болашақ» қоғамдық бірлестігі",
              "outcome": "rejected", "amount_requested": "5000000.00", "amount_awarded": ""}
    values.update(overrides)
    return values


def request_workbook(client, **fields):
    """The analyst's statistics form sent with `fields` (all of Kazakhstan, every year, in English otherwise)."""
    data = {"year_from": "", "year_to": "", "instrument": "", "customer": "", "funding_source": "", "region": "",
            "direction": "", "language": "en", **fields}
    return post_form(client, "/analyst/", data)


def review_post(client, report, action, data, desk="/manage/reports"):
    """Accept or return a report from a review page (the operator's desk, or the customer's at
    /customer/reports): it holds the two forms, each with its own prefix."""
    token = csrf_token(client, f"{desk}/{report.id}")
    return client.post(f"{desk}/{report.id}/{action}",
                       data={f"{action}-csrf_token": token, **{f"{action}-{k}": v for k, v in data.items()}})


def reload_report(report):
    """The report as the database now holds it."""
    from grants.monitoring.models import Report

    db.session.expire_all()
    return db.session.get(Report, report.id)


def totp(secret, at=None, step_offset=0):
    """RFC 6238: HMAC-SHA1 over the 30-second step, dynamically truncated to six digits."""
    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def roll_call(meeting, application, outcome, reason="", against=(), actor=None):
    """The commission decides on `application` by roll call: each member present declares no conflict (unless they
    declared already), the secretary puts `outcome` to the vote, each member present votes for it (those whose
    users are in `against`, against), and the decision is recorded. A refusal of any step propagates."""
    from scoring.commission import services as commission

    actor = actor or operator()
    for member in meeting.present:
        if member.declared_at is None:
            commission.declare(member.user, meeting, {})
    commission.propose(actor, meeting, application, outcome, reason)
    for member in meeting.voters_on(application.id):
        voter = member.user if member.attendance == "remote" else actor
        commission.cast_vote(voter, meeting, application, member, "against" if member.user in against else "for")
    return commission.decide(actor, meeting, application)
