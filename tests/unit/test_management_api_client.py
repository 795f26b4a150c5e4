"""Error paths of the Management API client, against httpx.MockTransport scripts (the happy path runs
against the `musekit sandbox` emulator elsewhere). Each test counts the requests made: no hammering.
Time is a fake clock advanced by the injected sleep, so nothing really waits."""

from __future__ import annotations

import io
import json
import logging
import pickle
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import psycopg.conninfo
import pytest

from wizard import __version__
from wizard.api import (
    DEFAULT_HEALTH_TIMEOUT_S,
    TOKENS_PAGE,
    ApiConnectionError,
    ApiKey,
    ApiWarning,
    BadRequest,
    DatabaseConnection,
    DatabaseType,
    DuplicateProjectName,
    HealthChanged,
    HealthTimeout,
    InvalidAccessToken,
    InvalidInput,
    LoginRole,
    ManagementAPI,
    NotFound,
    OrganizationNotFound,
    PermissionDenied,
    PoolerConfig,
    PoolMode,
    PrimaryDatabaseNotFound,
    ProjectCreationUncertain,
    ProjectFailed,
    ProjectStatus,
    QueryFailed,
    RateLimited,
    RateLimitExceeded,
    Retrying,
    RetryPolicy,
    SecretUrl,
    ServerError,
    ServicesUnhealthy,
    TokenKind,
    TokenRejected,
    UnexpectedResponse,
    check_access_token,
    checked_base_url,
    connection_from_pooler,
)

TOKEN = "sbp_" + "0123456789abcdef" * 2 + "01234567"
REF = "abcdefghijklmnopqrst"
ORG = {"id": "acme-id", "slug": "acme", "name": "Acme"}
BASE = "https://api.example.test"


def project(name: str = "my-muse", ref: str = REF, status: str = "COMING_UP", **extra) -> dict:
    body = {
        "id": ref,
        "ref": ref,
        "organization_id": "acme",
        "organization_slug": "acme",
        "name": name,
        "region": "us-east-1",
        "created_at": "2026-01-01T00:00:00Z",
        "status": status,
        "database": {
            "host": f"db.{ref}.supabase.co",
            "version": "17.6.1",
            "postgres_engine": "17",
            "release_channel": "ga",
        },
    }
    return body | extra


def health(db: str, pooler: str, errors: dict[str, str] | None = None) -> list[dict]:
    errors = errors or {}
    return [
        {"name": n, "healthy": s == "ACTIVE_HEALTHY", "status": s} | ({"error": errors[n]} if n in errors else {})
        for n, s in (("db", db), ("pooler", pooler))
    ]


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Harness:
    api: ManagementAPI
    time: FakeTime
    requests: list[httpx.Request] = field(default_factory=list)
    events: list = field(default_factory=list)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)


@pytest.fixture
async def harness():
    made: list[Harness] = []

    def make(handler: Callable[[httpx.Request], httpx.Response], **kwargs) -> Harness:
        fake = FakeTime()
        h = Harness(api=None, time=fake)  # type: ignore[arg-type]

        def record(request: httpx.Request) -> httpx.Response:
            h.requests.append(request)
            return handler(request)

        h.api = ManagementAPI(
            TOKEN,
            base_url=kwargs.pop("base_url", BASE),
            transport=httpx.MockTransport(record),
            on_event=h.events.append,
            sleep=fake.sleep,
            clock=fake.clock,
            jitter=lambda: 0.5,
            **kwargs,
        )
        made.append(h)
        return h

    yield make
    for h in made:
        await h.api.aclose()


def routes(table: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response] | httpx.Response]):
    def handler(request: httpx.Request) -> httpx.Response:
        answer = table.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"message": "Not Found"})
        return answer(request) if callable(answer) else answer

    return handler


def sequence(*answers: httpx.Response | Exception):
    """Answers in order; the last one repeats."""
    items = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        item = items.pop(0) if len(items) > 1 else items[0]
        if isinstance(item, Exception):
            raise item
        return item

    return answer


# --- access token shape ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, kind",
    [
        (TOKEN, TokenKind.PERSONAL),
        ("sbp_oauth_" + "f" * 40, TokenKind.OAUTH),
        (f"  {TOKEN}\n", TokenKind.PERSONAL),
    ],
)
def test_token_check_accepts_the_cli_shapes(value, kind):
    check = check_access_token(value)
    assert (check.accepted, check.kind, check.message, check.warning) == (True, kind, "", None)


@pytest.mark.parametrize(
    "value, kind, says",
    [
        ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln", TokenKind.PROJECT_JWT, "project JWT"),
        ("sb_publishable_4lKz9vQ8mYwVZ0b6rXyQ_g1w2e3r4t5", TokenKind.PUBLISHABLE_KEY, "publishable API key"),
        ("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz", TokenKind.SECRET_KEY, "secret API key"),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", TokenKind.OTHER, "start with `sbp_`"),
        ("hunter2", TokenKind.OTHER, "start with `sbp_`"),
        ("   ", TokenKind.EMPTY, "No access token"),
        (f"{TOKEN} {TOKEN}", TokenKind.OTHER, "spaces, line breaks"),
        (f"sbp_{'é' * 40}", TokenKind.OTHER, "non-ASCII"),
    ],
)
def test_token_check_refuses_other_values_saying_what_they_are(value, kind, says):
    check = check_access_token(value)
    assert not check.accepted and check.kind is kind and check.warning is None
    assert says in check.message and TOKENS_PAGE in check.message
    assert value.strip() == "" or value not in check.message


@pytest.mark.parametrize("value", ["sbp_v0_" + "9" * 48, "sbp_" + "A" * 40, "sbp_" + "a" * 39])
def test_token_check_only_warns_on_other_sbp_shapes(value):
    check = check_access_token(value)
    assert check.accepted and check.kind is TokenKind.UNUSUAL_PERSONAL
    assert "40 hex characters" in check.warning and value not in check.warning


async def test_a_bad_token_is_refused_before_any_request():
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json=[]))
    with pytest.raises(InvalidAccessToken) as err:
        ManagementAPI("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz", base_url=BASE, transport=transport)
    assert "secret API key" in str(err.value) and "N7UND0" not in str(err.value)
    assert sent == []


