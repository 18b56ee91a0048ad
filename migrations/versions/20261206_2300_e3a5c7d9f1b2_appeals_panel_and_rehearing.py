"""Appeals heard by the call's panel; an upheld appeal rescored and decided again at a rehearing

Revision ID: e3a5c7d9f1b2
Revises: d2f4b6c8e0a1
Create Date: 2026-12-06 23:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'e3a5c7d9f1b2'
down_revision = 'd2f4b6c8e0a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'appeal_panelists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('named_by_id', sa.Integer(), nullable=False),
        sa.Column('named_at', grants.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_appeal_panelists_call_id_calls'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['named_by_id'], ['users.id'], name=op.f('fk_appeal_panelists_named_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_appeal_panelists_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_panelists')),
        sa.UniqueConstraint('call_id', 'user_id', name='uq_appeal_panelists_call_user'),
    )
    with op.batch_alter_table('appeal_panelists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_panelists_call_id'), ['call_id'], unique=False)

    with op.batch_alter_table('commission_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rehearing', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('commission_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_commission_decisions_application_id'), type_='unique')
        batch_op.create_unique_constraint('uq_commission_decisions_meeting_application',
                                          ['meeting_id', 'application_id'])

    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('set_aside_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rescored_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_appeals_set_aside_id_assignments'), 'assignments',
                                    ['set_aside_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_appeals_rescored_by_id_assignments'), 'assignments',
                                    ['rescored_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_appeals_meeting_id_commission_meetings'), 'commission_meetings',
                                    ['meeting_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_appeals_only_upheld_reopens'),
            "state = 'upheld' OR (set_aside_id IS NULL AND rescored_by_id IS NULL AND meeting_id IS NULL)")
        batch_op.create_check_constraint(
            op.f('ck_appeals_upheld_rescores'),
            "state != 'upheld' OR (set_aside_id IS NOT NULL AND rescored_by_id IS NOT NULL)")


def downgrade():
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_appeals_upheld_rescores'), type_='check')
        batch_op.drop_constraint(op.f('ck_appeals_only_upheld_reopens'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_appeals_meeting_id_commission_meetings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_appeals_rescored_by_id_assignments'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_appeals_set_aside_id_assignments'), type_='foreignkey')
        batch_op.drop_column('meeting_id')
        batch_op.drop_column('rescored_by_id')
        batch_op.drop_column('set_aside_id')

    with op.batch_alter_table('commission_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_commission_decisions_meeting_application', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_commission_decisions_application_id'), ['application_id'])

    with op.batch_alter_table('commission_meetings', schema=None) as batch_op:
        batch_op.drop_column('rehearing')

    with op.batch_alter_table('appeal_panelists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_panelists_call_id'))

    op.drop_table('appeal_panelists')
