"""The Management API client (wizard.api.client) over real HTTP against a running sandbox
(wizard.sandbox), for every operation and every fault option: the outcome, the message, and the exact
requests sent (tests/support/request_counter.py), so retries are proven bounded. Scripted error answers are in
test_management_api_client.py; the sandbox's own wire format is in test_sandbox.py."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest

from tests.support.clone_helpers import projects_named
from tests.support.request_counter import CountingTransport
from wizard.api import (
    TOKENS_PAGE,
    ApiConnectionError,
    ApiKeyType,
    ApiWarning,
    BadRequest,
    DatabaseType,
    DeletedProject,
    HealthChanged,
    HealthTimeout,
    InstanceSize,
    ManagementAPI,
    NotFound,
    Organization,
    OrganizationNotFound,
    PoolMode,
    Project,
    ProjectCreationUncertain,
    ProjectFailed,
    ProjectStatus,
    ProjectWithDatabase,
    QueryFailed,
    RateLimited,
    RateLimitExceeded,
    Region,
    Retrying,
    RetryPolicy,
    ServerError,
    ServiceHealthStatus,
    ServiceName,
    SmartGroup,
    TokenRejected,
    public_key,
    secret_key,
)
from wizard.sandbox import Faults, SandboxHandle

DB_PASS = "Client-Sandbox-Passw0rd-7731"
WRONG_TOKEN = "sbp_" + "0" * 40
FAST = RetryPolicy(base_delay_s=0.05, max_delay_s=0.2)
REF = re.compile(r"^[a-z]{20}$")
ORGS = "GET /v1/organizations"
PROJECTS = "GET /v1/projects"
CREATE = "POST /v1/projects"
BOTH_HEALTHY = "db ACTIVE_HEALTHY, pooler ACTIVE_HEALTHY"


# --- the sandbox and clients -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_faults(sandbox):
    sandbox.set_faults(Faults())
    yield
    sandbox.set_faults(Faults())


class Sleeper:
    """The client's sleep: records each wait; really waits unless `wait=False` (for waits whose length
    changes nothing on the sandbox's side, e.g. the lookups after an uncertain create)."""

    def __init__(self, wait: bool) -> None:
        self.wait = wait
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds if self.wait else 0)


@dataclass
class Session:
    api: ManagementAPI
    transport: CountingTransport
    sleeper: Sleeper
    events: list = field(default_factory=list)

    @property
    def sent(self) -> list[str]:
        return self.transport.sent

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    def reset(self) -> None:
        self.transport.reset()
        self.events.clear()
        self.sleeper.waits.clear()


@pytest.fixture
async def client(sandbox):
    made: list[Session] = []

    def make(
        *,
        token: str | None = None,
        wait: bool = True,
        transport: CountingTransport | None = None,
        before: Callable[[httpx.Request], None] | None = None,
        **kwargs,
    ) -> Session:
        transport = transport or CountingTransport(before=before)
        sleeper = Sleeper(wait)
        events: list = []
        api = ManagementAPI(
            token or sandbox.token,
            base_url=sandbox.url,
            on_event=events.append,
            transport=transport,
            retry=kwargs.pop("retry", FAST),
            sleep=sleeper,
            jitter=lambda: 0.5,
            **kwargs,
        )
        made.append(Session(api, transport, sleeper, events))
        return made[-1]

    yield make
    for session in made:
        await session.api.aclose()


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def create_raw(sandbox: SandboxHandle, name: str) -> str:
    """A project made with plain httpx (setup, outside the client's counts); its ref."""
    r = httpx.post(
        f"{sandbox.url}/v1/projects",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        json={"db_pass": DB_PASS, "name": name, "organization_slug": sandbox.organization_slug, "region": "us-east-1"},
    )
    assert r.status_code == 201, r.text
    return r.json()["ref"]


def live(sandbox: SandboxHandle, name: str) -> list[dict]:
    """The live projects called `name`, read with plain httpx with the faults cleared."""
    sandbox.set_faults(Faults())
    return [p for p in projects_named(sandbox.url, sandbox.token, name) if p["status"] != "REMOVED"]


