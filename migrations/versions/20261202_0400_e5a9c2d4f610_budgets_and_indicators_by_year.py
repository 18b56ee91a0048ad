"""A year on budget lines and indicators: a strategic partnership plans three years, a tranche a year

NULL for every existing row: their forms ask for one budget for the whole project.

Revision ID: e5a9c2d4f610
Revises: d81c3f5a2b77
Create Date: 2026-12-02 04:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5a9c2d4f610'
down_revision = 'd81c3f5a2b77'
branch_labels = None
depends_on = None

TABLES = ('application_budget_lines', 'application_indicators', 'agreement_budget_lines', 'agreement_indicators')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('year')
