"""E-mail verification: when an account's address was proven by the mailed link

A nullable column. Accounts that exist were opened under the old rule and act today: they are marked
confirmed as of their creation, so that nobody is stopped mid-work; new self-registered accounts start
unconfirmed.

Revision ID: a9c3e5f7d1b2
Revises: f4a8d2b6c0e1
Create Date: 2026-12-02 19:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'a9c3e5f7d1b2'
down_revision = 'f4a8d2b6c0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', grants.db.UTCDateTime(), nullable=True))
    users = sa.table('users', sa.column('email_verified_at', grants.db.UTCDateTime()),
                     sa.column('created_at', grants.db.UTCDateTime()))
    op.execute(users.update().values(email_verified_at=users.c.created_at))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