def database_exists(sandbox: SandboxHandle, ref: str) -> bool:
    """Each project has its own cluster, as on the platform: its database exists while the cluster does."""
    return bool(sandbox.clusters.exists(ref))


@pytest.fixture(scope="module")
def shared_ref(sandbox) -> str:
    """A healthy project for tests that only read."""
    return create_raw(sandbox, "shared-reads")


# --- every operation, happy path ------------------------------------------------------------------


async def test_organizations_are_listed_and_resolved_by_slug(sandbox, client):
    c = client()
    slug = sandbox.organization_slug
    assert await c.api.list_organizations() == [Organization(slug=slug, name="Sandbox Org", id=slug)]
    assert (await c.api.resolve_organization(f"  {slug} ")).slug == slug
    with pytest.raises(OrganizationNotFound) as caught:
        await c.api.resolve_organization("someone-else")
    assert str(caught.value) == (
        "No organization with slug or id 'someone-else' is visible to this access token. Organizations it can use: "
        f"{slug} (Sandbox Org). Pass one of those slugs, or use a token of an account in that organization."
    )
    assert c.sent == [ORGS] * 3
    assert c.events == []


async def test_create_then_get_list_and_find_the_project(sandbox, client):
    c = client()
    name = unique("create")
    created = await c.api.create_project(
        name, organization=sandbox.organization_slug, db_pass=DB_PASS, region="eu-west-2", instance_size="micro"
    )
    assert type(created) is Project and REF.match(created.ref)
    assert (created.name, created.region, created.organization_slug, created.status) == (
        name,
        "eu-west-2",
        sandbox.organization_slug,
        ProjectStatus.UNKNOWN,
    )
    assert c.sent == [ORGS, CREATE]

    c.reset()
    got = await c.api.get_project(created.ref)
    assert isinstance(got, ProjectWithDatabase)
    assert (got.ref, got.name, got.status, got.created_at) == (
        created.ref,
        name,
        ProjectStatus.ACTIVE_HEALTHY,
        created.created_at,
    )
    assert (got.database.host, got.database.postgres_engine) == (sandbox.pooler_host, "17")
    listed = [p.ref for p in await c.api.list_projects() if p.name == name]
    found = await c.api.find_project(name, sandbox.organization_slug)
    assert listed == [created.ref] and found == got
    assert await c.api.find_project(name, sandbox.organization_slug, exclude_refs=[created.ref]) is None
    assert await c.api.find_project(name, "someone-else") is None
    assert c.sent == [f"GET /v1/projects/{created.ref}"] + [PROJECTS] * 4

    # a smart group is sent as region_selection and lands on its default region
    c.reset()
    grouped = await c.api.create_project(
        unique("grouped"), organization=sandbox.organization_slug, db_pass=DB_PASS, region=SmartGroup.EMEA
    )
    assert grouped.region == Region.EU_CENTRAL_1
    assert c.sent == [ORGS, CREATE] and c.events == []


async def test_wait_until_healthy_polls_once_when_the_project_is_up_and_health_lists_every_service(shared_ref, client):
    c = client()
    services = await c.api.wait_until_healthy(shared_ref, timeout_s=5)
    assert [(s.name, s.status) for s in services] == [
        (ServiceName.DB, ServiceHealthStatus.ACTIVE_HEALTHY),
        (ServiceName.POOLER, ServiceHealthStatus.ACTIVE_HEALTHY),
    ]
    # as the Terraform provider waits: the project's status, then (ACTIVE_HEALTHY) its services; no sleep
    assert c.sent == [f"GET /v1/projects/{shared_ref}", f"GET /v1/projects/{shared_ref}/health"]
    assert c.events == [HealthChanged(shared_ref, None, BOTH_HEALTHY, "")] and c.sleeper.waits == []

    c.reset()
    every = await c.api.get_health(shared_ref, services=list(ServiceName))
    assert [s.name for s in every] == list(ServiceName)
    assert all(s.is_healthy and s.healthy is True and s.error is None for s in every)
    assert c.sent == [f"GET /v1/projects/{shared_ref}/health"]