async def test_an_unusual_sbp_token_is_tried_with_a_warning():
    events: list = []
    api = ManagementAPI(
        "sbp_v0_" + "9" * 48,
        base_url=BASE,
        on_event=events.append,
        transport=httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "Unauthorized"})),
    )
    async with api:
        with pytest.raises(TokenRejected):
            await api.list_organizations()
    assert len(events) == 1 and isinstance(events[0], ApiWarning) and "newer token formats" in events[0].text.lower()


# --- 401 / 403 / 404 / 400 ---------------------------------------------------------------------


async def test_401_says_the_token_was_rejected_and_where_to_get_a_new_one(harness):
    h = harness(lambda r: httpx.Response(401, json={"message": "Unauthorized"}))
    with pytest.raises(TokenRejected) as err:
        await h.api.list_projects()
    assert TOKENS_PAGE in str(err.value) and "Unauthorized" in str(err.value)
    assert (err.value.status, err.value.request) == (401, "GET /v1/projects")
    assert len(h.requests) == 1 and h.time.sleeps == []
    sent = h.requests[0]
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["user-agent"].startswith(f"musekit/{__version__}")
    assert str(sent.url) == f"{BASE}/v1/projects"


async def test_403_explains_the_missing_rights(harness):
    h = harness(lambda r: httpx.Response(403, json={"message": "Forbidden resource"}))
    with pytest.raises(PermissionDenied) as err:
        await h.api.delete_project(REF)
    assert err.value.api_message == "Forbidden resource"
    assert f"delete project {REF}" in str(err.value) and "Owner or Administrator" in str(err.value)
    assert h.count("DELETE", f"/v1/projects/{REF}") == 1 and len(h.requests) == 1


async def test_404_names_what_was_missing(harness):
    h = harness(lambda r: httpx.Response(404, json={"message": "Not Found"}))
    with pytest.raises(NotFound) as err:
        await h.api.get_project(REF)
    assert f"read project {REF}" in str(err.value) and err.value.api_message == "Not Found"
    assert len(h.requests) == 1


async def test_404_on_a_collection_points_at_the_base_url(harness):
    h = harness(lambda r: httpx.Response(404, text="no such route", headers={"content-type": "text/plain"}))
    with pytest.raises(NotFound) as err:
        await h.api.list_organizations()
    assert BASE in str(err.value) and "SUPABASE_API_URL" in str(err.value)


async def test_400_on_create_gives_the_api_message_verbatim_and_is_not_retried(harness):
    message = "Password is too weak: use at least 12 characters, mixing cases, digits and symbols."
    h = harness(
        routes(
            {
                ("GET", "/v1/organizations"): httpx.Response(200, json=[ORG]),
                ("POST", "/v1/projects"): httpx.Response(400, json={"message": message}),
            }
        )
    )
    with pytest.raises(BadRequest) as err:
        await h.api.create_project(
            "my-muse", organization="acme-id", db_pass="weak", region="eu-central-1", instance_size="micro"
        )
    assert err.value.api_message == message and message in str(err.value)
    assert h.count("POST", "/v1/projects") == 1 and len(h.requests) == 2  # orgs, then one POST; no lookup
    assert json.loads(h.requests[1].content) == {
        "name": "my-muse",
        "organization_slug": "acme",
        "db_pass": "weak",
        "region_selection": {"type": "specific", "code": "eu-central-1"},
        "desired_instance_size": "micro",
    }


async def test_400_on_delete_is_verbatim(harness):
    h = harness(lambda r: httpx.Response(400, json={"message": "Project not ready for deletion."}))
    with pytest.raises(BadRequest) as err:
        await h.api.delete_project(REF)
    assert str(err.value) == f"Supabase refused to delete project {REF}: Project not ready for deletion."
    assert len(h.requests) == 1


async def test_a_failing_query_raises_query_failed_with_postgres_words(harness):
    pg_error = 'Failed to run sql query: ERROR:  42P01: relation "public.nope" does not exist'
    h = harness(lambda r: httpx.Response(400, json={"message": pg_error}))
    with pytest.raises(QueryFailed) as err:
        await h.api.run_query(REF, "select * from public.nope")
    assert isinstance(err.value, BadRequest) and err.value.api_message == pg_error
    assert len(h.requests) == 1
    assert h.requests[0].read() == b'{"query":"select * from public.nope","read_only":true}'


# --- bad input never reaches the network ------------------------------------------------------


async def test_bad_input_is_refused_without_a_request(harness):
    h = harness(lambda r: httpx.Response(500))
    with pytest.raises(InvalidInput, match="20 lowercase letters"):
        await h.api.delete_project("ABCDEFGHIJKLMNOPQRST")
    with pytest.raises(InvalidInput, match="No region given"):
        await h.api.create_project("x", organization="acme", db_pass="pw", region=" ")
    with pytest.raises(InvalidInput, match="1 to 256 characters"):
        await h.api.create_project("x" * 257, organization="acme", db_pass="pw", region="us-east-1")
    with pytest.raises(InvalidInput, match="Unknown instance size"):
        await h.api.create_project("x", organization="acme", db_pass="pw", region="us-east-1", instance_size="huge")
    with pytest.raises(InvalidInput, match="query is empty"):
        await h.api.run_query(REF, "  ")
    assert h.requests == []


async def test_an_unknown_organization_lists_the_ones_the_token_sees(harness):
    h = harness(routes({("GET", "/v1/organizations"): httpx.Response(200, json=[ORG])}))
    with pytest.raises(OrganizationNotFound) as err:
        await h.api.create_project("my-muse", organization="globex", db_pass="pw", region="us-east-1")
    assert "'globex'" in str(err.value) and "acme (Acme)" in str(err.value)
    assert h.count("POST", "/v1/projects") == 0 and len(h.requests) == 1


def test_base_url_rules(monkeypatch):
    assert checked_base_url("https://api.supabase.com/") == "https://api.supabase.com"
    assert checked_base_url("http://127.0.0.1:8080/prefix") == "http://127.0.0.1:8080/prefix"
    with pytest.raises(InvalidInput, match="unencrypted"):
        checked_base_url("http://api.supabase.com")
    with pytest.raises(InvalidInput, match="user name or password"):
        checked_base_url("https://me:pw@api.supabase.com")
    with pytest.raises(InvalidInput, match="https://"):
        checked_base_url("ftp://api.supabase.com")


