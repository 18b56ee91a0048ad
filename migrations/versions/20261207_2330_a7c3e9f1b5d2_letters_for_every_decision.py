"""Decision letters for every outcome registered: the commission's results and appeals as well as the check

The outcome column listed the eligibility check's three outcomes in a CHECK; the outcomes are now those the
packages register (grants.letters.services.kinds), validated when a letter is saved, and keys are up to 32 long.

Revision ID: a7c3e9f1b5d2
Revises: e62d077e8a77
Create Date: 2026-12-07 23:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b5d2'
down_revision = 'e62d077e8a77'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_letter_templates_outcome'), type_='check')
        batch_op.alter_column('outcome', existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)


def downgrade():
    # the letters on other outcomes than the check's go: the column held only those
    op.execute("DELETE FROM letter_templates WHERE outcome NOT IN ('eligible', 'ineligible', 'returned')")
    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_letter_templates_outcome'),
                                         "outcome IN ('eligible', 'ineligible', 'returned')")
