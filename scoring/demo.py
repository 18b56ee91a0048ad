"""The demo world's experts: languages, directions, a tie to an NGO, last year's call assigned and partly scored."""

from decimal import Decimal

import sqlalchemy as sa

from grants.extensions import db
from grants.reference.models import Direction
from scoring.assignments import services as assignments
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
    db.session.flush()
    assignments.assign(operator, past)
    db.session.flush()
    sheets.use_default_criteria(operator, past)
    db.session.flush()
    criteria = sheets.criteria(past)
    for assignment in assignments.call_assignments(past):
        if assignment.expert.user.email == "expert@baiqau.kz" and assignment.application.language == "ru":
            # Гүлнар has declared no conflict and submitted her scores; Ольга's are still awaited.
            expert = users["expert@baiqau.kz"]
            assignments.declare(expert, assignment)
            sheet = sheets.sheet_for(expert, assignment)
            points = dict(zip(("REL", "INN", "FEA", "COS"), (8, 6, 9, 7), strict=True))
            sheets.save(expert, sheet, {c.id: (Decimal(points[c.code]), False, "") for c in criteria},
                        "Жоба өзекті, жоспары нақты; сметадағы тренинг шығыстарын толығырақ негіздеу керек.")
            sheets.submit(expert, sheet)
