"""The demo world's experts: a tie to an NGO, last year's call scored and decided, this year's still being scored."""

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from grants.calls.models import Call
from grants.db import utcnow
from grants.extensions import db
from grants.letters import services as letters
from grants.reference.models import Direction
from scoring.assignments import services as assignments
from scoring.assignments.models import Assignment
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

AWARD_LETTER = ("Уважаемые коллеги из {ngo}!\n\nКонкурсная комиссия конкурса {call} решила присудить грант по заявке "
                "{receipt} «{title}»: {place} место в рейтинге темы, итоговый балл {score}. Сумма гранта: {amount}.\n\n"
                "Оценки и комментарии экспертов открыты вам: {link}\nОператор свяжется с вами, чтобы подготовить "
                "договор.")


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
    # Below 24 points of 40 an application is not supported, whatever its place.
    sheets.set_rules(operator, past, {**{k: getattr(sheets.rules(past), k) for k in sheets.RULE_FIELDS},
                                      "threshold": Decimal("24")})
    db.session.flush()
    scored_at = past.deadline_at + timedelta(days=14)  # before the meeting, so its protocol counts the sheets
    marks = {"expert@baiqau.kz": ((8, 6, 9, 7), "Жоба өзекті, жоспары нақты; тренинг шығыстарын негіздеу керек."),
             "expert.ru@baiqau.kz": ((9, 7, 8, 8), "Сильная команда, понятный план; стоит усилить оценку результатов.")}
    # The Almaty NGO's Russian application scores 20 and 26, a mean of 23: below the threshold.
    low = {"expert@baiqau.kz": ((5, 4, 6, 5), "Әдістеме сипатталмаған; нәтижелерді өлшеу тәсілі түсініксіз."),
           "expert.ru@baiqau.kz": ((7, 6, 7, 6), "Идея понятна, но бюджет и план мероприятий требуют доработки.")}
    pavlodar = appealed = None
    for assignment in assignments.call_assignments(past):
        email = assignment.expert.user.email
        application = assignment.application
        if application.language == "ru" and email in marks:
            # Both experts of each Russian application declared no conflict and scored it; the Almaty
            # application in Kazakh still waits for Гүлнар's declaration.
            mine = marks if application.organization is orgs["ngo.pavlodar@baiqau.kz"] else low
            _score(users[email], assignment, sheets.criteria(past), *mine[email], scored_at)
            if mine is marks:
                pavlodar = application
            else:
                appealed = application
        elif email == "expert@baiqau.kz":
            # Гүлнар never answered the conflict question on the Almaty application: before the meeting
            # the operator took her off it, and the commission's decision closed its scoring.
            assignments.recuse(operator, assignment, "Эксперт не ответил на вопрос о конфликте интересов до "
                                                     "заседания комиссии.")
    db.session.flush()
    meeting = commission.convene(operator, past, past.deadline_at + timedelta(days=20), "Астана, Мәңгілік Ел 8",
                                 [(users["commission@baiqau.kz"], "ngos", True)])
    db.session.flush()
    # Before the vote the member declares no conflict on the applications; the secretary puts the ranking's
    # outcome to the vote and records the member's vote aloud; each decision is counted from the roll call.
    # The operator's Russian letter to a winner: the Pavlodar NGO is told with it (the Almaty NGO's head reads
    # Kazakh, and no letter on "not supported" is written: she gets the platform's own).
    letters.save(operator, "awarded", "ru", "Заявка {receipt}: грант присужден", AWARD_LETTER)
    _decide(users, meeting, {pavlodar: "awarded", appealed: "rejected"})
    # The call's appeals panel is someone outside the operator and the commission; the Pavlodar NGO's appeal on
    # its score waits for her answer.
    appeals.name_panelist(operator, past, users["appeals@baiqau.kz"], now=meeting.held_at)
    appeals.file_appeal(users["ngo.pavlodar@baiqau.kz"], pavlodar,
                        "Просим пересмотреть оценку по критерию реализуемости: эксперт не учел методику измерения "
                        "результатов, приложенную к заявке.", now=meeting.published_at + timedelta(days=2))
    scoring_now(users)
    # After this year's matcher has run: the expert who joins the register later takes no one else's work.
    upheld(users, meeting, appealed)


