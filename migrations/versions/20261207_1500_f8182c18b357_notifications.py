"""Notification preferences per kind, notices kept for the daily digest, reminders sent once

Revision ID: f8182c18b357
Revises: ed66658bc344
Create Date: 2026-12-07 15:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f8182c18b357'
down_revision = 'ed66658bc344'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sent_reminders',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'object_id', 'step', name=op.f('pk_sent_reminders'))
    )
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.CheckConstraint("mode IN ('now', 'digest', 'off')", name=op.f('ck_notification_preferences_mode')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )
    op.create_table('pending_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_notices'))
    )
    with op.batch_alter_table('pending_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_notices_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pending_notices_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pending_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_notices_user_id'))
        batch_op.drop_index(batch_op.f('ix_pending_notices_sent_at'))

    op.drop_table('pending_notices')
    op.drop_table('notification_preferences')
    op.drop_table('sent_reminders')