async def test_supabase_api_url_is_the_default_base_and_its_path_prefix_is_kept(monkeypatch):
    monkeypatch.setenv("SUPABASE_API_URL", "https://staging.example.test/api/")
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(401, json={"message": "Unauthorized"}))
    async with ManagementAPI(TOKEN, transport=transport) as api:
        with pytest.raises(TokenRejected):
            await api.list_organizations()
    assert [str(r.url) for r in seen] == ["https://staging.example.test/api/v1/organizations"]


# --- 429 ---------------------------------------------------------------------------------------


def throttled(**headers: str) -> httpx.Response:
    return httpx.Response(429, json={"message": "ThrottlerException: Too Many Requests"}, headers=headers)


async def test_429_waits_as_x_ratelimit_reset_says_then_retries(harness):
    h = harness(
        sequence(
            throttled(**{"x-ratelimit-limit": "120", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "7"}),
            httpx.Response(200, json=[ORG]),
        )
    )
    orgs = await h.api.list_organizations()
    assert [o.slug for o in orgs] == ["acme"]
    assert h.time.sleeps == [7.0] and len(h.requests) == 2
    assert h.events == [RateLimited(7.0, 1, 3, "GET /v1/organizations")]
    assert "waiting 7 s" in str(h.events[0])


async def test_429_prefers_retry_after_in_seconds_or_as_a_date(harness):
    in_30s = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    h = harness(
        sequence(
            throttled(**{"retry-after": "3", "x-ratelimit-reset": "40"}),
            throttled(**{"retry-after": in_30s}),
            throttled(),
            httpx.Response(200, json=[ORG]),
        )
    )
    await h.api.list_organizations()
    first, second, third = h.time.sleeps
    assert first == 3.0 and 27.0 <= second <= 30.0 and third == 60.0  # no header: the rest of the minute
    assert len(h.requests) == 4


async def test_429_is_bounded_in_wait_and_in_tries(harness):
    h = harness(lambda r: throttled(**{"x-ratelimit-reset": "3600"}))
    with pytest.raises(RateLimitExceeded) as err:
        await h.api.list_projects()
    assert h.time.sleeps == [60.0, 60.0, 60.0] and len(h.requests) == 4
    assert err.value.status == 429 and "after 3 retries" in str(err.value) and "about 60 s" in str(err.value)
    assert [e.retry for e in h.events] == [1, 2, 3]


async def test_429_on_create_is_retried_because_nothing_was_done(harness):
    h = harness(
        routes(
            {
                ("GET", "/v1/organizations"): httpx.Response(200, json=[ORG]),
                ("POST", "/v1/projects"): sequence(
                    throttled(**{"x-ratelimit-reset": "2"}), httpx.Response(201, json=project(status="UNKNOWN"))
                ),
            }
        )
    )
    created = await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="us-east-1")
    assert created.ref == REF and created.status is ProjectStatus.UNKNOWN
    assert h.count("POST", "/v1/projects") == 2 and h.time.sleeps == [2.0]


# --- 5xx and network errors --------------------------------------------------------------------


async def test_5xx_on_get_is_retried_with_backoff(harness):
    h = harness(
        sequence(httpx.Response(503, text="upstream busy"), httpx.Response(502), httpx.Response(200, json=[project()]))
    )
    projects = await h.api.list_projects()
    assert [p.ref for p in projects] == [REF]
    assert len(h.requests) == 3
    assert h.time.sleeps == [0.375, 0.75]  # 0.5 s then 1 s, each at jitter 0.5 -> 75 %
    assert [(e.attempt, e.why) for e in h.events] == [(2, "HTTP 503"), (3, "HTTP 502")]
    assert all(isinstance(e, Retrying) for e in h.events)


async def test_5xx_on_get_gives_up_after_the_bound(harness):
    h = harness(lambda r: httpx.Response(500, json={"message": "Internal server error"}))
    with pytest.raises(ServerError) as err:
        await h.api.get_project(REF)
    assert len(h.requests) == 4 and len(h.time.sleeps) == 3
    assert err.value.status == 500 and "after 4 attempts" in str(err.value) and "status.supabase.com" in str(err.value)


def test_backoff_is_exponential_jittered_and_capped():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=8.0)
    for failures, delay in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        assert policy.backoff_s(failures, 0.0) == delay / 2
        assert policy.backoff_s(failures, 0.999) < delay
        assert delay / 2 < policy.backoff_s(failures, 0.5) < delay


async def test_network_errors_on_get_are_retried_then_reported(harness):
    def refuse(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    h = harness(refuse)
    with pytest.raises(ApiConnectionError) as err:
        await h.api.list_organizations()
    assert len(h.requests) == 4 and len(h.time.sleeps) == 3
    assert err.value.request_sent is False
    assert "Connection refused" in str(err.value) and BASE in str(err.value)


async def test_5xx_on_delete_is_not_retried(harness):
    h = harness(lambda r: httpx.Response(502))
    with pytest.raises(ServerError) as err:
        await h.api.delete_project(REF)
    assert len(h.requests) == 1 and h.time.sleeps == [] and err.value.status == 502


async def test_a_writing_query_is_not_retried(harness):
    h = harness(sequence(httpx.Response(503), httpx.Response(201, json=[{"n": 1}])))
    with pytest.raises(ServerError):
        await h.api.run_query(REF, "insert into t values (1)", read_only=False)
    assert len(h.requests) == 1


async def test_a_read_only_query_survives_one_5xx(harness):
    h = harness(sequence(httpx.Response(503), httpx.Response(201, json=[{"n": 1}])))
    assert await h.api.run_query(REF, "select 1 as n") == [{"n": 1}]
    assert len(h.requests) == 2 and h.time.sleeps == [0.375]


# --- create: ambiguous outcomes are settled by name --------------------------------------------


def create_routes(post, listing):
    return routes(
        {
            ("GET", "/v1/organizations"): httpx.Response(200, json=[ORG]),
            ("POST", "/v1/projects"): post,
            ("GET", "/v1/projects"): listing,
        }
    )


async def test_create_after_a_5xx_looks_the_project_up_instead_of_posting_again(harness):
    listing = httpx.Response(200, json=[project("other", ref="zyxwvutsrqponmlkjihg"), project("my-muse")])
    h = harness(create_routes(httpx.Response(500, json={"message": "Internal server error"}), listing))
    found = await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="us-east-1")
    assert found.ref == REF and found.name == "my-muse"
    assert h.count("POST", "/v1/projects") == 1 and h.count("GET", "/v1/projects") == 1
    texts = [e.text for e in h.events if isinstance(e, ApiWarning)]
    assert "no clear answer (HTTP 500: Internal server error)" in texts[0] and REF in texts[1]


