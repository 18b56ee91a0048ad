"""Survey codes: each answers a project's beneficiaries' survey once

Revision ID: 34f94fe061b2
Revises: f7243fd72ee2
Create Date: 2026-12-07 23:50:36.984785

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '34f94fe061b2'
down_revision = 'f7243fd72ee2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('event', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_survey_codes_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_survey_codes_issued_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_codes_code'))
    )
    with op.batch_alter_table('survey_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_codes_agreement_id'), ['agreement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('survey_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_codes_agreement_id'))

    op.drop_table('survey_codes')
