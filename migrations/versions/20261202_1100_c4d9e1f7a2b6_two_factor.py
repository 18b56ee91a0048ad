"""Two-factor sign-in: a user's TOTP secret and their one-time recovery codes

Two new tables; nothing existing changes. Every account starts without a second factor.

Revision ID: c4d9e1f7a2b6
Revises: b8e4f2a6c913
Create Date: 2026-12-02 11:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'c4d9e1f7a2b6'
down_revision = 'b8e4f2a6c913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'two_factors',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('enabled_at', grants.db.UTCDateTime(), nullable=False),
        sa.Column('last_step', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_two_factors_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_two_factors')),
    )
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', grants.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['two_factors.user_id'],
                                name=op.f('fk_recovery_codes_user_id_two_factors'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    op.drop_table('two_factors')
