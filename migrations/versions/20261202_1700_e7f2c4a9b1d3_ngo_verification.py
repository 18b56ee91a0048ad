"""NGO verification: who proved the NGO is theirs, how and when

Four nullable columns. NGOs registered before this revision are marked "legacy" (verified when the migration
ran): they were accepted under the old rule and may have applications in flight; a certificate of their BIN
still reclaims them, and the operator's list shows them apart.

Revision ID: e7f2c4a9b1d3
Revises: d1e6b3a8f5c7
Create Date: 2026-12-02 17:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'e7f2c4a9b1d3'
down_revision = 'd1e6b3a8f5c7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('verified_at', grants.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verification_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organizations_verified_by_id_users'), 'users',
                                    ['verified_by_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_organizations_verification'),
                                        "verification IN ('eds', 'documents', 'legacy')")
    organizations = sa.table('organizations', sa.column('verification', sa.String),
                             sa.column('verified_at', grants.db.UTCDateTime()))
    op.execute(organizations.update().values(verification='legacy', verified_at=sa.func.current_timestamp()))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organizations_verification'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_organizations_verified_by_id_users'), type_='foreignkey')
        batch_op.drop_column('verification_note')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('verification')
