"""Valid objects built through the services, with overrides."""

import itertools

import sqlalchemy as sa

from grants.auth import services as auth_services
from grants.extensions import db
from grants.identifiers import check_digit
from grants.organizations.models import Membership, Organization
from grants.reference.models import Region
from tests.conftest import PASSWORD

_seq = itertools.count(1)


def create_user(*roles, email=None, password=PASSWORD, locale=None, full_name=None):
    n = next(_seq)
    email = email or f"user{n}@example.kz"
    user, _ = auth_services.create_user("test", email, full_name or f"Test User {n}", roles or ["applicant"],
                                        password, locale)
    db.session.commit()
    return user


def make_bin(serial):
    """A valid resident legal entity BIN with the given serial number."""
    for month in range(1, 13):
        first11 = f"20{month:02d}40{serial:05d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise AssertionError("no valid BIN")


def create_organization(owner=None, kato="750000000", **overrides):
    n = next(_seq)
    region = db.session.execute(sa.select(Region).where(Region.kato == kato)).scalar_one()
    values = dict(
        bin=make_bin(n), name_kk=f"Тест ҮЕҰ {n}", name_ru=f"Тестовое НПО {n}", legal_form="Қоғамдық бірлестік",
        region=region, address="Алматы", head_name="Head", phone="+7 700 000 00 00",
        email=f"ngo{n}@example.kz", registry_year=2026,
    )
    values.update(overrides)
    org = Organization(**values)
    if owner is not None:
        org.memberships.append(Membership(user=owner, is_owner=True))
    db.session.add(org)
    db.session.commit()
    return org
