"""The commission's roll call: members' declarations of conflicts per application, the motion put to the vote on
each application, each member's vote, the meeting's voting rule, and the conflicted members counted in a decision

Decisions recorded before keep their typed totals; from now on totals are counted from the votes.

Revision ID: b5d7e9f1a3c6
Revises: a9c3e5f7d1b2
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'b5d7e9f1a3c6'
down_revision = 'a9c3e5f7d1b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commission_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voting_rule', sa.String(length=16), server_default='majority_chair',
                                      nullable=False))
        batch_op.create_check_constraint('voting_rule', "voting_rule IN ('majority_chair', 'majority', 'two_thirds')")
    with op.batch_alter_table('commission_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_at', grants.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('commission_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('votes_conflicted', sa.Integer(), server_default='0', nullable=False))

    op.create_table(
        'commission_declarations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('conflicted', sa.Boolean(), nullable=False),
        sa.Column('detected', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('declared_at', grants.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint('conflicted OR NOT detected', name=op.f('ck_commission_declarations_detected_is_conflict')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_commission_declarations_application_id_applications'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['commission_members.id'],
                                name=op.f('fk_commission_declarations_member_id_commission_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_declarations')),
        sa.UniqueConstraint('member_id', 'application_id', name='uq_commission_declarations_member_application'),
    )
    with op.batch_alter_table('commission_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_declarations_member_id'), ['member_id'], unique=False)

    op.create_table(
        'commission_motions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=False),
        sa.Column('proposed_at', grants.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("outcome IN ('awarded', 'reserve', 'rejected')", name=op.f('ck_commission_motions_outcome')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_commission_motions_application_id_applications'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['commission_meetings.id'],
                                name=op.f('fk_commission_motions_meeting_id_commission_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'],
                                name=op.f('fk_commission_motions_proposed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_motions')),
        sa.UniqueConstraint('meeting_id', 'application_id', name='uq_commission_motions_meeting_application'),
    )
    with op.batch_alter_table('commission_motions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_motions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table(
        'commission_votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('motion_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.String(length=8), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('remote', sa.Boolean(), nullable=False),
        sa.Column('at', grants.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name=op.f('ck_commission_votes_choice')),
        sa.ForeignKeyConstraint(['member_id'], ['commission_members.id'],
                                name=op.f('fk_commission_votes_member_id_commission_members'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['motion_id'], ['commission_motions.id'],
                                name=op.f('fk_commission_votes_motion_id_commission_motions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_commission_votes_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_votes')),
        sa.UniqueConstraint('motion_id', 'member_id', name='uq_commission_votes_motion_member'),
    )
    with op.batch_alter_table('commission_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_votes_motion_id'), ['motion_id'], unique=False)


def downgrade():
    op.drop_table('commission_votes')
    op.drop_table('commission_motions')
    op.drop_table('commission_declarations')
    with op.batch_alter_table('commission_decisions', schema=None) as batch_op:
        batch_op.drop_column('votes_conflicted')
    with op.batch_alter_table('commission_members', schema=None) as batch_op:
        batch_op.drop_column('declared_at')
    with op.batch_alter_table('commission_meetings', schema=None) as batch_op:
        batch_op.drop_constraint('voting_rule', type_='check')
        batch_op.drop_column('voting_rule')
