"""calls.commission_decided_at: when the commission first approved a protocol on the call

From then the call's eligibility is over. Existing calls take the date of their earliest approved
(or published) meeting.

Revision ID: 7c3e5a9d1f42
Revises: ad532c82e3d3
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3e5a9d1f42'
down_revision = 'ad532c82e3d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commission_decided_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE calls SET commission_decided_at = (SELECT MIN(m.approved_at) FROM commission_meetings m "
        "WHERE m.call_id = calls.id AND m.state IN ('approved', 'published'))"
    )


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('commission_decided_at')
