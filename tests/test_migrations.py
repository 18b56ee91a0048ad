"""The migrations build exactly the schema the models describe, and undo it."""

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants.app import create_app
from grants.db import render_item
from grants.extensions import db
from tests.conftest import fresh_database, settings_for


def test_models_and_migrations_agree_and_downgrade_undoes_them(tmp_path):
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url))
        with app.app_context():
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": render_item})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            flask_migrate.downgrade(revision="base")
            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
            flask_migrate.upgrade()
            db.engine.dispose()
