"""Worlds several test packages start from: experts and eligible applications, scored and ranked calls, a
commission with its quorum, an award's nominations — built through the services, as tests/factories.py builds
single objects."""

import io
from decimal import Decimal

import sqlalchemy as sa

from grants.applications import eligibility
from grants.applications import services as app_services
from grants.applications.models import CHECKLIST
from grants.db import utcnow
from grants.extensions import db
from grants.reference.models import Direction
from scoring.assignments import services as assignments
from scoring.commission import services as commission
from scoring.experts import services as experts
from scoring.sheets import services as sheets
from tests.factories import (
    PDF,
    create_application,
    create_call,
    create_organization,
    create_user,
    end_intake,
    in_time,
    operator,
    roll_call,
)

ALL_PASS = {code: True for code, _label in CHECKLIST}


def enrol(languages=("kk", "ru"), directions=(11,), **kwargs):
    user = create_user("expert")
    rows = db.session.execute(sa.select(Direction).where(Direction.code.in_(directions))).scalars().all()
    expert = experts.enrol(operator(), user, {"iin": None, "reads_kk": "kk" in languages,
                                              "reads_ru": "ru" in languages, "region_id": None, "active": True,
                                              **kwargs}, rows)
    db.session.commit()
    return expert


def eligible(call, language="ru", n=1):
    apps = [create_application(call=call, language=language, submit=True) for _ in range(n)]
    end_intake(call)
    for application in apps:
        eligibility.review(operator(), application, "eligible", ALL_PASS)
    db.session.commit()
    return apps


def scored_call(n_apps=1, per_item=1, n_experts=None, **call):
    c = create_call(experts_per_application=per_item, **call)
    apps = eligible(c, n=n_apps)
    pool = [enrol() for _ in range(n_experts or per_item)]
    sheets.use_default_criteria(operator(), c)
    assignments.assign(operator(), c)
    for a in assignments.call_assignments(c):
        assignments.declare(a.expert.user, a)
    db.session.commit()
    return c, apps, pool


def sheet_of(call, application, expert):
    assignment = next(a for a in assignments.call_assignments(call)
                      if a.application_id == application.id and a.expert_id == expert.id)
    return sheets.sheet_for(expert.user, assignment)


def fill_sheet(call, sheet, expert, points, na=(), comments=None):
    crit = sheets.criteria(call)
    values = {c.id: (None if c.code in na else Decimal(p), c.code in na, (comments or {}).get(c.code, ""))
              for c, p in zip(crit, points, strict=True)}
    sheets.save(expert.user, sheet, values)
    return sheet


def commission_members(n, by_operator=1):
    users = [create_user("commission") for _ in range(n)]
    return [(u, "operator" if i < by_operator else "ngos", i == 0) for i, u in enumerate(users)]


def ranked_call(marks):
    """A call with one topic of 1 grant; each application scored by one expert with the given points."""
    call, apps, pool = scored_call(n_apps=len(marks), per_item=1, n_experts=1)
    (expert,) = pool
    for application, points in zip(apps, marks, strict=True):
        sheet = fill_sheet(call, sheet_of(call, application, expert), expert, points)
        sheets.submit(expert.user, sheet)
    db.session.commit()
    call.topics[0].grants_count = 1
    return call, apps


def convene_with_quorum(call, n=3):
    meeting = commission.convene(operator(), call, utcnow(), "Астана, Мәңгілік Ел 8", commission_members(n))
    db.session.flush()
    commission.record_attendance(operator(), meeting, {m.id: "in_person" if i < n - 1 else "remote"
                                                       for i, m in enumerate(meeting.members)})
    return meeting


def awarded_by_commission(publish=True):
    call, (application,) = ranked_call([[9, 9, 9, 9]])
    meeting = convene_with_quorum(call)
    roll_call(meeting, application, "awarded")
    commission.approve(operator(), meeting)
    if publish:
        commission.publish(operator(), meeting)
    db.session.commit()
    return application


def nominate(call, language="kk", answers=None, slots=("evidence", "charter")):
    """A nomination written and submitted on the award's form, then found eligible."""
    owner = create_user("applicant")
    org = create_organization(owner=owner)
    nomination = app_services.start(owner, call.topics[0], org, language, now=in_time(call))
    db.session.flush()
    app_services.save(owner, nomination, {"title": f"Номинация {org.bin}", "language": language,
                                          "achievements": "2025 жылы 300 балаға көмектестік.", "reached": 300,
                                          "references": "Әкімдік", "development": "Оқыту", **(answers or {})})
    for slot in slots:
        app_services.add_document(owner, nomination, slot, io.BytesIO(PDF), f"{slot}.pdf")
    app_services.submit(owner, nomination, now=in_time(call))
    end_intake(call)
    eligibility.review(operator(), nomination, "eligible", ALL_PASS)
    db.session.commit()
    return nomination
