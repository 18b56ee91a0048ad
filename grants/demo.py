"""The demo world: one user per role, NGOs in several regions, a customer body."""

import sqlalchemy as sa

from grants import audit
from grants.auth import services as auth_services
from grants.auth.models import Role
from grants.extensions import db
from grants.organizations.models import Membership, Organization
from grants.reference.models import Region

# Fixed so the README can list them; `make run` is for a developer's own machine.
PASSWORD = "baiqau-demo-2026"  # noqa: S105 (a demo password, refused in production)

ACCOUNTS = [
    ("admin@baiqau.kz", "Әсем Админова", [Role.admin], "kk"),
    ("operator@baiqau.kz", "Ержан Операторов", [Role.operator], "ru"),
    ("ngo.almaty@baiqau.kz", "Айгүл Сейітқызы", [Role.applicant], "kk"),
    ("ngo.kyzylorda@baiqau.kz", "Марат Жұмабаев", [Role.applicant], "kk"),
    ("ngo.pavlodar@baiqau.kz", "Елена Петрова", [Role.applicant], "ru"),
    ("expert@baiqau.kz", "Гүлнар Сарапшы", [Role.expert], "kk"),
    ("commission@baiqau.kz", "Бауыржан Комиссиев", [Role.commission], "ru"),
    ("customer@baiqau.kz", "Динара Министрлік", [Role.customer], "ru"),
    ("analyst@baiqau.kz", "Analyst Demo", [Role.analyst], "en"),
    ("observer@baiqau.kz", "Қанат Бақылаушы", [Role.observer], "kk"),
]

# BINs with valid check digits and a 4 in the fifth place (resident legal entity).
NGOS = [
    ("ngo.almaty@baiqau.kz", "150340012340", "«Жастар келешегі» қоғамдық бірлестігі",
     "Общественное объединение «Будущее молодёжи»", "750000000", "Алматы қ., Абай даңғылы, 10"),
    ("ngo.kyzylorda@baiqau.kz", "180740001236", "«Арал өңірі» қоғамдық қоры",
     "Общественный фонд «Приаралье»", "430000000", "Қызылорда қ., Әйтеке би к-сі, 27"),
    ("ngo.pavlodar@baiqau.kz", "090540004561", "«Ертіс волонтерлері» қауымдастығы",
     "Ассоциация «Волонтёры Прииртышья»", "550000000", "Павлодар қ., Торайғыров к-сі, 64"),
]


def seed():
    """Create the demo users and NGOs; returns (email, password, roles) for printing."""
    users = {}
    printed = []
    for email, name, roles, locale in ACCOUNTS:
        user, password = auth_services.create_user("seed-demo", email, name, roles, PASSWORD, locale)
        users[email] = user
        printed.append((email, password, [r.value for r in roles]))
    for owner, bin_, name_kk, name_ru, kato, address in NGOS:
        region = db.session.execute(sa.select(Region).where(Region.kato == kato)).scalar_one()
        org = Organization(
            bin=bin_, name_kk=name_kk, name_ru=name_ru, legal_form="Қоғамдық бірлестік",
            region=region, address=address, head_name=users[owner].full_name,
            phone="+7 700 000 00 00", email=owner, registry_year=2026,
        )
        org.memberships.append(Membership(user=users[owner], is_owner=True))
        db.session.add(org)
        audit.record("seed-demo", "organization.create", org, after={"bin": bin_, "region": kato})
    db.session.flush()
    return printed