async def test_the_database_connection_accepts_the_db_pass_and_refuses_another(sandbox, shared_ref, client):
    c = client()
    [pooler] = await c.api.pooler_config(shared_ref)
    assert (pooler.database_type, pooler.pool_mode) == (DatabaseType.PRIMARY, PoolMode.TRANSACTION)
    conn_info = await c.api.database_connection(shared_ref)
    host = sandbox.pooler_host
    assert (conn_info.user, conn_info.host, conn_info.dbname) == (f"postgres.{shared_ref}", host, "postgres")
    # session and transaction mode on their own ports, as on the platform's pooler
    assert (conn_info.session_port, conn_info.transaction_port) == (5432, 6543)
    assert conn_info.session_url == f"postgresql://postgres.{shared_ref}@{host}:5432/postgres"
    assert c.sent == [f"GET /v1/projects/{shared_ref}/config/database/pooler"] * 2

    url = conn_info.url_with_password(DB_PASS)
    assert DB_PASS not in str(url) and DB_PASS not in repr(url)
    async with await psycopg.AsyncConnection.connect(url.reveal(), prepare_threshold=None) as conn:
        row = await (await conn.execute("select current_user, current_database()")).fetchone()
    assert row == ("postgres", "postgres")  # the pooler user postgres.<ref> is the project's postgres role
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        await psycopg.AsyncConnection.connect(
            conn_info.url_with_password("not-the-password").reveal(), prepare_threshold=None
        )


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_api_keys_hide_the_secret_key_unless_revealed(shared_ref, client):
    c = client()
    hidden = await c.api.api_keys(shared_ref)
    shown = await c.api.api_keys(shared_ref, reveal=True)
    assert [(k.name, k.type) for k in hidden] == [
        ("anon", ApiKeyType.LEGACY),
        ("service_role", ApiKeyType.LEGACY),
        ("default", ApiKeyType.PUBLISHABLE),
        ("default", ApiKeyType.SECRET),
    ]
    assert secret_key(hidden).is_masked and not secret_key(shown).is_masked
    revealed = secret_key(shown).api_key
    assert revealed.startswith("sb_secret_") and revealed != secret_key(hidden).api_key
    assert secret_key(hidden).api_key.startswith(secret_key(hidden).prefix)
    assert public_key(hidden).api_key == public_key(shown).api_key and public_key(hidden).api_key.startswith(
        "sb_publishable_"
    )
    anon = next(k for k in hidden if k.name == "anon")
    assert {k: jwt_claims(anon.api_key)[k] for k in ("iss", "ref", "role")} == {
        "iss": "supabase",
        "ref": shared_ref,
        "role": "anon",
    }
    assert all(k.api_key not in repr(k) for k in shown)
    assert c.sent == [f"GET /v1/projects/{shared_ref}/api-keys"] * 2


async def test_run_query_returns_rows_and_writes_only_when_asked(shared_ref, client):
    c = client()
    query = f"POST /v1/projects/{shared_ref}/database/query"
    assert await c.api.run_query(shared_ref, "select 1 as one, 'two' as two") == [{"one": 1, "two": "two"}]
    assert await c.api.run_query(shared_ref, "select $1::int + 1 as n", parameters=[41]) == [{"n": 42}]
    with pytest.raises(QueryFailed) as caught:
        await c.api.run_query(shared_ref, "create table notes (id int)")
    assert str(caught.value) == (
        f"Supabase refused to run a query on project {shared_ref}: Failed to run sql query: "
        "ERROR:  25006: cannot execute CREATE TABLE in a read-only transaction"
    )
    rows = await c.api.run_query(
        shared_ref,
        "create table notes (id int primary key, body text); insert into notes values (1, 'hi') returning id, body",
        read_only=False,
    )
    assert rows == [{"id": 1, "body": "hi"}]
    assert await c.api.run_query(shared_ref, "select id, body from notes") == [{"id": 1, "body": "hi"}]
    with pytest.raises(QueryFailed, match=r'Failed to run sql query: ERROR:  42P01: relation "nowhere" does not exist'):
        await c.api.run_query(shared_ref, "select * from nowhere")
    assert c.sent == [query] * 6