async def test_create_after_a_timeout_not_found_says_to_check_and_resume(harness):
    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    h = harness(create_routes(timeout, httpx.Response(200, json=[project("someone-else")])))
    with pytest.raises(ProjectCreationUncertain) as err:
        await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="us-east-1")
    assert "musekit resume" in str(err.value) and "dashboard/org/acme" in str(err.value)
    assert h.count("POST", "/v1/projects") == 1
    assert h.count("GET", "/v1/projects") == 3 and h.time.sleeps == [2.0, 4.0]  # bounded lookups


async def test_create_after_a_dropped_connection_finds_the_project_on_the_second_lookup(harness):
    def dropped(request):
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    h = harness(
        create_routes(dropped, sequence(httpx.Response(200, json=[]), httpx.Response(200, json=[project("my-muse")])))
    )
    found = await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="apac")
    assert found.ref == REF
    assert h.count("POST", "/v1/projects") == 1 and h.count("GET", "/v1/projects") == 2


async def test_create_is_retried_only_when_the_connection_never_opened(harness):
    h = harness(
        create_routes(
            sequence(
                httpx.ConnectError("Name or service not known"), httpx.Response(201, json=project(status="UNKNOWN"))
            ),
            httpx.Response(200, json=[]),
        )
    )
    created = await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="us-east-1")
    assert created.ref == REF
    assert h.count("POST", "/v1/projects") == 2 and h.count("GET", "/v1/projects") == 0


async def test_create_with_an_unusable_201_is_settled_by_name(harness):
    h = harness(
        create_routes(
            httpx.Response(201, text="<html>created</html>", headers={"content-type": "text/html"}),
            httpx.Response(200, json=[project("my-muse")]),
        )
    )
    found = await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="us-east-1")
    assert found.ref == REF and h.count("POST", "/v1/projects") == 1


async def test_find_project_refuses_to_guess_between_namesakes(harness):
    h = harness(
        routes(
            {
                ("GET", "/v1/projects"): httpx.Response(
                    200,
                    json=[
                        project("my-muse"),
                        project("my-muse", ref="zyxwvutsrqponmlkjihg", status="ACTIVE_HEALTHY"),
                        project("my-muse", ref="qqqqqqqqqqqqqqqqqqqq", status="REMOVED"),
                        project(
                            "my-muse", ref="pppppppppppppppppppp", organization_slug="globex", organization_id="globex"
                        ),
                    ],
                )
            }
        )
    )
    with pytest.raises(DuplicateProjectName) as err:
        await h.api.find_project("my-muse", "acme")
    assert REF in str(err.value) and "zyxwvutsrqponmlkjihg" in str(err.value)
    assert "qqqq" not in str(err.value) and "pppp" not in str(err.value)
    assert (await h.api.find_project("my-muse", "globex")).ref == "pppppppppppppppppppp"
    assert await h.api.find_project("absent", "acme") is None
    assert len(h.requests) == 3


# --- responses musekit cannot use --------------------------------------------------------------


async def test_an_invalid_response_is_reported_without_quoting_its_content(harness):
    secret_value = "sb_secret_DoNotPrintMe0123456789"
    h = harness(lambda r: httpx.Response(200, json=project(ref="NOT-A-REF", name=secret_value)))
    with pytest.raises(UnexpectedResponse) as err:
        await h.api.get_project(REF)
    text = "".join(traceback.format_exception(err.value))
    assert "ref" in str(err.value) and "update musekit" in str(err.value)
    assert "NOT-A-REF" not in text and secret_value not in text
    assert len(h.requests) == 1


async def test_a_non_json_answer_is_unexpected(harness):
    h = harness(lambda r: httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}))
    with pytest.raises(UnexpectedResponse, match="text/html instead of JSON"):
        await h.api.list_organizations()


async def test_a_pooler_without_primary_is_refused(harness):
    replica = {
        "identifier": "r1",
        "database_type": "READ_REPLICA",
        "is_using_scram_auth": True,
        "db_user": f"postgres.{REF}",
        "db_host": "aws-0-eu-central-1.pooler.supabase.com",
        "db_port": 6543,
        "db_name": "postgres",
        "connection_string": "x",
        "connectionString": "x",
        "default_pool_size": None,
        "max_client_conn": None,
        "pool_mode": "transaction",
    }
    h = harness(lambda r: httpx.Response(200, json=[replica]))
    with pytest.raises(PrimaryDatabaseNotFound, match="primary database not found"):
        await h.api.database_connection(REF)
    assert len(h.requests) == 1


def pooler(port: int, mode: str, kind: str = "PRIMARY") -> PoolerConfig:
    return PoolerConfig(
        database_type=DatabaseType(kind),
        db_user=f"postgres.{REF}",
        db_port=port,
        db_host="aws-0-eu-central-1.pooler.supabase.com",
        db_name="postgres",
        pool_mode=PoolMode(mode),
    )


def test_session_url_for_migrations_and_transaction_url_for_display():
    conn = connection_from_pooler([pooler(6543, "transaction", "READ_REPLICA"), pooler(6543, "transaction")])
    host = "aws-0-eu-central-1.pooler.supabase.com"
    assert conn.session_url == f"postgresql://postgres.{REF}@{host}:5432/postgres"
    assert conn.transaction_url == f"postgresql://postgres.{REF}@{host}:6543/postgres"
    session_pool = connection_from_pooler([pooler(5432, "session")])
    assert (session_pool.session_port, session_pool.transaction_port) == (5432, 6543)


