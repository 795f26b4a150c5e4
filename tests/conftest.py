"""Shared fixtures: one real embedded Postgres per test session (per xdist worker), a fresh
database per test. No fakes: every test talks to PostgreSQL 17 over TCP with a password.

A fresh database is a copy of a template built once per session (`CREATE DATABASE … TEMPLATE`):
`make_db` copies the platform shim, `core_db` the shim with the core migrations applied."""

from __future__ import annotations

import shutil

import pytest

from tests.support.databases import Template, Templates, unique_name
from tests.support.scratch import make_scratch_dir
from wizard.pg import EmbeddedPostgres, leftover_servers, process_alive


def pytest_configure(config: pytest.Config) -> None:
    _share_httpx_ssl_context()


def _share_httpx_ssl_context() -> None:
    """Every httpx client builds its own SSL context, loading certifi's CA bundle: 40 ms of CPU each.
    The tests make thousands of clients (all against http:// sandboxes); one context per process
    serves every client that asks for the default one, as one context serves many connections."""
    import functools
    import os
    import ssl

    from httpx._transports import default

    original = default.create_ssl_context

    @functools.cache
    def shared(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
        return original()  # it reads SSL_CERT_FILE and SSL_CERT_DIR itself: one context per pair

    def create_ssl_context(
        verify: ssl.SSLContext | str | bool = True, cert: object = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is True and cert is None and trust_env is True:
            return shared(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        return original(verify=verify, cert=cert, trust_env=trust_env)

    default.create_ssl_context = create_ssl_context


# Module-scoped fixtures cheap enough to make again on each worker that runs some of the module's
# tests (a sandbox starts in about a second): they do not tie a module to one worker.
PER_WORKER_FIXTURES = {("sandbox", "tests/e2e")}  # (name, where it is defined)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup` (pyproject), the tests of a module that share an expensive module-scoped
    fixture (a seeded database, a sandbox with clones made) run on one xdist worker, so that fixture is
    set up once. A module whose only module-scoped fixture is a sandbox is spread test by test: one
    long module on one worker would set the pace of the whole run. A module that sets `XDIST_PARTS = n`
    is cut into n runs of consecutive tests, each with its own module fixtures, that may run at once."""
    grouped = [item for item in items if isinstance(item, pytest.Function) and _shares_module_fixtures(item)]
    by_module: dict[str, list[pytest.Function]] = {}
    for item in grouped:
        by_module.setdefault(item.module.__name__, []).append(item)
    for module, tests in by_module.items():
        parts = getattr(tests[0].module, "XDIST_PARTS", 1)
        for index, item in enumerate(tests):
            group = module if parts == 1 else f"{module}#{index * parts // len(tests)}"
            item.add_marker(pytest.mark.xdist_group(group))


def _shares_module_fixtures(item: pytest.Function) -> bool:
    # pytest has no public view of a test's fixture scopes; _fixtureinfo is what plugins read
    shared = {
        (name, defs[-1].baseid)
        for name, defs in item._fixtureinfo.name2fixturedefs.items()
        if defs[-1].scope == "module"
    }
    return bool(shared - PER_WORKER_FIXTURES)


@pytest.fixture(scope="session")
def pg():
    server = EmbeddedPostgres(data_dir=make_scratch_dir("musekit-pg-"))
    try:
        server.start()
        pid = server.postmaster_pid()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
    # the suite must leave no postgres process behind: this one, nor any sandbox's a test started
    assert pid is not None and not process_alive(pid), f"postgres (pid {pid}) still running after stop"
    assert leftover_servers() == [], f"postgres servers still running after the session: {leftover_servers()}"


@pytest.fixture(scope="session")
def templates(pg) -> Templates:
    return Templates(pg)


@pytest.fixture
def copy_db(pg, templates):
    """Factory: a new database copied from a template (`shim` or `core`); returns its URL (role `postgres`)."""
    created: list[str] = []

    def factory(template: Template, prefix: str) -> str:
        created.append(unique_name(prefix))
        return templates.copy(template, created[-1])

    yield factory
    for name in created:
        pg.drop_database(name)


@pytest.fixture
def make_db(copy_db):
    """Factory: a new database with the Supabase platform shim; returns its URL (role `postgres`)."""
    return lambda prefix="t": copy_db("shim", prefix)


@pytest.fixture
def db_url(make_db) -> str:
    return make_db()


@pytest.fixture
def core_db(copy_db) -> str:
    """A new database with the platform shim and the MuseKit core migrations applied."""
    return copy_db("core", "core")


@pytest.fixture
def memory_keyring():
    """An in-memory keyring for the test (restored afterwards): lets a test see what was stored."""
    import keyring

    from tests.support.keyrings import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
