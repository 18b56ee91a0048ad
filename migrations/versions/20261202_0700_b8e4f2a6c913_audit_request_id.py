"""The request that wrote an audit event, to find its log lines and the jobs it queued

NULL for every existing event; outside the hashed payload, so the chain verifies as before.

Revision ID: b8e4f2a6c913
Revises: a7d3e5b1c902
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8e4f2a6c913'
down_revision = 'a7d3e5b1c902'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_request_id'))
        batch_op.drop_column('request_id')