def _score(expert, assignment, criteria, points, comment, now=None):
    """The expert declares no conflict and submits the sheet: points in the order of the criteria."""
    assignments.declare(expert, assignment)
    sheet = sheets.sheet_for(expert, assignment)
    sheets.save(expert, sheet, {c.id: (Decimal(p), False, "") for c, p in zip(criteria, points, strict=True)},
                comment)
    sheets.submit(expert, sheet, now=now)


def _decide(users, meeting, outcomes):
    """The one member, in the room, declares no conflict and votes for each outcome; approved and published."""
    operator, member = users["operator@baiqau.kz"], users["commission@baiqau.kz"]
    commission.record_attendance(operator, meeting, {meeting.members[0].id: "in_person"})
    commission.declare(member, meeting, {})
    for application, outcome in outcomes.items():
        commission.propose(operator, meeting, application, outcome)
        commission.cast_vote(operator, meeting, application, meeting.members[0], "for")
        commission.decide(operator, meeting, application)
    commission.approve(operator, meeting, now=meeting.held_at)
    commission.publish(operator, meeting, now=meeting.held_at + timedelta(days=1))


def upheld(users, meeting, application):
    """The Almaty NGO appeals its "not supported"; the panel upholds it, setting Гүлнар's sheet aside; Ерлан, new on
    the register, scores in her place; a rehearing awards the application and publishes its protocol."""
    operator, panelist = users["operator@baiqau.kz"], users["appeals@baiqau.kz"]
    published = meeting.published_at
    appeal = appeals.file_appeal(users["ngo.almaty@baiqau.kz"], application,
                                 "Эксперт не учел методику измерения результатов и письма поддержки акимата, "
                                 "приложенные к заявке.", now=published + timedelta(days=3))
    directions = db.session.execute(sa.select(Direction).where(Direction.code == 9)).scalars().all()
    experts.enrol(operator, users["expert.appeal@baiqau.kz"], {"iin": None, "reads_kk": False, "reads_ru": True,
                                                               "region_id": None, "active": True}, directions)
    db.session.flush()
    contested = next(s.assignment for s in appeals.contested_sheets(application)
                     if s.assignment.expert.user.email == "expert@baiqau.kz")
    appeals.resolve_appeal(panelist, appeal, True, "Довод обоснован: методика и письма поддержки в оценке не "
                                                   "рассмотрены. Лист эксперта отводится, заявку оценит другой "
                                                   "эксперт.", set_aside=contested, now=published + timedelta(days=6))
    new = db.session.get(Assignment, appeal.rescored_by_id)
    _score(new.expert.user, new, sheets.criteria(meeting.call), (8, 7, 8, 7),
           "Методика измерения результатов приложена и применима; письма поддержки подтверждают площадки.",
           published + timedelta(days=10))
    db.session.flush()
    rehearing = commission.convene(operator, meeting.call, published + timedelta(days=14), "Астана, Мәңгілік Ел 8",
                                   [(users["commission@baiqau.kz"], "ngos", True)], rehearing=True)
    db.session.flush()
    _decide(users, rehearing, {application: "awarded"})  # 26 and 30, a mean of 28: second, within 2 grants


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
            _score(expert, assignment, criteria, (7, 8, 6, 7), "Жоба нақты, бірақ нәтижелерді өлшеу әдісі әлсіз.")
        elif email == "expert.ru@baiqau.kz":  # the Pavlodar application: declared, a draft begun
            assignments.declare(expert, assignment)
            sheet = sheets.sheet_for(expert, assignment)
            sheets.save(expert, sheet, {criteria[0].id: (Decimal(8), False, "")})
        elif assignment.application.language == "ru":  # Гүлнар declared no conflict on the Pavlodar one
            assignments.declare(expert, assignment)
        # and the Kyzylorda application still waits for her declaration
    db.session.flush()
