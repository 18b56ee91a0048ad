"""Search index: an entry per call, application, NGO and agreement; a tsvector and trigrams on PostgreSQL, FTS5 on
SQLite

The dialect's text machinery is written out here as it was on this day (grants/search/models.py makes the same on
db.create_all), so this migration stays what it is when the model moves on. The index starts empty: run
`flask search-reindex` once after upgrading an installation that holds data.

Revision ID: f5b7d9e1a3c4
Revises: f8182c18b357
Create Date: 2026-12-07 16:00:00

"""
import sqlalchemy as sa
from alembic import op

import grants.db

# revision identifiers, used by Alembic.
revision = 'f5b7d9e1a3c4'
down_revision = 'f8182c18b357'
branch_labels = None
depends_on = None

POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('russian', words) || to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
    "CREATE INDEX ix_search_entries_words_trgm ON search_entries USING gin (words gin_trgm_ops)",
    "CREATE INDEX ix_search_entries_numbers ON search_entries USING gin (string_to_array(numbers, ' '))",
)
SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(words, content='search_entries', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts (rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts (search_fts, rowid, words) VALUES ('delete', old.id, old.words); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE OF words ON search_entries BEGIN "
    "INSERT INTO search_fts (search_fts, rowid, words) VALUES ('delete', old.id, old.words); "
    "INSERT INTO search_fts (rowid, words) VALUES (new.id, new.words); END",
)


def upgrade():
    op.create_table(
        'search_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=True),
        sa.Column('words', sa.Text(), nullable=False),
        sa.Column('numbers', sa.String(length=400), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=True),
        sa.Column('sealed_until', grants.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('call', 'application', 'organization', 'agreement')",
                           name=op.f('ck_search_entries_kind')),
        sa.CheckConstraint("language IS NULL OR language IN ('kk', 'ru')", name=op.f('ck_search_entries_language')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
        sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_search_entries_kind_object_id')),
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entries_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_region_id'), ['region_id'], unique=False)
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    # the generated column, its indexes and the triggers go with the table; pg_trgm stays for whoever else uses it
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_region_id'))
        batch_op.drop_index(batch_op.f('ix_search_entries_call_id'))
    op.drop_table('search_entries')
