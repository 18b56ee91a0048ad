"""Comments on applications, agreements and reports, with their audience, file and mentions; a lead per
application and agreement

Revision ID: ed66658bc344
Revises: e3a5c7d9f1b2
Create Date: 2026-12-07 14:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ed66658bc344'
down_revision = 'e3a5c7d9f1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_drafts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'subject', name=op.f('pk_comment_drafts'))
    )
    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("visibility <> 'experts' OR application_id IS NOT NULL", name=op.f('ck_comments_experts_on_applications')),
    sa.CheckConstraint("visibility IN ('staff', 'experts', 'applicant')", name=op.f('ck_comments_visibility')),
    sa.CheckConstraint('(CASE WHEN application_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN agreement_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN report_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_comments_one_subject')),
    sa.CheckConstraint('length(body) > 0', name=op.f('ck_comments_body_given')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_comments_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_comments_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_comments_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_report_id'), ['report_id'], unique=False)

    op.create_table('comment_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_files_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_comment_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_files')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_comment_files_comment_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_comment_files_storage_key'))
    )
    op.create_table('comment_mentions',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_mentions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_mentions_user_id_users')),
    sa.PrimaryKeyConstraint('comment_id', 'user_id', name=op.f('pk_comment_mentions'))
    )
    with op.batch_alter_table('comment_mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_mentions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_agreements_lead_id'), ['lead_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_agreements_lead_id_users'), 'users', ['lead_id'], ['id'])

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_applications_lead_id'), ['lead_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_applications_lead_id_users'), 'users', ['lead_id'], ['id'])



def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_applications_lead_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_applications_lead_id'))
        batch_op.drop_column('lead_id')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agreements_lead_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agreements_lead_id'))
        batch_op.drop_column('lead_id')

    with op.batch_alter_table('comment_mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_mentions_user_id'))

    op.drop_table('comment_mentions')
    op.drop_table('comment_files')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_report_id'))
        batch_op.drop_index(batch_op.f('ix_comments_application_id'))
        batch_op.drop_index(batch_op.f('ix_comments_agreement_id'))

    op.drop_table('comments')
    op.drop_table('comment_drafts')
