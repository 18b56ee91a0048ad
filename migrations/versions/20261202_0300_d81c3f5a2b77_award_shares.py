"""applications.awarded_amount and the award agreement: an award's winners share its nomination's amount

Set when the results are published: each winner of an award topic takes an equal share of the
topic's amount, rounded down to the tiyn; the remainder stays undistributed and is stated. Existing
rows keep NULL (no award has been decided on the platform yet).

Revision ID: d81c3f5a2b77
Revises: b4d2a6c81e35
Create Date: 2026-12-02 03:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd81c3f5a2b77'
down_revision = 'b4d2a6c81e35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awarded_amount', sa.Numeric(precision=16, scale=2), nullable=True))
    # Alembic does not compare CHECK constraints: the award agreement joins the kinds by hand.
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agreements_kind'), type_='check')
        batch_op.create_check_constraint('kind', "kind IN ('grant', 'sso_contract', 'award')")


def downgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agreements_kind'), type_='check')
        batch_op.create_check_constraint('kind', "kind IN ('grant', 'sso_contract')")
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('awarded_amount')