def test_the_url_with_password_hides_it_but_psycopg_reads_it_back():
    password = "p@ss:w/rd?#%é 1"
    url = connection_from_pooler([pooler(6543, "transaction")]).url_with_password(password)
    assert password not in str(url) and password not in repr(url) and "********" in str(url)
    assert password not in f"{url}" and password not in str([url])
    parsed = psycopg.conninfo.conninfo_to_dict(url.reveal())
    assert parsed["password"] == password and parsed["port"] == "5432" and parsed["user"] == f"postgres.{REF}"
    with pytest.raises(TypeError):
        pickle.dumps(url)


def test_api_key_material_stays_out_of_repr():
    key = ApiKey(name="default", type="secret", api_key="sb_secret_RealKeyMaterial123")
    assert "RealKeyMaterial" not in repr(key) and key.is_secret and not key.is_masked
    assert ApiKey(name="default", type="secret", api_key="sb_secret_····").is_masked


# --- the token never leaks ---------------------------------------------------------------------


def rendered_with_locals(exc: BaseException) -> str:
    """The exception as Textual's crash screen shows it: rich traceback with local variables.

    Only its text is read, so the source lines are not colored: the same text, without lexing each
    frame's whole source file (seconds of CPU for this test)."""
    from rich.console import Console
    from rich.traceback import Traceback

    class PlainTraceback(Traceback):
        @classmethod
        def _guess_lexer(cls, filename: str, code: str) -> str:
            return "text"

    console = Console(file=io.StringIO(), width=300, record=True)
    console.print(
        PlainTraceback.from_exception(
            type(exc), exc, exc.__traceback__, show_locals=True, locals_max_length=5, width=300
        )
    )
    return console.export_text()


