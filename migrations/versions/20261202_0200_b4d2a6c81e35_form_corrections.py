"""form_corrections: the published record of corrections to a published call's application form

A published call's form may be corrected until its first application is submitted; each correction
keeps its reason and a summary of what changed, shown on the call's public page.

Revision ID: b4d2a6c81e35
Revises: 9b1f4e2c7a10
Create Date: 2026-12-02 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b4d2a6c81e35"
down_revision = "9b1f4e2c7a10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_form_corrections_by_id_users")),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_form_corrections_call_id_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_corrections")),
    )
    with op.batch_alter_table("form_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_corrections_call_id"), ["call_id"], unique=False)


def downgrade():
    with op.batch_alter_table("form_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_corrections_call_id"))
    op.drop_table("form_corrections")