async def test_delete_removes_the_project_and_its_database_then_get_is_not_found(sandbox, client):
    name = unique("delete")
    ref = create_raw(sandbox, name)
    c = client()
    deleted = await c.api.delete_project(ref)
    assert isinstance(deleted, DeletedProject) and (deleted.ref, deleted.name) == (ref, name)
    assert isinstance(deleted.id, int)
    assert not database_exists(sandbox, ref) and live(sandbox, name) == []
    with pytest.raises(NotFound) as caught:
        await c.api.get_project(ref)
    assert str(caught.value) == (
        f"Could not read project {ref}: Supabase says it does not exist (HTTP 404: Not Found). Check the project "
        "ref or organization, and that the token belongs to an account that can see it."
    )
    assert c.sent == [f"DELETE /v1/projects/{ref}", f"GET /v1/projects/{ref}"]


async def test_available_regions_recommend_by_continent_and_list_all(sandbox, client):
    c = client()
    slug = sandbox.organization_slug
    anywhere = await c.api.available_regions(slug)
    assert [r.code for r in anywhere.all.specific] == list(Region)
    assert {g.code for g in anywhere.all.smart_group} == set(SmartGroup)
    assert (anywhere.recommendations.smart_group.code, [r.code for r in anywhere.recommendations.specific]) == (
        SmartGroup.AMERICAS,
        [Region.US_EAST_1],
    )
    europe = await c.api.available_regions(slug, continent="EU", instance_size=InstanceSize.SMALL)
    assert europe.recommendations.smart_group.code is SmartGroup.EMEA
    assert {r.code for r in europe.recommendations.specific} == {
        Region.EU_WEST_1,
        Region.EU_WEST_2,
        Region.EU_WEST_3,
        Region.EU_NORTH_1,
        Region.EU_CENTRAL_1,
        Region.EU_CENTRAL_2,
    }
    with pytest.raises(
        NotFound,
        match=r"Could not list regions for organization nobody: Supabase says it does not "
        r"exist \(HTTP 404: Organization nobody not found\)",
    ):
        await c.api.available_regions("nobody")
    assert c.sent == ["GET /v1/projects/available-regions"] * 3


async def test_a_wrong_token_is_rejected_at_once_with_the_tokens_page(sandbox, client):
    c = client(token=WRONG_TOKEN)
    with pytest.raises(TokenRejected) as caught:
        await c.api.list_projects()
    assert str(caught.value) == (
        "Supabase rejected the access token (HTTP 401: Unauthorized) on GET /v1/projects. It may be expired, "
        f"revoked or mistyped: create a new one at {TOKENS_PAGE} and try again."
    )
    assert c.sent == [PROJECTS]

    c.reset()
    name = unique("no-token")
    with pytest.raises(TokenRejected):
        await c.api.create_project(name, organization=sandbox.organization_slug, db_pass=DB_PASS, region="us-east-1")
    assert c.sent == [ORGS]  # refused on resolving the organization: nothing posted
    assert c.events == [] and live(sandbox, name) == []


# --- 429 every Nth request ----------------------------------------------------------------------


async def test_every_third_request_429_is_waited_out_as_x_ratelimit_reset_says(sandbox, shared_ref, client):
    sandbox.set_faults(Faults(rate_limit_every=3, rate_limit_reset=1))
    c = client()
    await c.api.list_organizations()  # API request 1
    await c.api.list_projects()  # 2
    got = await c.api.get_project(shared_ref)  # 3: 429, waited out; 4: 200
    assert got.ref == shared_ref
    assert c.sent == [ORGS, PROJECTS, f"GET /v1/projects/{shared_ref}", f"GET /v1/projects/{shared_ref}"]
    assert c.events == [RateLimited(1.0, 1, 3, f"GET /v1/projects/{shared_ref}")]
    assert c.sleeper.waits == [1.0]


