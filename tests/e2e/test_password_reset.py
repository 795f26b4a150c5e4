"""Setting a new database password (PATCH /v1/projects/{ref}/database/password) with the Management API
client against a running sandbox: the new password logs in through the pooler, the old one no longer
does, and a bad request is the API's own 400 with no secret in any message."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.support.clone_helpers import new_project
from tests.support.request_counter import CountingTransport
from wizard.api import InvalidInput, ManagementAPI, NotFound
from wizard.clone import generate_db_password
from wizard.sandbox import Faults

OLD_PASSWORD = "Reset-Test-Old-Passw0rd-5150"


@pytest.fixture(autouse=True)
def no_faults(sandbox):
    sandbox.set_faults(Faults())
    yield
    sandbox.set_faults(Faults())


@pytest.fixture
async def api(sandbox):
    transport = CountingTransport()
    client = ManagementAPI(sandbox.token, base_url=sandbox.url, transport=transport)
    yield client, transport
    await client.aclose()


@pytest.fixture(scope="module")
def ref(sandbox) -> str:
    return new_project(sandbox, "reset", OLD_PASSWORD)


async def login(api: ManagementAPI, ref: str, password: str) -> str:
    url = (await api.database_connection(ref)).url_with_password(password).reveal()
    async with await psycopg.AsyncConnection.connect(url, prepare_threshold=None) as conn:
        row = await (await conn.execute("select current_user")).fetchone()
    assert row is not None
    return str(row[0])


async def test_the_new_password_logs_in_and_the_old_one_no_longer_does(api, ref):
    client, transport = api
    assert await login(client, ref, OLD_PASSWORD) == "postgres"
    new = generate_db_password()
    transport.reset()
    assert await client.reset_database_password(ref, new) is None
    assert transport.sent == [f"PATCH /v1/projects/{ref}/database/password"]  # once, nothing else
    assert await login(client, ref, new) == "postgres"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        await login(client, ref, OLD_PASSWORD)
    # setting it again is harmless (the client may repeat it after a network failure)
    await client.reset_database_password(ref, new)
    assert await login(client, ref, new) == "postgres"


async def test_a_short_password_is_refused_before_anything_is_sent(api, ref):
    client, transport = api
    transport.reset()
    with pytest.raises(InvalidInput, match="at least 4 characters"):
        await client.reset_database_password(ref, "abc")
    assert transport.sent == []


async def test_the_api_refuses_a_short_password_with_its_own_message(sandbox, ref):
    r = httpx.patch(
        f"{sandbox.url}/v1/projects/{ref}/database/password",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        json={"password": "abc"},
    )
    assert r.status_code == 400
    assert r.json()["message"] == "password must be longer than or equal to 4 characters"
    r = httpx.patch(
        f"{sandbox.url}/v1/projects/{ref}/database/password",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        json={"password": "long-enough", "role": "anon"},
    )
    assert r.status_code == 400 and r.json()["message"] == "property role should not exist"


async def test_an_unknown_project_is_not_found_and_the_message_hides_the_password(api):
    client, _ = api
    secret = generate_db_password()
    with pytest.raises(NotFound) as caught:
        await client.reset_database_password("abcdefghijklmnopqrst", secret)
    assert str(caught.value).startswith(
        "Could not set a new database password for project abcdefghijklmnopqrst: Supabase says it does not exist"
    )
    assert caught.value.request == "PATCH /v1/projects/abcdefghijklmnopqrst/database/password"
    assert secret not in str(caught.value) and secret not in repr(caught.value)


async def test_a_5xx_is_retried_since_setting_the_same_password_twice_changes_nothing(sandbox, api, ref):
    client, transport = api
    new = generate_db_password()
    sandbox.set_faults(error_burst=1)
    transport.reset()
    await client.reset_database_password(ref, new)
    assert transport.sent == [f"PATCH /v1/projects/{ref}/database/password"] * 2
    assert await login(client, ref, new) == "postgres"
