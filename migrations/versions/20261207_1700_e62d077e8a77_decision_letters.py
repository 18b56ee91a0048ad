"""Decision letters the operator writes per outcome of the eligibility check and per language

Revision ID: e62d077e8a77
Revises: f5b7d9e1a3c4
Create Date: 2026-12-07 17:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e62d077e8a77'
down_revision = 'f5b7d9e1a3c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_templates',
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('kk', 'ru')", name=op.f('ck_letter_templates_language')),
    sa.CheckConstraint("outcome IN ('eligible', 'ineligible', 'returned')", name=op.f('ck_letter_templates_outcome')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_letter_templates_updated_by_id_users')),
    sa.PrimaryKeyConstraint('outcome', 'language', name=op.f('pk_letter_templates'))
    )


def downgrade():
    op.drop_table('letter_templates')
