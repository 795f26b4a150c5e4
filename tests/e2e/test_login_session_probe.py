"""LoginSession against a running sandbox: the connection that proved a new login role is handed to the
first connect() only when the caller asked to keep it (the fleet, which connects at once); otherwise it is
closed at once, so a clone holds no idle pooler connection between its steps. With `reuse` (the fleet), a
connection given back is handed out again, as a new session would be, while it is fresh and its role
current. close() removes the role."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from tests.support.clone_helpers import new_project
from wizard.api import LoginSession, ManagementAPI
from wizard.api import login_session as login_session_module
from wizard.sandbox import Faults

PASSWORD = "Probe-Test-Passw0rd-8086"


@pytest.fixture(scope="module")
def ref(sandbox) -> str:
    sandbox.set_faults(Faults())
    return new_project(sandbox, "probe", PASSWORD)


async def login_role_backends(api: ManagementAPI, ref: str) -> list[int]:
    url = (await api.database_connection(ref)).url_with_password(PASSWORD).reveal()
    async with await psycopg.AsyncConnection.connect(url, prepare_threshold=None, autocommit=True) as conn:
        cur = await conn.execute(
            "select pid from pg_catalog.pg_stat_activity where usename like 'cli_login%' order by pid"
        )
        return [row[0] for row in await cur.fetchall()]


async def session_pid(conn: psycopg.AsyncConnection) -> tuple[int, str]:
    row = await (await conn.execute("select pg_catalog.pg_backend_pid(), current_user")).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


@pytest.mark.parametrize("keep_probe", [False, True])
async def test_the_probe_is_kept_only_when_asked(sandbox, ref, keep_probe):
    async with ManagementAPI(sandbox.token, base_url=sandbox.url) as api:
        async with LoginSession(api, ref, await api.database_connection(ref), keep_probe=keep_probe) as login:
            await login.url()
            idle = await login_role_backends(api, ref)
            assert len(idle) == (1 if keep_probe else 0)  # the probe, still open only when kept
            async with await login.connect() as first:
                pid, user = await session_pid(first)
                assert user == "postgres"  # stepped down, as every connection of the session
                assert (pid in idle) == keep_probe  # the probe itself, handed over
            async with await login.connect() as second:
                assert (await session_pid(second))[0] != pid  # handed over once; then new ones
        assert await login_role_backends(api, ref) == []  # nothing left open as a login role


async def session_state(conn: psycopg.AsyncConnection) -> tuple[int, str, str, bool]:
    row = await (
        await conn.execute(
            "select pg_catalog.pg_backend_pid(), current_user::text, pg_catalog.current_setting('search_path'),"
            " pg_catalog.to_regclass('pg_temp.scratch') is not null"
        )
    ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), str(row[2]), bool(row[3])


async def dirty(conn: psycopg.AsyncConnection) -> None:
    await conn.execute("select pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)")
    await conn.execute("create temp table scratch (id int)")


async def test_a_connection_given_back_is_handed_out_again_clean(sandbox, ref):
    async with ManagementAPI(sandbox.token, base_url=sandbox.url) as api:
        async with LoginSession(api, ref, await api.database_connection(ref), keep_probe=True, reuse=True) as login:
            first = await login.connect()
            fresh = await session_state(first)
            await dirty(first)
            await login.release(first)
            second = await login.connect()
            assert second is first and await session_state(second) == fresh  # same backend, as it was
            await login.release(second)
            assert len(await login_role_backends(api, ref)) == 1  # kept, idle
        assert await login_role_backends(api, ref) == []  # closed with the session


@pytest.fixture
def short_roles(sandbox):
    sandbox.set_faults(login_role_ttl=2)  # renewed after 1.5 s
    yield
    sandbox.set_faults(Faults())


async def test_a_connection_is_not_handed_out_again_when_stale_renewed_or_not_asked(
    sandbox, ref, monkeypatch, short_roles
):
    async with ManagementAPI(sandbox.token, base_url=sandbox.url) as api:
        connection = await api.database_connection(ref)
        async with LoginSession(api, ref, connection, keep_probe=True) as login:  # no reuse
            first = await login.connect()
            await login.release(first)
            assert first.closed
        async with LoginSession(api, ref, connection, keep_probe=True, reuse=True) as login:
            first = await login.connect()
            await login.release(first)
            monkeypatch.setattr(login_session_module, "SPARE_IDLE_S", 0.0)  # kept too long
            second = await login.connect()
            assert second is not first and first.closed
            monkeypatch.undo()
            await asyncio.sleep(1.6)
            third = await login.connect()  # on a new role
            await login.release(second)  # logged in as the replaced role: not kept
            assert second.closed
            await login.release(third)
            assert await login.connect() is third
