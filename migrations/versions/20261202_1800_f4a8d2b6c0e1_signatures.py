"""Signed documents: each verified ЭЦП signature with the manifest it is over and the content it names

One new table; nothing existing changes.

Revision ID: f4a8d2b6c0e1
Revises: e7f2c4a9b1d3
Create Date: 2026-12-02 18:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'f4a8d2b6c0e1'
down_revision = 'e7f2c4a9b1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signatures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('manifest', sa.LargeBinary(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('cms', sa.Text(), nullable=False),
        sa.Column('signer_iin', sa.String(length=12), nullable=False),
        sa.Column('signer_name', sa.String(length=255), nullable=False),
        sa.Column('signer_bin', sa.String(length=12), nullable=True),
        sa.Column('signer_organization', sa.String(length=400), nullable=True),
        sa.Column('signer_role', sa.String(length=20), nullable=True),
        sa.Column('certificate_serial', sa.String(length=64), nullable=False),
        sa.Column('certificate_issuer', sa.String(length=255), nullable=False),
        sa.Column('test', sa.Boolean(), nullable=False),
        sa.Column('verified_at', grants.db.UTCDateTime(), nullable=False),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_signatures_signed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures')),
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.create_index('ix_signatures_object', ['object_type', 'object_id'], unique=False)


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_signatures_object')
    op.drop_table('signatures')
