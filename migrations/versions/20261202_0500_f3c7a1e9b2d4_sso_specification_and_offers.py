"""The state social order: a topic's technical specification, offers priced per item, price points

A topic gains the specification's texts (problem, target group, place, standard) and its items (service,
unit, volume, maximum unit price); an application gains offer lines (approach, committed volume, unit
price) answering those items; a call's scoring rules gain the price points computed from the offers.
Existing rows get empty texts, no items, no offer lines and 0 price points: nothing they held changes.

Revision ID: f3c7a1e9b2d4
Revises: e5a9c2d4f610
Create Date: 2026-12-02 05:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'f3c7a1e9b2d4'
down_revision = 'e5a9c2d4f610'
branch_labels = None
depends_on = None

TEXTS = ('problem_kk', 'problem_ru', 'target_group_kk', 'target_group_ru', 'place_kk', 'place_ru',
         'standard_kk', 'standard_ru')


def upgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        for name in TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('scoring_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_points', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_scoring_rules_price_points'), 'price_points BETWEEN 0 AND 100')
    op.create_table(
        'spec_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('service_kk', sa.String(length=400), nullable=False),
        sa.Column('service_ru', sa.String(length=400), nullable=False),
        sa.Column('service_en', sa.String(length=400), nullable=False),
        sa.Column('unit_kk', sa.String(length=64), nullable=False),
        sa.Column('unit_ru', sa.String(length=64), nullable=False),
        sa.Column('volume', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('max_price', grants.db.Money(), nullable=False),
        sa.CheckConstraint('max_price > 0', name=op.f('ck_spec_items_max_price_positive')),
        sa.CheckConstraint('volume > 0', name=op.f('ck_spec_items_volume_positive')),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_spec_items_topic_id_topics'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_spec_items')),
    )
    with op.batch_alter_table('spec_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spec_items_topic_id'), ['topic_id'], unique=False)
    op.create_table(
        'offer_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('spec_item_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('approach', sa.Text(), nullable=False),
        sa.Column('volume', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('unit_price', grants.db.Money(), nullable=True),
        sa.CheckConstraint('unit_price IS NULL OR unit_price >= 0', name=op.f('ck_offer_lines_unit_price_not_negative')),
        sa.CheckConstraint('volume IS NULL OR volume > 0', name=op.f('ck_offer_lines_volume_positive')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_offer_lines_application_id_applications'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['spec_item_id'], ['spec_items.id'],
                                name=op.f('fk_offer_lines_spec_item_id_spec_items'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_lines')),
        sa.UniqueConstraint('application_id', 'spec_item_id', name='uq_offer_lines_application_item'),
    )
    with op.batch_alter_table('offer_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_lines_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_lines_spec_item_id'), ['spec_item_id'], unique=False)


def downgrade():
    op.drop_table('offer_lines')
    op.drop_table('spec_items')
    with op.batch_alter_table('scoring_rules', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_scoring_rules_price_points'), type_='check')
        batch_op.drop_column('price_points')
    with op.batch_alter_table('topics', schema=None) as batch_op:
        for name in TEXTS:
            batch_op.drop_column(name)
