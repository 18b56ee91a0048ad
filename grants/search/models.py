"""The search index: one row per call, application, NGO and agreement, with the words and numbers it is found by.

The row is derived data (grants/search/index.py keeps it current); the text machinery is the database's own and is
made for each dialect by DDL beside the table: PostgreSQL's generated `tsvector` (Russian and simple
configurations) with its GIN index and pg_trgm's trigram index for Kazakh words, SQLite's FTS5 table kept by
triggers. Those objects are not modelled, so the comparison of models and migrations leaves them alone
(grants/db.py, UNMODELLED); the migration makes the same ones.

A future migration that alters `search_entries` on SQLite with `batch_alter_table` copies the table to a new one and
drops the old, and SQLite drops a table's triggers with it: the FTS5 index would silently stop following the
entries. Such a migration ends with `restore_text_machinery(op.get_bind())`, which makes the triggers again and
rebuilds the FTS5 index from the entries (and on PostgreSQL makes whatever of the tsvector column and indexes is
missing); tests/grants/test_search_machinery.py proves the head of the migrations leaves the index answering.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.db import UNMODELLED, UTCDateTime
from grants.extensions import db
from grants.i18n import pgettext


class Kind(enum.StrEnum):
    call = "call"
    application = "application"
    organization = "organization"
    agreement = "agreement"

    @property
    def title(self):
        return {
            Kind.call: pgettext("search kind", "Call"),
            Kind.application: pgettext("search kind", "Application"),
            Kind.organization: pgettext("search kind", "NGO"),
            Kind.agreement: pgettext("search kind", "Agreement"),
        }[self]


_kinds = ", ".join(f"'{k.value}'" for k in Kind)


class SearchEntry(db.Model):
    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    object_id: Mapped[int]
    language: Mapped[str | None] = mapped_column(sa.String(2))  # an application's or agreement's; else none
    words: Mapped[str] = mapped_column(sa.Text, default="")  # every word it is found by, ё written е
    numbers: Mapped[str] = mapped_column(sa.String(400), default="")  # BIN, receipt, agreement number, call code
    # The filters. No foreign keys: the row follows its object (deleted with it by the index), never the reverse.
    call_id: Mapped[int | None] = mapped_column(index=True)
    region_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(sa.String(16))
    # An application sealed until its call's deadline (grants/applications/seal.py): found by nobody before it.
    sealed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id"),
        sa.CheckConstraint(f"kind IN ({_kinds})", name="kind"),
        sa.CheckConstraint("language IS NULL OR language IN ('kk', 'ru')", name="language"),
    )


# What each dialect makes beside the table; the migration runs the same statements.
POSTGRESQL_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('russian', words) || to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
    "CREATE INDEX ix_search_entries_words_trgm ON search_entries USING gin (words gin_trgm_ops)",
    "CREATE INDEX ix_search_entries_numbers ON search_entries USING gin (string_to_array(numbers, ' '))",
)
SQLITE_DDL = (
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
UNMODELLED.update({"search_entries.tsv", "ix_search_entries_tsv", "ix_search_entries_words_trgm",
                   "ix_search_entries_numbers", "search_fts"})


SQLITE_TRIGGERS = ("search_fts_insert", "search_fts_delete", "search_fts_update")
POSTGRESQL_RESTORE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    POSTGRESQL_DDL[1].replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"),
    *(s.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS") for s in POSTGRESQL_DDL[2:]),
)


def restore_text_machinery(connection):
    """Make again what a batch migration of `search_entries` takes away: on SQLite the FTS5 table if it is gone and
    the three triggers, then the FTS5 index rebuilt from the entries; on PostgreSQL the tsvector column and the
    indexes that are missing. Safe to run twice."""
    if connection.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(SQLITE_DDL[0].replace("CREATE VIRTUAL TABLE", "CREATE VIRTUAL TABLE IF NOT EXISTS"))
        for statement in SQLITE_DDL[1:]:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    elif connection.dialect.name == "postgresql":
        for statement in POSTGRESQL_RESTORE:
            connection.exec_driver_sql(statement)


@sa.event.listens_for(SearchEntry.__table__, "after_create")
def _text_machinery(table, connection, **kwargs):
    """db.create_all (the tests' schema) makes what the migration makes."""
    statements = {"postgresql": POSTGRESQL_DDL, "sqlite": SQLITE_DDL}.get(connection.dialect.name, ())
    for statement in statements:
        connection.exec_driver_sql(statement)


@sa.event.listens_for(SearchEntry.__table__, "before_drop")
def _drop_text_machinery(table, connection, **kwargs):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TABLE IF EXISTS search_fts")
