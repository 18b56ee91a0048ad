"""The migrations build exactly the schema the models describe, and undo it."""

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants.app import create_app
from grants.db import include_object, render_item
from grants.extensions import db
from tests.conftest import fresh_database, settings_for


def test_models_and_migrations_agree_and_downgrade_undoes_them(tmp_path):
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url))
        with app.app_context():
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": render_item,
                                                                 "include_object": include_object})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            flask_migrate.downgrade(revision="base")
            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
            flask_migrate.upgrade()
            db.engine.dispose()


def test_every_allowed_value_of_a_check_constraint_is_allowed_by_the_migrated_database(tmp_path):
    """Autogenerate does not compare CHECK constraints: a value added to a model's list needs its
    migration by hand. Every quoted value in a model's `IN (...)` check must be in the database's."""
    import re

    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url))
        with app.app_context():
            flask_migrate.upgrade()
            inspector = sa.inspect(db.engine)
            for table in db.metadata.sorted_tables:
                reflected = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
                for constraint in table.constraints:
                    if not isinstance(constraint, sa.CheckConstraint) or " IN (" not in str(constraint.sqltext):
                        continue
                    name = constraint.name if isinstance(constraint.name, str) else None
                    text = reflected.get(name) or next(
                        (v for k, v in reflected.items() if k and k.endswith(str(constraint.name))), "")
                    for value in re.findall(r"'([^']+)'", str(constraint.sqltext)):
                        assert f"'{value}'" in text, f"{table.name}: {constraint.name} lacks {value!r} in the database"
            db.engine.dispose()


def _counts(conn):
    return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}


def _dangling(conn):
    """(table.column, rows) of every foreign key whose value names a row that is not there."""
    found = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            column, target = fk.parent, fk.column
            rows = conn.execute(sa.select(sa.func.count()).select_from(table).where(
                column.isnot(None), ~sa.exists().where(target == column))).scalar_one()
            if rows:
                found.append((f"{table.name}.{column.name}", rows))
    return found


def test_the_newest_migration_goes_down_and_up_again_over_a_database_full_of_rows(tmp_path):
    """Production upgrades a database that holds data: on SQLite a batch rebuild of a table that other
    tables reference must not fail, no row is lost, and nothing is left pointing nowhere. A table the newest
    migration creates goes with its downgrade, rows and all: it comes back, empty, and every other table
    keeps each of its rows."""
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url))
        with app.app_context():
            flask_migrate.upgrade()
            result = app.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code == 0, result.output
            db.session.remove()
            with db.engine.connect() as conn:
                before = _counts(conn)
            assert before["applications"] > 0 and before["agreements"] > 0
            flask_migrate.downgrade(revision="-1")
            created = set(before) - set(sa.inspect(db.engine).get_table_names())
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                after = _counts(conn)
                assert {t: n for t, n in after.items() if t not in created} == \
                    {t: n for t, n in before.items() if t not in created}
                assert {after[t] for t in created} <= {0}
                assert _dangling(conn) == []
            db.session.remove()
            db.engine.dispose()


def test_the_mending_of_direction_15_keeps_an_administrators_own_edit(tmp_path):
    """Databases that loaded the broken directions.csv get direction 15's names back, except a name
    an administrator has since changed: theirs stays."""
    broken_ru, broken_kk = "Социально-правовая помощь лицам", " состоящим на учете службы пробации"
    right_ru = "Социально-правовая помощь лицам, состоящим на учете службы пробации"
    right_kk = "Пробация қызметінің есебінде тұрған адамдарға әлеуметтік-құқықтық көмек"
    for edited_kk, expected_kk in ((None, right_kk), ("Пробация: әкімшінің атауы", "Пробация: әкімшінің атауы")):
        with fresh_database(tmp_path) as url:
            app = create_app(settings_for(url))
            with app.app_context():
                flask_migrate.upgrade(revision="58a192f003e5")
                with db.engine.begin() as conn:
                    conn.execute(sa.text("INSERT INTO directions (code, name_kk, name_ru, name_en, active) "
                                         "VALUES (15, :kk, :ru, 'Probation', true), (14, :kk, :ru, 'Other', true)"),
                                 {"kk": edited_kk or broken_kk, "ru": broken_ru})
                flask_migrate.upgrade()
                with db.engine.connect() as conn:
                    rows = dict(conn.execute(sa.text(
                        "SELECT code, name_ru || '|' || name_kk FROM directions")).all())
                assert rows[15] == f"{right_ru}|{expected_kk}"
                assert rows[14] == f"{broken_ru}|{edited_kk or broken_kk}"  # only direction 15 is touched
                db.engine.dispose()


def test_forms_as_data_keep_every_answer_version_and_figure_of_existing_applications(tmp_path):
    """Applications, versions, documents and agreements written before forms were data (the database as
    it was one migration back) come through the upgrade unchanged, on the state-grant form they answered."""
    import importlib.util
    import io
    from pathlib import Path

    from grants.appforms.templates import for_instrument
    from grants.applications import services as app_services
    from grants.reference.services import load_reference
    from tests.factories import PDF, create_agreement, create_application

    path = Path(__file__).parent.parent / "migrations/versions/20261202_0100_9b1f4e2c7a10_calls_application_form.py"
    spec = importlib.util.spec_from_file_location("forms_as_data", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    tables = ("applications", "application_versions", "application_documents", "application_budget_lines",
              "application_activities", "application_indicators", "agreements",
              "tranches")
    with fresh_database(tmp_path) as url:
        app = create_app(settings_for(url, UPLOAD_FOLDER=str(tmp_path / "uploads")))
        with app.app_context():
            flask_migrate.upgrade()
            load_reference()
            create_agreement()
            draft = create_application()  # in a call of its own: the agreement's intake has ended
            app_services.add_document(draft.created_by, draft, "budget", io.BytesIO(PDF), "budget.pdf")
            db.session.commit()
            flask_migrate.downgrade(revision="7c3e5a9d1f42")  # the schema before forms were data
            db.session.remove()
            with db.engine.connect() as conn:
                before = {t: conn.execute(sa.select(sa.text("*")).select_from(sa.table(t)).order_by(sa.text("id")))
                          .mappings().all() for t in tables}
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                after = {t: conn.execute(sa.select(sa.text("*")).select_from(sa.table(t)).order_by(sa.text("id")))
                         .mappings().all() for t in tables}
                forms = conn.execute(sa.select(sa.column("application_form", sa.JSON)).select_from(
                    sa.table("calls"))).scalars().all()
            # later migrations add columns of their own; every column that was there holds what it held
            kept = {t: [{k: row[k] for k in before[t][0].keys()} for row in rows] for t, rows in after.items()}
            assert kept == before and all(before.values())
            assert forms and all(form == migration.STATE_GRANT_FORM for form in forms)
            # and the frozen form is the state-grant template of today, unchanged
            assert migration.STATE_GRANT_FORM == for_instrument("state_grant")
            db.session.remove()
            db.engine.dispose()