class Hidden:
    """Holds a test secret so that the test's own frames (part of every traceback) do not show it."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


async def failure_of(make_call: Callable[[], Awaitable[object]]) -> BaseException:
    try:
        await make_call()
    except Exception as exc:
        return exc
    raise AssertionError("the call did not fail")


def failure_of_init(token: Hidden) -> BaseException:
    try:
        ManagementAPI(token.value, base_url=BASE)
    except Exception as exc:
        return exc
    raise AssertionError("the client accepted the token")


async def test_secrets_never_appear_in_reprs_exceptions_events_logs_or_crash_reports(harness, caplog):
    caplog.set_level(logging.DEBUG)
    secret = Hidden("hunter2-correct-horse")
    password = secret.value

    def post(request):
        if b"timeout-me" in request.content:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(400, json={"message": f"invalid token {TOKEN} and password {secret.value}"})

    h = harness(
        routes(
            {
                ("GET", "/v1/organizations"): httpx.Response(200, json=[ORG]),
                ("POST", "/v1/projects"): post,
                ("GET", f"/v1/projects/{REF}"): httpx.Response(401, json={"message": f"bad bearer {TOKEN}"}),
                ("GET", "/v1/projects"): sequence(httpx.Response(503, text=f"oops {TOKEN}"), httpx.Response(500)),
            }
        )
    )
    api = h.api
    errors = [
        await failure_of(
            lambda: api.create_project("m", organization="acme", db_pass=secret.value, region="us-east-1")
        ),
        await failure_of(
            lambda: api.create_project("timeout-me", organization="acme", db_pass=secret.value, region="us-east-1")
        ),
        await failure_of(lambda: api.get_project(REF)),
        await failure_of(api.list_projects),
    ]
    assert [type(e) for e in errors] == [BadRequest, ProjectCreationUncertain, TokenRejected, ServerError]
    assert errors[0].api_message == "invalid token [hidden] and password [hidden]"
    refused = failure_of_init(Hidden("sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"))
    assert isinstance(refused, InvalidAccessToken)
    seen = [repr(h.api), *map(str, h.events), *map(repr, h.events), caplog.text, rendered_with_locals(refused)]
    for exc in errors:
        seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc)), rendered_with_locals(exc)]
    crash = rendered_with_locals(errors[1])
    assert "create_project" in crash and "ReadTimeout" in crash and "organization = 'acme'" in crash  # locals shown
    for text in seen:
        assert TOKEN not in text and TOKEN[4:] not in text and password not in text and "N7UND0" not in text
    # orgs + POST; orgs + POST + one lookup tried 4 times (503, 500...); one 401; a 500 tried 4 times
    assert len(h.requests) == 2 + 6 + 1 + 4


# --- waiting for health ------------------------------------------------------------------------


def provisioning(h_time: FakeTime, ready_at: float, *, latency: float = 0.0, final_status: str = "ACTIVE_HEALTHY"):
    def handler(request: httpx.Request) -> httpx.Response:
        h_time.now += latency
        ready = h_time.now >= ready_at
        if request.url.path.endswith("/health"):
            assert request.url.params.get_list("services") == ["db", "pooler"]
            return httpx.Response(
                200, json=health("ACTIVE_HEALTHY", "ACTIVE_HEALTHY") if ready else health("COMING_UP", "COMING_UP")
            )
        return httpx.Response(200, json=project(status=final_status if ready else "COMING_UP"))

    return handler


@pytest.mark.parametrize("latency", [0.0, 0.2])
async def test_a_10_s_provisioning_is_seen_within_6_polls_and_little_overhead(harness, latency):
    h = harness(lambda r: handler(r))
    handler = provisioning(h.time, ready_at=10.0, latency=latency)
    services = await h.api.wait_until_healthy(REF)
    polls = h.count("GET", f"/v1/projects/{REF}")
    assert all(s.is_healthy for s in services) and {s.name for s in services} == {"db", "pooler"}
    assert polls == 5 and polls <= 6
    assert h.time.now - 10.0 < 1.5
    # as the Terraform provider: the project's status first, its services' health once it is ACTIVE_HEALTHY
    assert h.count("GET", f"/v1/projects/{REF}/health") == 1
    changes = [e for e in h.events if isinstance(e, HealthChanged)]
    assert [(c.old, c.new) for c in changes] == [
        (None, "project COMING_UP"),
        ("project COMING_UP", "db ACTIVE_HEALTHY, pooler ACTIVE_HEALTHY"),
    ]
    assert [c.elapsed_s for c in changes] == [pytest.approx(latency), pytest.approx(10.0 + 2 * latency)]
    assert all(c.timeout_s == 600 for c in changes)


async def test_health_backs_off_1_2_3_4_5_then_5(harness):
    h = harness(lambda r: handler(r))
    handler = provisioning(h.time, ready_at=30.0)
    await h.api.wait_until_healthy(REF)
    assert h.time.sleeps == [1, 2, 3, 4, 5, 5, 5, 5]
    assert h.count("GET", f"/v1/projects/{REF}") == 9 and h.count("GET", f"/v1/projects/{REF}/health") == 1


async def test_init_failed_fails_fast_with_the_apis_words(harness):
    h = harness(lambda r: handler(r))

    def handler(request):
        if request.url.path.endswith("/health"):
            return httpx.Response(200, json=health("UNHEALTHY", "COMING_UP", {"db": "connection refused"}))
        return httpx.Response(200, json=project(status="COMING_UP" if h.time.now < 3 else "INIT_FAILED"))

    with pytest.raises(ProjectFailed) as err:
        await h.api.wait_until_healthy(REF)
    assert err.value.project_status == "INIT_FAILED"
    assert f"project {REF} as INIT_FAILED" in str(err.value) and "provisioning failed" in str(err.value)
    assert f"dashboard/project/{REF}" in str(err.value)
    # health is not asked before the project is ACTIVE_HEALTHY (its "db: connection refused" is noise then)
    assert h.count("GET", f"/v1/projects/{REF}") == 3 and h.time.sleeps == [1, 2]
    assert h.count("GET", f"/v1/projects/{REF}/health") == 0


async def test_a_paused_project_says_to_restore_it(harness):
    h = harness(
        lambda r: (
            httpx.Response(200, json=project(status="INACTIVE"))
            if not r.url.path.endswith("/health")
            else httpx.Response(200, json=health("UNHEALTHY", "UNHEALTHY"))
        )
    )
    with pytest.raises(ProjectFailed, match=r"paused\. Restore it"):
        await h.api.wait_until_healthy(REF)
    assert len(h.requests) == 1


async def test_health_times_out_with_how_to_resume(harness):
    h = harness(lambda r: handler(r))
    handler = provisioning(h.time, ready_at=float("inf"))
    with pytest.raises(HealthTimeout) as err:
        await h.api.wait_until_healthy(REF, timeout_s=60)
    assert "musekit resume" in str(err.value) and "after 1 min" in str(err.value)
    assert err.value.last_state == "project COMING_UP"
    # polls at 0, 1, 3, 6, 10, 15, ..., 60
    assert h.count("GET", f"/v1/projects/{REF}") == 15 and h.time.now == 60.0
    assert len([e for e in h.events if isinstance(e, HealthChanged)]) == 1


async def test_health_errors_while_provisioning_cost_one_request_per_poll(harness):
    h = harness(lambda r: handler(r))

    def handler(request):
        if h.time.now < 3:
            return httpx.Response(503, json={"message": "Service Unavailable"})
        if request.url.path.endswith("/health"):
            return httpx.Response(200, json=health("ACTIVE_HEALTHY", "ACTIVE_HEALTHY"))
        return httpx.Response(200, json=project(status="ACTIVE_HEALTHY"))

    await h.api.wait_until_healthy(REF)
    assert h.count("GET", f"/v1/projects/{REF}") == 3 and h.count("GET", f"/v1/projects/{REF}/health") == 1
    first = next(e for e in h.events if isinstance(e, HealthChanged))
    assert first.new == "project status unknown"
    assert "HTTP 503: Service Unavailable" in first.detail
    assert not any(isinstance(e, Retrying) for e in h.events)


async def test_a_project_that_vanishes_while_waiting_is_not_found(harness):
    h = harness(lambda r: httpx.Response(404, json={"message": "Not Found"}))
    with pytest.raises(NotFound):
        await h.api.wait_until_healthy(REF)
    assert len(h.requests) == 1


async def test_statuses_on_the_way_keep_the_wait_going(harness):
    # the Terraform provider's "pending" statuses, and one the client has never seen
    waiting = ["COMING_UP", "UNKNOWN", "PAUSING", "RESTARTING", "RESIZING", "UPGRADING", "RESTORING", "NEW_STATE"]
    h = harness(lambda r: handler(r))

    def handler(request):
        if request.url.path.endswith("/health"):
            return httpx.Response(200, json=health("ACTIVE_HEALTHY", "ACTIVE_HEALTHY"))
        polls = h.count("GET", f"/v1/projects/{REF}")
        return httpx.Response(
            200, json=project(status=waiting[polls - 1] if polls <= len(waiting) else "ACTIVE_HEALTHY")
        )

    assert len(await h.api.wait_until_healthy(REF)) == 2
    labels = [e.new for e in h.events if isinstance(e, HealthChanged)]
    assert labels == [f"project {s}" for s in waiting] + ["db ACTIVE_HEALTHY, pooler ACTIVE_HEALTHY"]
    assert h.count("GET", f"/v1/projects/{REF}") == len(waiting) + 1


@pytest.mark.parametrize(
    "status", ["INIT_FAILED", "REMOVED", "GOING_DOWN", "PAUSE_FAILED", "RESTORE_FAILED", "INACTIVE"]
)
async def test_statuses_that_waiting_cannot_mend_fail_at_once(harness, status):
    h = harness(lambda r: httpx.Response(200, json=project(status=status)))
    with pytest.raises(ProjectFailed) as err:
        await h.api.wait_until_healthy(REF)
    assert err.value.project_status == status and f"project {REF} as {status}:" in str(err.value)
    assert len(h.requests) == 1 and h.time.sleeps == []


NOT_READY_YET = [
    httpx.Response(404, json={"message": "Not Found"}),
    httpx.Response(403, json={"message": "Forbidden resource"}),
    httpx.Response(400, json={"message": "Project is not ready"}),
    httpx.Response(503, json={"message": "Service Unavailable"}),
    httpx.Response(200, json=health("ACTIVE_HEALTHY", "UNHEALTHY", {"pooler": '{"error":"not found"}'})),
    httpx.Response(
        200,
        json=health("UNHEALTHY", "COMING_UP", {"db": '{"error":"Failed to retrieve project\'s db service health"}'}),
    ),
    httpx.Response(200, json=health("UNHEALTHY", "ACTIVE_HEALTHY", {"db": "Failed to retrieve service health"})),
    httpx.Response(200, json=health("COMING_UP", "ACTIVE_HEALTHY")),
]


async def test_health_answers_of_a_project_still_coming_up_mean_not_ready_yet(harness):
    answers = iter([*NOT_READY_YET, httpx.Response(200, json=health("ACTIVE_HEALTHY", "ACTIVE_HEALTHY"))])
    h = harness(
        lambda r: (
            next(answers)
            if r.url.path.endswith("/health")
            else httpx.Response(200, json=project(status="ACTIVE_HEALTHY"))
        )
    )
    services = await h.api.wait_until_healthy(REF)
    assert [s.status for s in services] == ["ACTIVE_HEALTHY", "ACTIVE_HEALTHY"]
    assert h.count("GET", f"/v1/projects/{REF}") == 1  # the project is read until ACTIVE_HEALTHY, then health
    assert h.count("GET", f"/v1/projects/{REF}/health") == len(NOT_READY_YET) + 1
    details = [e.detail for e in h.events if isinstance(e, HealthChanged)]
    assert "health: HTTP 404: Not Found" in details[0]
    assert not any(isinstance(e, Retrying) for e in h.events)  # one request per poll


async def test_a_401_from_health_is_not_waited_out(harness):
    h = harness(
        lambda r: (
            httpx.Response(401, json={"message": "Unauthorized"})
            if r.url.path.endswith("/health")
            else httpx.Response(200, json=project(status="ACTIVE_HEALTHY"))
        )
    )
    with pytest.raises(TokenRejected):
        await h.api.wait_until_healthy(REF)
    assert len(h.requests) == 2


@pytest.mark.parametrize(
    "db, pooler, errors, said",
    [
        ("UNHEALTHY", "ACTIVE_HEALTHY", {"db": "connection refused"}, "db: connection refused"),
        ("UNHEALTHY", "ACTIVE_HEALTHY", {"db": '{"error":"not found"}'}, 'db: {"error":"not found"}'),  # pooler only
        ("ACTIVE_HEALTHY", "UNHEALTHY", {}, "pooler: no reason given"),
    ],
)
async def test_an_unhealthy_service_of_a_healthy_project_stops_the_wait(harness, db, pooler, errors, said):
    h = harness(
        lambda r: (
            httpx.Response(200, json=health(db, pooler, errors))
            if r.url.path.endswith("/health")
            else httpx.Response(200, json=project(status="ACTIVE_HEALTHY"))
        )
    )
    with pytest.raises(ServicesUnhealthy) as err:
        await h.api.wait_until_healthy(REF)
    assert f"project {REF} as ACTIVE_HEALTHY" in str(err.value) and said in str(err.value)
    assert "musekit resume" in str(err.value) and len(h.requests) == 2


async def test_the_default_wait_is_ten_minutes_and_progress_says_how_long_it_has_been(harness):
    h = harness(lambda r: httpx.Response(200, json=project(status="COMING_UP")))
    with pytest.raises(HealthTimeout, match=r"not healthy after 10 min; last state: project COMING_UP"):
        await h.api.wait_until_healthy(REF)
    assert DEFAULT_HEALTH_TIMEOUT_S == 600 and h.time.now == 600
    first, *still = [e for e in h.events if isinstance(e, HealthChanged)]
    assert str(first) == f"project {REF}: project COMING_UP [0 s of 10 min]" and not first.still
    # nothing changed: a line a minute, with the time waited (none at the deadline itself)
    assert [e.elapsed_s for e in still] == [60.0 * m for m in range(1, 10)] and all(e.still for e in still)
    assert str(still[0]) == f"project {REF}: still project COMING_UP [1 min of 10 min]"
    assert str(still[-1]).endswith("[9 min of 10 min]")


# --- 403 names the permission -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, permission, scope",
    [
        (lambda api: api.list_projects(), "projects_read", "projects:read"),
        (lambda api: api.get_project(REF), "project_admin_read", "projects:read"),
        (
            lambda api: api.create_project("m", organization="acme", db_pass="pw", region="us-east-1"),
            "organization_projects_create",
            "projects:write",
        ),
        (lambda api: api.delete_project(REF), "project_admin_write", "projects:write"),
        (lambda api: api.api_keys(REF), "api_gateway_keys_read", "secrets:read"),
        (lambda api: api.pooler_config(REF), "database_pooling_config_read", "database:read"),
        (lambda api: api.run_query(REF, "select 1"), "database_read", "database:write"),
        (lambda api: api.run_query(REF, "create table t ()", read_only=False), "database_write", "database:write"),
        (lambda api: api.create_login_role(REF), "database_write", "database:write"),
        (lambda api: api.delete_login_roles(REF), "database_write", "database:write"),
    ],
)
async def test_403_names_the_token_permission_the_endpoint_needs(harness, call, permission, scope):
    h = harness(
        lambda r: (
            httpx.Response(200, json=[ORG])
            if r.url.path == "/v1/organizations"
            else httpx.Response(403, json={"message": "Forbidden resource"})
        )
    )
    with pytest.raises(PermissionDenied) as err:
        await call(h.api)
    assert (err.value.permission, err.value.oauth_scope) == (permission, scope)
    assert f"needs `{permission}`" in str(err.value) and f"scope `{scope}`" in str(err.value)
    assert "Owner or Administrator" in str(err.value) and TOKENS_PAGE in str(err.value)
    assert len([r for r in h.requests if r.url.path != "/v1/organizations"]) == 1


async def test_403_on_an_endpoint_without_a_documented_permission_names_the_role(harness):
    h = harness(lambda r: httpx.Response(403, json={"message": "Forbidden resource"}))
    with pytest.raises(PermissionDenied) as err:
        await h.api.available_regions("acme")
    assert err.value.permission is None and "fine-grained" not in str(err.value)
    assert "Owner or Administrator" in str(err.value)


# --- what the API answers a query ---------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, rows",
    [
        (httpx.Response(201), []),
        (httpx.Response(201, text="CREATE TABLE", headers={"content-type": "text/plain"}), []),
        (httpx.Response(201, text="not json", headers={"content-type": "application/json"}), []),
        (httpx.Response(201, json={"result": "ok"}), []),
        (httpx.Response(201, json=[{"n": 1}, "odd", {"n": 2}]), [{"n": 1}, {"n": 2}]),
    ],
)
async def test_a_query_answered_201_without_rows_is_no_rows(harness, answer, rows):
    h = harness(lambda r: answer)
    assert await h.api.run_query(REF, "create table t (id int)", read_only=False) == rows
    assert len(h.requests) == 1


# --- regions --------------------------------------------------------------------------------------

REGIONS = {
    "recommendations": {
        "smartGroup": {"name": "Americas", "code": "americas", "type": "smartGroup"},
        "specific": [],
    },
    "all": {
        "smartGroup": [{"name": "Americas", "code": "americas", "type": "smartGroup"}],
        "specific": [
            {"name": "East US", "code": "us-east-1", "type": "specific", "provider": "AWS"},
            {"name": "Mars North", "code": "mars-north-1", "type": "specific", "provider": "SPACE"},
        ],
    },
}


async def test_region_codes_come_from_the_api_new_ones_included(harness):
    h = harness(lambda r: httpx.Response(200, json=REGIONS))
    assert await h.api.region_codes("acme") == {"us-east-1", "mars-north-1", "americas"}
    assert h.requests[0].url.params["organization_slug"] == "acme" and h.events == []


async def test_region_codes_are_none_with_a_warning_when_the_api_cannot_say(harness):
    h = harness(lambda r: httpx.Response(500, json={"message": "Internal server error"}))
    assert await h.api.region_codes("acme") is None
    warning = [e for e in h.events if isinstance(e, ApiWarning)]
    assert len(warning) == 1 and "HTTP 500: Internal server error" in warning[0].text
    assert "sent as given" in warning[0].text
    h401 = harness(lambda r: httpx.Response(401, json={"message": "Unauthorized"}))
    with pytest.raises(TokenRejected):
        await h401.api.region_codes("acme")


async def test_an_unknown_region_is_sent_as_given_and_the_apis_400_is_shown_verbatim(harness):
    message = "region_selection.code must be one of the following values: us-east-1, eu-central-1"
    h = harness(
        routes(
            {
                ("GET", "/v1/organizations"): httpx.Response(200, json=[ORG]),
                ("POST", "/v1/projects"): httpx.Response(400, json={"message": message}),
            }
        )
    )
    with pytest.raises(BadRequest) as err:
        await h.api.create_project("my-muse", organization="acme", db_pass="pw", region="mars-north-1")
    assert str(err.value) == f"Supabase refused to create project 'my-muse' in organization acme: {message}"
    assert json.loads(h.requests[1].content)["region_selection"] == {"type": "specific", "code": "mars-north-1"}
    assert h.count("POST", "/v1/projects") == 1


# --- temporary login roles ------------------------------------------------------------------------

ROLE = {"role": "cli_login_postgres", "password": "Temp-Passw0rd/From:The@Platform", "ttl_seconds": 300}


async def test_a_login_role_is_created_as_the_cli_asks_and_its_password_stays_hidden(harness):
    h = harness(lambda r: httpx.Response(201, json=ROLE))
    role = await h.api.create_login_role(REF)
    assert isinstance(role, LoginRole) and (role.ref, role.role, role.ttl_seconds) == (REF, "cli_login_postgres", 300)
    assert not role.expired and (role.expires_at - datetime.now(UTC)).total_seconds() > 290
    assert json.loads(h.requests[0].content) == {"read_only": False}
    assert h.requests[0].url.path == f"/v1/projects/{REF}/cli/login-role"
    assert ROLE["password"] not in repr(role) and ROLE["password"] not in str(role)


async def test_creating_a_login_role_is_not_repeated_after_a_5xx_but_deleting_them_is(harness):
    h = harness(lambda r: httpx.Response(500, json={"message": "Failed to create login role"}))
    with pytest.raises(ServerError, match="Failed to create login role"):
        await h.api.create_login_role(REF)
    assert len(h.requests) == 1
    h2 = harness(sequence(httpx.Response(503), httpx.Response(200, json={"message": "ok"})))
    assert await h2.api.delete_login_roles(REF) is None
    assert [(r.method, r.url.path) for r in h2.requests] == [("DELETE", f"/v1/projects/{REF}/cli/login-role")] * 2


async def test_a_login_role_answer_without_a_usable_ttl_is_unexpected(harness):
    h = harness(lambda r: httpx.Response(201, json=ROLE | {"ttl_seconds": 0}))
    with pytest.raises(UnexpectedResponse) as err:
        await h.api.create_login_role(REF)
    assert "ttl_seconds" in str(err.value) and ROLE["password"] not in str(err.value)


def test_the_login_role_url_is_the_session_pooler_as_role_dot_ref_over_tls():
    role = LoginRole.issued(REF, ROLE["role"], ROLE["password"], 300)
    host = "aws-0-eu-central-1.pooler.supabase.com"
    hosted = connection_from_pooler([pooler(6543, "transaction")])
    url = role.session_url(hosted)
    assert isinstance(url, SecretUrl) and ROLE["password"] not in str(url) + repr(url)
    assert str(url) == f"postgresql://cli_login_postgres.{REF}:********@{host}:5432/postgres?sslmode=require"
    parsed = psycopg.conninfo.conninfo_to_dict(url.reveal())
    assert (parsed["user"], parsed["password"], parsed["port"], parsed["sslmode"]) == (
        f"cli_login_postgres.{REF}",
        ROLE["password"],
        "5432",
        "require",
    )
    with pytest.raises(TypeError):
        pickle.dumps(url)
    # a local database (the sandbox) needs no TLS; a pooler user without the ref keeps the bare role
    local = DatabaseConnection(user="postgres", host="127.0.0.1", dbname=REF, session_port=5432, transaction_port=6543)
    assert str(role.session_url(local)) == f"postgresql://cli_login_postgres:********@127.0.0.1:5432/{REF}"
