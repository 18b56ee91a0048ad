"""ЭЦП sign-in: the one-time challenges NCALayer signs, and the IIN a certificate links to an account

A new table and a new nullable, unique column; existing accounts have no IIN until their holder first signs
in with ЭЦП.

Revision ID: d1e6b3a8f5c7
Revises: c4d9e1f7a2b6
Create Date: 2026-12-02 16:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'd1e6b3a8f5c7'
down_revision = 'c4d9e1f7a2b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_challenges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('created_at', grants.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', grants.db.UTCDateTime(), nullable=False),
        sa.Column('used_at', grants.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_challenges')),
        sa.UniqueConstraint('token', name=op.f('uq_sign_in_challenges_token')),
    )
    with op.batch_alter_table('sign_in_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_challenges_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iin', sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_iin'), ['iin'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_iin'), type_='unique')
        batch_op.drop_column('iin')
    with op.batch_alter_table('sign_in_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_challenges_expires_at'))
    op.drop_table('sign_in_challenges')