async def test_a_429_on_create_is_retried_because_nothing_was_made_and_one_project_results(sandbox, client):
    sandbox.set_faults(Faults(rate_limit_every=2, rate_limit_reset=1))  # the POST is API request 2
    c = client()
    name = unique("create-429")
    created = await c.api.create_project(
        name, organization=sandbox.organization_slug, db_pass=DB_PASS, region="us-east-1"
    )
    assert c.sent == [ORGS, CREATE, CREATE]
    assert c.events == [RateLimited(1.0, 1, 3, CREATE)]
    assert [p["ref"] for p in live(sandbox, name)] == [created.ref]


async def test_a_429_on_every_request_gives_up_after_three_retries(sandbox, client):
    sandbox.set_faults(Faults(rate_limit_every=1, rate_limit_reset=1))
    c = client()
    with pytest.raises(RateLimitExceeded) as caught:
        await c.api.list_projects()
    assert str(caught.value) == (
        "Supabase kept rate-limiting GET /v1/projects after 3 retries (it allows about 120 requests a minute per "
        "account and endpoint). Wait about 1 s, then try again; an interrupted clone continues with `musekit resume`."
    )
    assert c.sent == [PROJECTS] * 4
    assert c.events == [RateLimited(1.0, n, 3, PROJECTS) for n in (1, 2, 3)]
    assert c.sleeper.waits == [1.0, 1.0, 1.0]


async def test_a_429_without_a_given_reset_waits_for_the_rest_of_the_sandbox_window(sandbox, shared_ref, client):
    sandbox.set_faults(Faults(rate_limit_every=1))  # x-ratelimit-reset: the limiter's window, up to 60 s
    c = client(wait=False)  # the 429s come by count, not by time: waiting for real changes nothing
    with pytest.raises(RateLimitExceeded) as caught:
        await c.api.api_keys(shared_ref)
    assert c.sent == [f"GET /v1/projects/{shared_ref}/api-keys"] * 4
    waits = [e.wait_s for e in c.of(RateLimited)]
    assert len(waits) == 3 and all(1 <= w <= 60 and w == int(w) for w in waits)
    assert c.sleeper.waits == waits and caught.value.wait_s == waits[-1]
    assert f"Wait about {waits[-1]:.0f} s" in str(caught.value)


# --- 5xx bursts ------------------------------------------------------------------------------------


async def test_a_5xx_burst_on_a_read_is_retried_with_backoff(sandbox, shared_ref, client):
    sandbox.set_faults(Faults(error_burst=2, error_status=503))
    c = client()
    assert (await c.api.get_project(shared_ref)).ref == shared_ref
    label = f"GET /v1/projects/{shared_ref}"
    assert c.sent == [label] * 3
    assert c.events == [
        Retrying(2, 4, pytest.approx(0.0375), "HTTP 503", label),
        Retrying(3, 4, pytest.approx(0.075), "HTTP 503", label),
    ]
    assert c.sleeper.waits == pytest.approx([0.0375, 0.075])


async def test_a_5xx_burst_longer_than_the_retries_stops_after_four_attempts(sandbox, client):
    sandbox.set_faults(Faults(error_burst=5))
    c = client()
    with pytest.raises(ServerError) as caught:
        await c.api.list_organizations()
    assert str(caught.value) == (
        "Supabase's API failed on GET /v1/organizations after 4 attempts (HTTP 500: Internal Server Error). This is "
        "on Supabase's side: check https://status.supabase.com and try again in a few minutes."
    )
    assert c.sent == [ORGS] * 4 and len(c.of(Retrying)) == 3
    assert sandbox.faults().error_burst == 1  # the fifth error was never asked for


async def test_a_501_is_not_retried(sandbox, client):
    sandbox.set_faults(Faults(error_burst=3, error_status=501))
    c = client()
    with pytest.raises(ServerError, match=r"failed on GET /v1/projects \(HTTP 501: Not Implemented\)"):
        await c.api.list_projects()
    assert c.sent == [PROJECTS] and c.events == []


