"""Decision letters for every outcome registered: the commission's results and appeals as well as the check

The outcome column listed the eligibility check's three outcomes in a CHECK; the outcomes are now those the
packages register (grants.letters.services.kinds), validated when a letter is saved, and keys are up to 32 long.

Revision ID: a7c3e9f1b5d2
Revises: 34f94fe061b2
Create Date: 2026-12-07 23:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b5d2'
down_revision = '34f94fe061b2'
branch_labels = None
depends_on = None


def upgrade():
    checks = {c['name'] for c in sa.inspect(op.get_bind()).get_check_constraints('letter_templates')}
    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        if 'ck_letter_templates_outcome' in checks:  # gone already where this revision went down and up again
            batch_op.drop_constraint(op.f('ck_letter_templates_outcome'), type_='check')
        batch_op.alter_column('outcome', existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)


def downgrade():
    # Every letter stays, those on the results and appeals too (no registered key is longer than 16): the check's
    # three outcomes are not listed again, since those letters would break the list, and the code before this
    # revision looks letters up by its own outcomes only.
    with op.batch_alter_table('letter_templates', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
