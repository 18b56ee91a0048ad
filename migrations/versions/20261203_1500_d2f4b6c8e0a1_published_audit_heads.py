"""Published heads of the audit chain: one a day on the open-data page, and one in each published protocol

Revision ID: d2f4b6c8e0a1
Revises: c1e3a5b7d9f2
Create Date: 2026-12-03 15:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'd2f4b6c8e0a1'
down_revision = 'c1e3a5b7d9f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_heads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('published_at', grants.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_heads')),
        sa.UniqueConstraint('day', name=op.f('uq_audit_heads_day')),
    )
    with op.batch_alter_table('commission_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_head_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('audit_head_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('commission_meetings', schema=None) as batch_op:
        batch_op.drop_column('audit_head_hash')
        batch_op.drop_column('audit_head_position')
    op.drop_table('audit_heads')
