"""The declarative base, its naming convention, and the UTC time and money column types."""

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Session(_FlaskSession):
    """Flask-SQLAlchemy's session, able to join a connection the app was handed.

    Flask-SQLAlchemy 3 picks the engine itself and ignores ``bind=``. The PostgreSQL
    test run hands one app a connection holding an outer transaction (in
    ``app.extensions["baiqau_connection"]``); that app's sessions work in savepoints
    inside it, and every other app is untouched.
    """

    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
        connection = current_app.extensions.get("baiqau_connection") if has_app_context() else None
        if connection is not None:
            self.bind = connection
            self.join_transaction_mode = "create_savepoint"

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, and let readers and a writer work side by side (WAL)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def utcnow():
    return datetime.now(UTC)


def database_now(session):
    """The database's clock, for moments that decide (a submission against its deadline): several app
    servers may disagree on the time, the one database does not. SQLite runs on this machine anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return utcnow()
    return session.execute(sa.select(sa.func.clock_timestamp())).scalar_one().astimezone(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """An aware UTC datetime; naive values are refused so no local time slips in."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(sa.types.TypeDecorator):
    """Tenge as Decimal with two places; floats are refused."""

    impl = sa.Numeric(16, 2)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        return Decimal(value).quantize(Decimal("0.01"))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))


class StoredFileColumns:
    """What a row keeps of an uploaded file; the bytes stay in storage under the random key."""

    storage_key: Mapped[str] = mapped_column(sa.String(128), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(255))  # the uploader's name, cleaned, for display only
    content_type: Mapped[str] = mapped_column(sa.String(128))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Objects a model makes for one dialect by DDL of its own (an FTS5 table, a generated tsvector column, a GIN index
# on an expression), registered by name by that model ("table.column" for a column; a table's name also covers its
# shadow tables, "name_…"). The comparison of models and database leaves them alone; their migration makes them.
UNMODELLED = set()


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic's filter: what the database holds beyond the models, by UNMODELLED, is not a difference."""
    if not reflected or compare_to is not None:
        return True
    key = f"{obj.table.name}.{name}" if type_ == "column" else name
    return not any(key == known or (type_ == "table" and key.startswith(f"{known}_")) for known in UNMODELLED)


def render_item(type_, obj, autogen_context):
    """Autogenerate our column types as their plain SQLAlchemy types: migrations stay standalone."""
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False
