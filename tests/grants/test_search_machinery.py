"""The search index's own machinery survives the migrations: after `flask db upgrade` the FTS5 triggers (SQLite)
or the tsvector column and indexes (PostgreSQL) are there and the index answers; a batch migration of
`search_entries`, which on SQLite drops the triggers with the old table, is mended by restore_text_machinery."""

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from grants.app import create_app
from grants.extensions import db
from grants.search import queries
from grants.search.models import SQLITE_TRIGGERS, SearchEntry, restore_text_machinery
from tests.conftest import ON_POSTGRES, fresh_database, settings_for


def _entry(object_id, words):
    db.session.add(SearchEntry(kind="organization", object_id=object_id, words=words, numbers=""))
    db.session.commit()


def _found(q):
    """The object ids the search's own query finds for `q`, by the database's text machinery."""
    f = queries.Filters(q=q)
    return {r.object_id for r in queries.paginate(queries.entries(f), f, 50).items}


def _triggers():
    return set(db.session.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())


def test_after_the_migrations_the_index_follows_its_entries_and_answers(tmp_path):
    with fresh_database(tmp_path) as url, create_app(settings_for(url)).app_context():
        flask_migrate.upgrade()
        if not ON_POSTGRES:
            assert set(SQLITE_TRIGGERS) <= _triggers()
        _entry(1, "шахматный кружок при сельской школе")
        _entry(2, "ауылдағы балаларға арналған шахмат үйірмесі")
        assert _found("школами") == {1} and _found("балалар") == {2} and _found("шахмат") == {1, 2}
        db.session.execute(sa.update(SearchEntry).where(SearchEntry.object_id == 1).values(words="клуб волонтеров"))
        db.session.execute(sa.delete(SearchEntry).where(SearchEntry.object_id == 2))
        db.session.commit()
        assert _found("шахмат") == set() and _found("волонтеры") == {1}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL alters the table in place: its tsvector and indexes stay")
def test_a_batch_migration_drops_the_fts_triggers_and_restore_makes_them_again(tmp_path):
    with fresh_database(tmp_path) as url, create_app(settings_for(url)).app_context():
        flask_migrate.upgrade()
        _entry(1, "шахматный кружок при сельской школе")
        with db.engine.begin() as conn:  # what a future migration would do to the table on SQLite
            op = Operations(MigrationContext.configure(conn))
            with op.batch_alter_table("search_entries", recreate="always") as batch:
                batch.alter_column("numbers", existing_type=sa.String(400), type_=sa.String(500))
        assert _triggers().isdisjoint(SQLITE_TRIGGERS)  # the guard is needed: SQLite took them with the old table
        _entry(2, "ауылдағы балаларға арналған шахмат үйірмесі")
        assert _found("балалар") == set()  # the FTS5 index no longer follows
        with db.engine.begin() as conn:
            restore_text_machinery(conn)
            restore_text_machinery(conn)  # safe to run twice
        assert set(SQLITE_TRIGGERS) <= _triggers()
        assert _found("балалар") == {2} and _found("школами") == {1}  # rebuilt from the entries
        _entry(3, "центр правовой помощи")
        assert _found("правовой") == {3}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL side of restore_text_machinery")
def test_restore_on_postgresql_leaves_the_tsvector_and_indexes_answering(tmp_path):
    with fresh_database(tmp_path) as url, create_app(settings_for(url)).app_context():
        flask_migrate.upgrade()
        _entry(1, "шахматный кружок при сельской школе")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_search_entries_words_trgm")
            restore_text_machinery(conn)
            restore_text_machinery(conn)
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("search_entries")}
        assert {"ix_search_entries_tsv", "ix_search_entries_words_trgm", "ix_search_entries_numbers"} <= indexes
        assert _found("школами") == {1}
        db.session.remove()
        db.engine.dispose()
