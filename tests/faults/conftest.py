"""Real servers of the tests' own, to stop, kill and fill: a Redis, a PostgreSQL cluster, a tiny disk.

The shared services on 127.0.0.1:5432 and :6379 are never touched: each fault happens to a server this
suite started itself, on a free port, and is cleaned away afterwards.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from redis.exceptions import RedisError

from grants.app import create_app
from grants.extensions import db
from tests.conftest import IsolatedClient, build_schema, fresh_database, settings_for

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(condition, what, timeout=30.0):
    """Wait for a condition another process brings about (a server up, a job started); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class RedisServer:
    """A redis-server of our own: started, stopped and started again on the same port."""

    def __init__(self, folder):
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def alive(self):
        try:
            return Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except (RedisError, OSError):
            return False

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 -- a fixed command line of our own
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until(self.alive, "redis-server to answer")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        assert not self.alive()


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("no redis-server on this machine")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


class PostgresCluster:
    """A PostgreSQL cluster of our own (initdb as the postgres user), on a free port."""

    def __init__(self, folder):
        self.data, self.port = folder / "pgdata", free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command):
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self):
        shutil.chown(self.data.parent, "postgres")
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C")

    def start(self):
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.data / "log"),
                          "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start")

    def stop(self):
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")

    def restart(self):
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "-l",
                          str(self.data / "log"), "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
                          "restart")


@pytest.fixture
def postgres_cluster():
    if os.geteuid() != 0 or PG_BIN is None or not shutil.which("runuser"):
        pytest.skip("a PostgreSQL cluster of the test's own needs root, runuser and PostgreSQL's binaries")
    folder = Path(tempfile.mkdtemp(prefix="baiqau-faults-"))  # under /tmp: the postgres user must reach it
    cluster = PostgresCluster(folder)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",  # noqa: S603
                        str(cluster.data), "-m", "immediate", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def committed_app(url, **settings):
    """The app on a database of its own with real commits, as a server process would see it."""
    app = create_app(settings_for(url, **settings))
    app.test_client_class = IsolatedClient
    build_schema(app)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def committed(tmp_path):
    """committed_app on the suite's database (a fresh SQLite file, or a new PostgreSQL database)."""

    @contextmanager
    def make(**settings):
        with fresh_database(tmp_path) as url, committed_app(
                url, UPLOAD_FOLDER=str(tmp_path / "uploads"), **settings) as app:
            yield app
    return make


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()