async def test_a_5xx_on_delete_is_not_retried_and_leaves_the_project(sandbox, client):
    name = unique("delete-5xx")
    ref = create_raw(sandbox, name)
    sandbox.set_faults(Faults(error_burst=1, error_status=502))
    c = client()
    with pytest.raises(ServerError) as caught:
        await c.api.delete_project(ref)
    assert str(caught.value).startswith(f"Supabase's API failed on DELETE /v1/projects/{ref} (HTTP 502: Bad Gateway).")
    assert c.sent == [f"DELETE /v1/projects/{ref}"] and c.events == []
    assert [p["ref"] for p in live(sandbox, name)] == [ref] and database_exists(sandbox, ref)


async def test_a_5xx_on_a_read_only_query_is_retried_but_a_writing_one_is_not(sandbox, shared_ref, client):
    c = client()
    query = f"POST /v1/projects/{shared_ref}/database/query"
    sandbox.set_faults(Faults(error_burst=1))
    assert await c.api.run_query(shared_ref, "select 7 as seven") == [{"seven": 7}]
    assert c.sent == [query] * 2 and len(c.of(Retrying)) == 1

    c.reset()
    sandbox.set_faults(Faults(error_burst=1))
    with pytest.raises(ServerError, match=rf"failed on {query} \(HTTP 500"):
        await c.api.run_query(shared_ref, "create table burst_write (id int)", read_only=False)
    assert c.sent == [query] and c.events == []
    sandbox.set_faults(Faults())
    assert await c.api.run_query(shared_ref, "select to_regclass('public.burst_write') as t") == [{"t": None}]


# --- latency -------------------------------------------------------------------------------------


async def test_latency_slows_answers_but_changes_no_count(sandbox, shared_ref, client):
    sandbox.set_faults(Faults(latency=0.3))
    c = client()
    assert (await c.api.get_project(shared_ref)).status is ProjectStatus.ACTIVE_HEALTHY
    assert len(await c.api.wait_until_healthy(shared_ref)) == 2
    assert await c.api.run_query(shared_ref, "select 1 as one") == [{"one": 1}]
    assert c.sent == [
        f"GET /v1/projects/{shared_ref}",
        f"GET /v1/projects/{shared_ref}",
        f"GET /v1/projects/{shared_ref}/health",
        f"POST /v1/projects/{shared_ref}/database/query",
    ]
    assert [type(e) for e in c.events] == [HealthChanged]


async def test_latency_beyond_the_client_timeout_retries_reads_then_says_so(sandbox, client):
    latency = 0.8
    sandbox.set_faults(Faults(latency=latency))
    c = client(timeout_s=0.3)
    with pytest.raises(ApiConnectionError) as caught:
        await c.api.list_projects()
    assert caught.value.request_sent is True
    assert str(caught.value) == (
        f"Could not reach the Supabase Management API at {sandbox.url} for GET /v1/projects after 4 attempts: "
        "ReadTimeout. Check the network connection (and SUPABASE_API_URL if you set it), then try again."
    )
    assert c.sent == [PROJECTS] * 4
    assert [(e.attempt, e.why) for e in c.of(Retrying)] == [(2, "ReadTimeout"), (3, "ReadTimeout"), (4, "ReadTimeout")]
    # the abandoned requests are still in the sandbox's latency sleep: let them finish before the next
    # test, so none of them consumes that test's faults
    await asyncio.sleep(latency)


# --- create: the one-project guarantee ----------------------------------------------------------


