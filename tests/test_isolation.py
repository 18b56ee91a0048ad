"""Each test starts from the same database: what one test commits, the next never sees."""

import sqlalchemy as sa

from grants.auth.models import User
from grants.extensions import db
from tests.factories import create_user


def test_a_committed_row_exists_within_its_test():
    create_user("applicant", email="leftover@example.kz")
    assert db.session.execute(sa.select(User).where(User.email == "leftover@example.kz")).scalar_one()


def test_the_row_committed_by_the_test_before_is_gone():
    assert db.session.execute(sa.select(User).where(User.email == "leftover@example.kz")).first() is None
