"""Sealed intake: an application opened before its call's deadline says when, by whom and why

Revision ID: c1e3a5b7d9f2
Revises: b5d7e9f1a3c6
Create Date: 2026-12-03 14:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'c1e3a5b7d9f2'
down_revision = 'b5d7e9f1a3c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_early_at', grants.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('opened_early_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opened_early_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_applications_opened_early_by_id_users'), 'users',
                                    ['opened_early_by_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_applications_opened_early_says_who_and_why'),
            "opened_early_at IS NULL OR (opened_early_by_id IS NOT NULL AND opened_early_reason != '')")


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applications_opened_early_says_who_and_why'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_applications_opened_early_by_id_users'), type_='foreignkey')
        batch_op.drop_column('opened_early_reason')
        batch_op.drop_column('opened_early_by_id')
        batch_op.drop_column('opened_early_at')
