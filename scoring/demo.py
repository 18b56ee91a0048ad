"""The demo world's experts: a tie to an NGO, last year's call scored and decided, this year's still being scored."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from grants.calls.models import Call
from grants.db import utcnow
from grants.extensions import db
from grants.reference.models import Direction
from scoring.assignments import services as assignments
from scoring.commission import appeals
from scoring.commission import services as commission
from scoring.experts import services as experts
from scoring.sheets import services as sheets

EXPERTS = [
    # e-mail, reads kk, reads ru, directions
    ("expert@baiqau.kz", True, True, [9, 10, 11]),
    ("expert.ru@baiqau.kz", False, True, [7, 9]),
    ("expert.kk@baiqau.kz", True, False, [9, 14]),
]


def extend(users, orgs, past):
    operator = users["operator@baiqau.kz"]
    enrolled = {}
    for email, kk, ru, codes in EXPERTS:
        directions = db.session.execute(sa.select(Direction).where(Direction.code.in_(codes))).scalars().all()
        enrolled[email] = experts.enrol(operator, users[email], {"iin": None, "reads_kk": kk, "reads_ru": ru,
                                                                 "region_id": None, "active": True}, directions)
    # Нұрлан sits on the board of the Almaty NGO: the matcher must not give him its application.
    almaty = orgs["ngo.almaty@baiqau.kz"]
    experts.add_affiliation(operator, enrolled["expert.kk@baiqau.kz"], almaty.bin, almaty.name_kk, "board")
    # Гүлнар's sister shares a name with the Almaty NGO's head: not a refusal, a flag the operator checks.
    experts.add_relative(operator, enrolled["expert@baiqau.kz"], "870412450012", "Сейітқызы Айгүл Болатқызы",
                         "сіңлісі")
    db.session.flush()
    assignments.assign(operator, past)
    db.session.flush()
    sheets.use_default_criteria(operator, past)
    db.session.flush()
    criteria = sheets.criteria(past)
    marks = {"expert@baiqau.kz": ((8, 6, 9, 7), "Жоба өзекті, жоспары нақты; тренинг шығыстарын негіздеу керек."),
             "expert.ru@baiqau.kz": ((9, 7, 8, 8), "Сильная команда, понятный план; стоит усилить оценку результатов.")}
    pavlodar = None
    for assignment in assignments.call_assignments(past):
        email = assignment.expert.user.email
        if assignment.application.language == "ru" and email in marks:
            # Both experts of the Pavlodar application declared no conflict and scored it; the Almaty
            # application still waits for Гүлнар's declaration.
            expert = users[email]
            assignments.declare(expert, assignment)
            sheet = sheets.sheet_for(expert, assignment)
            points = dict(zip(("REL", "INN", "FEA", "COS"), marks[email][0], strict=True))
            sheets.save(expert, sheet, {c.id: (Decimal(points[c.code]), False, "") for c in criteria},
                        marks[email][1])
            sheets.submit(expert, sheet)
            pavlodar = assignment.application
        elif email == "expert@baiqau.kz":
            # Гүлнар never answered the conflict question on the Almaty application: before the meeting
            # the operator took her off it, and the commission's decision closed its scoring.
            assignments.recuse(operator, assignment, "Эксперт не ответил на вопрос о конфликте интересов до "
                                                     "заседания комиссии.")
    db.session.flush()
    meeting = commission.convene(operator, past, past.deadline_at + timedelta(days=20), "Астана, Мәңгілік Ел 8",
                                 [(users["commission@baiqau.kz"], "ngos", True)])
    db.session.flush()
    commission.record_attendance(operator, meeting, {meeting.members[0].id: "in_person"})
    # Before the vote the member declares no conflict on either application; the secretary puts the ranking's
    # outcome to the vote and records the member's vote aloud; the decision is counted from the roll call.
    commission.declare(users["commission@baiqau.kz"], meeting, {})
    commission.propose(operator, meeting, pavlodar, "awarded")
    commission.cast_vote(operator, meeting, pavlodar, meeting.members[0], "for")
    commission.decide(operator, meeting, pavlodar)
    commission.approve(operator, meeting, now=meeting.held_at)
    commission.publish(operator, meeting, now=meeting.held_at + timedelta(days=1))
    # The call's appeals panel is someone outside the operator and the commission; the Pavlodar NGO's appeal on
    # its score waits for her answer.
    appeals.name_panelist(operator, past, users["appeals@baiqau.kz"], now=meeting.held_at)
    appeals.file_appeal(users["ngo.pavlodar@baiqau.kz"], pavlodar,
                        "Просим пересмотреть оценку по критерию реализуемости: эксперт не учел методику измерения "
                        "результатов, приложенную к заявке.", now=meeting.published_at + timedelta(days=2))
    scoring_now(users)


def scoring_now(users):
    """This year's call under review: one sheet submitted, one draft, Гүлнар's declaration still awaited."""
    operator = users["operator@baiqau.kz"]
    call = db.session.execute(sa.select(Call).where(Call.code == "2026-MCI-01")).scalar_one()
    assignments.assign(operator, call)
    sheets.use_default_criteria(operator, call)
    sheets.set_rules(operator, call, {**{k: getattr(sheets.rules(call), k) for k in sheets.RULE_FIELDS},
                                      "deadline": utcnow() + timedelta(days=10)})
    db.session.flush()
    criteria = sheets.criteria(call)
    for assignment in assignments.call_assignments(call):
        email = assignment.expert.user.email
        expert = users[email]
        if email == "expert.kk@baiqau.kz":  # the Kyzylorda application, scored and submitted
            assignments.declare(expert, assignment)
            sheet = sheets.sheet_for(expert, assignment)
            sheets.save(expert, sheet, {c.id: (Decimal(p), False, "") for c, p in zip(criteria, (7, 8, 6, 7),
                                                                                       strict=True)},
                        "Жоба нақты, бірақ нәтижелерді өлшеу әдісі әлсіз.")
            sheets.submit(expert, sheet)
        elif email == "expert.ru@baiqau.kz":  # the Pavlodar application: declared, a draft begun
            assignments.declare(expert, assignment)
            sheet = sheets.sheet_for(expert, assignment)
            sheets.save(expert, sheet, {criteria[0].id: (Decimal(8), False, "")})
        elif assignment.application.language == "ru":  # Гүлнар declared no conflict on the Pavlodar one
            assignments.declare(expert, assignment)
        # and the Kyzylorda application still waits for her declaration
    db.session.flush()