async def test_create_then_dropped_connection_returns_the_project_found_by_name(sandbox, client):
    sandbox.set_faults(Faults(drop_after_create=1))
    c = client()
    name = unique("dropped")
    found = await c.api.create_project(
        name, organization=sandbox.organization_slug, db_pass=DB_PASS, region="us-east-1"
    )
    assert c.sent == [ORGS, CREATE, PROJECTS]  # one POST, then one lookup by name
    [project] = live(sandbox, name)
    assert (found.ref, found.name) == (project["ref"], name)
    warnings = [str(e) for e in c.of(ApiWarning)]
    assert len(warnings) == 2 and len(c.events) == 2
    assert warnings[0].startswith(f"Creating project {name!r} got no clear answer (RemoteProtocolError")
    assert warnings[1] == f"Supabase did create project {name!r} ({found.ref}); continuing with it."
    assert all(DB_PASS not in w and sandbox.token not in w for w in warnings)
    # it is the project this POST made: its database takes this password
    url = (await c.api.database_connection(found.ref)).url_with_password(DB_PASS).reveal()
    async with await psycopg.AsyncConnection.connect(url, prepare_threshold=None) as conn:
        assert await (await conn.execute("select current_user")).fetchone() == ("postgres",)


async def test_a_5xx_on_the_create_post_is_not_repeated_and_says_to_check_before_creating(sandbox, client):
    # error_burst hits the next requests in order, and create first reads the organizations (retried
    # on 5xx), so a burst set beforehand never reaches the POST: arm it as the POST leaves instead
    def arm_on_post(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path == "/v1/projects":
            sandbox.set_faults(error_burst=1)

    c = client(before=arm_on_post, wait=False)  # the waits before the lookups change nothing here
    name = unique("post-5xx")
    with pytest.raises(ProjectCreationUncertain) as caught:
        await c.api.create_project(name, organization=sandbox.organization_slug, db_pass=DB_PASS, region="us-east-1")
    slug = sandbox.organization_slug
    assert str(caught.value) == (
        f"Creating project {name!r} got no clear answer (HTTP 500: Internal Server Error) and no project of that "
        f"name is in organization {slug} yet. It may still appear: check https://supabase.com/dashboard/org/{slug} "
        "in a minute, then run `musekit resume` (it looks the project up by name before creating one)."
    )
    assert c.sent == [ORGS, CREATE, PROJECTS, PROJECTS, PROJECTS]  # one POST, three lookups
    assert c.sleeper.waits == [2.0, 4.0]
    assert DB_PASS not in str(caught.value) and live(sandbox, name) == []  # the sandbox's 5xx made nothing

    # what resume does: look it up, then create it once
    again = client()
    assert await again.api.find_project(name, slug) is None
    created = await again.api.create_project(name, organization=slug, db_pass=DB_PASS, region="us-east-1")
    assert again.sent == [PROJECTS, ORGS, CREATE]
    assert [p["ref"] for p in live(sandbox, name)] == [created.ref]


class LostAnswerTransport(CountingTransport):
    """The sandbox really handles the first POST /v1/projects, then its answer is lost on the way back and
    a 502 page comes instead, as from a proxy in between. (The sandbox's own 5xx faults answer without
    effect, so this is the only way to get a 5xx for a create that did happen.)"""

    def __init__(self) -> None:
        super().__init__()
        self.lost_status: int | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if request.method == "POST" and request.url.path == "/v1/projects" and self.lost_status is None:
            await response.aread()
            await response.aclose()
            self.lost_status = response.status_code
            return httpx.Response(
                502, text="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"content-type": "text/html"}
            )
        return response


async def test_a_5xx_after_the_project_was_made_adopts_it_without_posting_again(sandbox, client):
    transport = LostAnswerTransport()
    c = client(transport=transport)
    name = unique("lost-answer")
    found = await c.api.create_project(
        name, organization=sandbox.organization_slug, db_pass=DB_PASS, region="us-east-1"
    )
    assert transport.lost_status == 201  # the sandbox did create it
    assert c.sent == [ORGS, CREATE, PROJECTS]
    assert [p["ref"] for p in live(sandbox, name)] == [found.ref]
    assert [str(e) for e in c.of(ApiWarning)] == [
        f"Creating project {name!r} got no clear answer (HTTP 502: <html><body><h1>502 Bad Gateway</h1></body></html>)"
        "; checking whether Supabase created it before doing anything else.",
        f"Supabase did create project {name!r} ({found.ref}); continuing with it.",
    ]


# --- provisioning outcomes ----------------------------------------------------------------------


async def test_init_failed_fails_fast_with_the_apis_status_words(sandbox, client):
    sandbox.set_faults(Faults(init_failed=1))
    c = client()
    created = await c.api.create_project(
        unique("doomed"), organization=sandbox.organization_slug, db_pass=DB_PASS, region="us-east-1"
    )
    ref = created.ref
    c.reset()
    with pytest.raises(ProjectFailed) as caught:
        await c.api.wait_until_healthy(ref, timeout_s=30)
    assert caught.value.project_status == "INIT_FAILED"
    assert str(caught.value) == (
        f"Supabase reports project {ref} as INIT_FAILED: provisioning failed on Supabase's side. Delete the project "
        "in the dashboard and start the clone again; contact Supabase support if it happens twice. Dashboard: "
        f"https://supabase.com/dashboard/project/{ref}."
    )
    assert c.sent == [f"GET /v1/projects/{ref}"]  # one poll, no wait; health is not asked of a failed project
    assert c.events == [HealthChanged(ref, None, "project INIT_FAILED", "")]
    assert c.sleeper.waits == []


async def test_a_project_coming_up_is_polled_until_healthy(sandbox, client):
    sandbox.set_faults(Faults(slow_health=2.0))  # healthy ~2 s after the create answers
    ref = create_raw(sandbox, unique("coming-up"))
    c = client()
    services = await c.api.wait_until_healthy(ref, timeout_s=30)
    assert all(s.is_healthy for s in services)
    health, project = f"GET /v1/projects/{ref}/health", f"GET /v1/projects/{ref}"
    # polls 1 s and 2 s apart: at ~0 and ~1 s the project is coming up, at ~3 s it is ACTIVE_HEALTHY and its
    # health is asked once; each poll has a second of slack either side of the 2 s mark
    assert c.sent == [project, project, project, health]
    coming_up = "project COMING_UP"
    assert c.events == [HealthChanged(ref, None, coming_up, ""), HealthChanged(ref, coming_up, BOTH_HEALTHY, "")]
    assert len(c.sleeper.waits) == 2


async def test_slow_health_times_out_saying_how_to_resume(sandbox, client):
    sandbox.set_faults(Faults(slow_health=600))
    name = unique("slow")
    ref = create_raw(sandbox, name)
    c = client()
    with pytest.raises(HealthTimeout) as caught:
        await c.api.wait_until_healthy(ref, timeout_s=1.0)
    state = "project COMING_UP"
    assert caught.value.last_state == state
    message = str(caught.value)
    assert message.startswith(f"Project {ref} is not healthy after ")
    assert (
        f"last state: {state}. Nothing is lost: Supabase keeps provisioning it. Run `musekit resume` to keep "
        "waiting and finish the clone" in message
    )
    project = f"GET /v1/projects/{ref}"
    assert c.sent == [project, project]  # polls at 0 and at the 1 s deadline
    assert c.events == [HealthChanged(ref, None, state, "")]

    # still coming up: the API refuses to delete it, and the client says so verbatim, once
    c.reset()
    with pytest.raises(BadRequest) as caught_delete:
        await c.api.delete_project(ref)
    assert str(caught_delete.value) == f"Supabase refused to delete project {ref}: Project not ready for deletion."
    assert c.sent == [f"DELETE /v1/projects/{ref}"]
    assert [p["ref"] for p in live(sandbox, name)] == [ref]


async def test_the_client_paces_itself_under_the_requests_per_minute_of_an_endpoint(shared_ref, client):
    now = [0.0]
    s = client(wait=False, retry=RetryPolicy(requests_per_minute=3), clock=lambda: now[0])
    for _ in range(4):
        await s.api.get_project(shared_ref)
    assert s.sleeper.waits == [60.0]  # the 4th request of the minute waits for the window, before any 429
    (paced,) = s.of(RateLimited)
    assert paced.paced and paced.request == f"GET /v1/projects/{shared_ref}"
    await s.api.list_projects()  # another endpoint has its own budget
    assert s.sleeper.waits == [60.0]
    now[0] = 61.0
    await s.api.get_project(shared_ref)
    assert s.sleeper.waits == [60.0]
