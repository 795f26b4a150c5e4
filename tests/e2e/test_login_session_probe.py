"""LoginSession against a running sandbox: the connection that proved a new login role is handed to the
first connect() only when the caller asked to keep it (the fleet, which connects at once); otherwise it is
closed at once, so a clone holds no idle pooler connection between its steps. close() removes the role."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.clone_helpers import new_project
from wizard.api import LoginSession, ManagementAPI
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
