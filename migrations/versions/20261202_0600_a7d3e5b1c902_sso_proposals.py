"""Proposals on a state social order's published plan, and the customer body's answers

A new table, `proposals`: who sent it (name, e-mail kept from the public, an NGO's BIN, the account when
signed in, the address it came from for the sending limit, the page's language for the mail that brings
the answer), on which topic or on the whole plan, the text, and the answer with who gave it, when, and when
it was last corrected. Nothing existing changes.

Revision ID: a7d3e5b1c902
Revises: f3c7a1e9b2d4
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7d3e5b1c902'
down_revision = 'f3c7a1e9b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('author_email', sa.String(length=255), nullable=False),
        sa.Column('organization_bin', sa.String(length=12), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('sender_ip', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('locale', sa.String(length=2), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answer_corrected_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('(answer IS NULL) = (answered_at IS NULL)', name=op.f('ck_proposals_answer_has_time')),
        sa.CheckConstraint('answer_corrected_at IS NULL OR answered_at IS NOT NULL',
                           name=op.f('ck_proposals_corrected_after_answer')),
        sa.CheckConstraint('length(text) BETWEEN 10 AND 5000', name=op.f('ck_proposals_text_length')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_proposals_answered_by_id_users')),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_proposals_call_id_calls'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_proposals_topic_id_topics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_proposals_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_proposals_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_topic_id'), ['topic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('proposals')
