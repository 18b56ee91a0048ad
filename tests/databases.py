"""A throwaway PostgreSQL database: made under a unique name on a server, dropped WITH (FORCE) afterwards.

For the tests that need real commits seen by other connections (tests/conftest.py's fresh_database), and for the
benchmarks (bench/), which fill a database of their own.
"""

import secrets
from contextlib import contextmanager

import sqlalchemy as sa

from config import database_url


def _silent(_line):
    pass


@contextmanager
def throwaway_database(server_url, prefix, *, keep=False, say=_silent):
    """The URL (its password kept) of a new database `<prefix>_<8 hex digits>` on the server of server_url.

    server_url names any database its user may CREATE DATABASE from; a bare postgresql:// means psycopg 3, as
    in config.database_url. On the way out the database is dropped WITH (FORCE), so connections left open do
    not keep it, unless `keep`. `say` is told in a line what became of it (created, dropped or kept).
    """
    url = sa.make_url(database_url(server_url))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        say(f"created database {name}")
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            if keep:
                say(f"kept database {name}")
            else:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                say(f"dropped database {name}")
    finally:
        admin.dispose()
