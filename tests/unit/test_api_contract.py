"""The client against the Management API's own contract: the OpenAPI schemas of the endpoints musekit uses
(tests/fixtures/openapi/management-api.json, from supabase/cli's copy of the official document) and real
responses the Supabase CLI recorded against the platform (tests/fixtures/openapi/recorded.json).

Every request the client sends must validate against the schemas (openapi-schema-validator, via
tests/support/openapi.py); the client must read the recorded answers, and the same answers carrying what the
API may add tomorrow (new enum values, missing fields it does not use, an item it cannot read)."""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import httpx
import pytest

from tests.support.openapi import check_exchange, operation, response_errors, source, spec
from wizard.api import (
    ENDPOINTS,
    ApiKeyType,
    DatabaseType,
    ManagementAPI,
    PoolMode,
    ProjectStatus,
    Region,
    ServiceHealthStatus,
    ServiceName,
    SmartGroup,
    public_key,
    secret_key,
)

TOKEN = "sbp_" + "0123456789abcdef" * 2 + "01234567"
BASE = "https://api.example.test"
RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "recorded.json"
REF = "abcdefghijklmnopqrst"  # the recordings' project ref (and organization slug)


@cache
def recorded() -> dict:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


def answer(method: str, path: str, status: int | None = None) -> dict:
    """The recorded exchange for METHOD path (the first with `status`, when given), as a deep copy."""
    for exchange in recorded()["exchanges"]:
        if (exchange["method"], exchange["path"]) == (method, path) and status in (None, exchange["status"]):
            return copy.deepcopy(exchange)
    raise KeyError(f"no recording of {method} {path}")


def template_of(request: httpx.Request) -> tuple[str, str]:
    op = operation(request.method, request.url.path)
    return op.method, op.template


# --- answers shaped like the platform's ----------------------------------------------------------

HEALTH = [
    {"name": "db", "healthy": True, "status": "ACTIVE_HEALTHY"},
    {
        "name": "pooler",
        "healthy": True,
        "status": "ACTIVE_HEALTHY",
        "info": {"healthy": True, "db_connected": True, "replication_connected": True, "connected_cluster": 1},
    },
]
REGIONS = {
    "recommendations": {
        "smartGroup": {"name": "Americas", "code": "americas", "type": "smartGroup"},
        "specific": [{"name": "East US (North Virginia)", "code": "us-east-1", "type": "specific", "provider": "AWS"}],
    },
    "all": {
        "smartGroup": [
            {"name": "Americas", "code": "americas", "type": "smartGroup"},
            {"name": "Europe, Middle East and Africa", "code": "emea", "type": "smartGroup"},
            {"name": "Asia-Pacific", "code": "apac", "type": "smartGroup"},
        ],
        "specific": [
            {"name": "East US (North Virginia)", "code": "us-east-1", "type": "specific", "provider": "AWS"},
            {
                "name": "Central EU (Frankfurt)",
                "code": "eu-central-1",
                "type": "specific",
                "provider": "AWS",
                "status": "capacity",
            },
        ],
    },
}
LOGIN_ROLE = {"role": "cli_login_postgres", "password": "Temp-Passw0rd-From-The-Platform", "ttl_seconds": 300}


def platform(overrides: dict[tuple[str, str], httpx.Response] | None = None):
    """A MockTransport handler answering as the platform did (recordings), or as `overrides` say, keyed by
    (method, path template)."""
    overrides = overrides or {}

    def recorded_answer(method: str, template: str) -> httpx.Response:
        exchange = answer(method, template.replace("{ref}", REF), 201 if method == "POST" else 200)
        return httpx.Response(exchange["status"], json=exchange["body"])

    def handler(request: httpx.Request) -> httpx.Response:
        key = template_of(request)
        if key in overrides:
            return overrides[key]
        method, template = key
        if template == "/v1/projects/{ref}/health":
            return httpx.Response(200, json=HEALTH)
        if template == "/v1/projects/available-regions":
            return httpx.Response(200, json=REGIONS)
        if template == "/v1/projects/{ref}/cli/login-role":
            return (
                httpx.Response(201, json=LOGIN_ROLE)
                if method == "POST"
                else httpx.Response(200, json={"message": "ok"})
            )
        if template == "/v1/projects/{ref}/database/password":  # not recorded: V1UpdatePasswordResponse
            return httpx.Response(200, json={"message": "ok"})
        return recorded_answer(method, template)

    return handler


@pytest.fixture
async def client():
    made: list[ManagementAPI] = []

    def make(handler: Callable[[httpx.Request], httpx.Response]) -> tuple[ManagementAPI, list[httpx.Request]]:
        sent: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return handler(request)

        async def no_sleep(_seconds: float) -> None:
            return None

        made.append(ManagementAPI(TOKEN, base_url=BASE, transport=httpx.MockTransport(record), sleep=no_sleep))
        return made[-1], sent

    yield make
    for api in made:
        await api.aclose()


# --- the fixture and the client's table of endpoints ------------------------------------------------


def test_the_schemas_name_their_source_and_commit():
    where = source()
    assert where["repository"] == "supabase/cli" and where["path"] == "packages/api/src/generated/openapi.json"
    assert re.fullmatch(r"[0-9a-f]{40}", where["commit"])
    assert re.fullmatch(r"[0-9a-f]{40}", recorded()["x-musekit-source"]["commit"])


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_each_endpoint_the_client_calls_is_documented_with_the_permission_it_names(endpoint):
    op = spec()["paths"][endpoint.path][endpoint.method.lower()]
    assert op["operationId"] == endpoint.operation_id
    permissions = {p for entry in op.get("security", []) for p in entry.get("fga_permissions", [])}
    assert set(endpoint.permissions) == permissions
    assert endpoint.oauth_scope == op.get("x-oauth-scope")


# --- what the client sends ------------------------------------------------------------------------


async def test_every_request_the_client_sends_validates_against_the_schemas(client):
    api, sent = client(platform())
    await api.list_organizations()
    await api.list_projects()
    await api.get_project(REF)
    await api.create_project("cli-e2e-test", organization=REF, db_pass="Str0ng-Passw0rd!", region="eu-central-1")
    await api.create_project(
        "cli-e2e-test", organization=REF, db_pass="Str0ng-Passw0rd!", region=SmartGroup.EMEA, instance_size="micro"
    )
    await api.delete_project(REF)
    await api.available_regions(REF)
    await api.available_regions(REF, continent="EU", instance_size="small")
    await api.get_health(REF, services=list(ServiceName))
    await api.wait_until_healthy(REF)
    await api.api_keys(REF)
    await api.api_keys(REF, reveal=True)
    await api.pooler_config(REF)
    await api.run_query(REF, "select 1")
    await api.run_query(REF, "select $1::int as n", parameters=[41])
    await api.run_query(REF, "create table t (id int)", read_only=False)
    await api.create_login_role(REF)
    await api.create_login_role(REF, read_only=True)
    await api.delete_login_roles(REF)
    await api.reset_database_password(REF, "correct-horse-battery-staple")
    await api.advisors(REF, "security")
    await api.advisors(REF, "performance")
    for request in sent:
        check_exchange(request)
    assert {template_of(r) for r in sent} == {(e.method, e.path) for e in ENDPOINTS}  # every endpoint covered


def test_the_schema_check_catches_a_wrong_body():
    # the validator is really at work: what the API would refuse is reported
    request = httpx.Request(
        "POST",
        f"{BASE}/v1/projects",
        json={"name": "x", "organization_slug": "acme", "db_pass": "p", "region": "us-east-1", "plan": "gold"},
    )
    with pytest.raises(AssertionError, match=r"plan.*'gold' is not one of"):
        check_exchange(request)
    with pytest.raises(AssertionError, match=r"query parameter services\[0\]: 'dns' is not one of"):
        check_exchange(httpx.Request("GET", f"{BASE}/v1/projects/{REF}/health", params={"services": ["dns"]}))


# --- what the platform answers --------------------------------------------------------------------


def test_the_recordings_match_the_schemas_except_where_the_platform_outgrew_them():
    problems = {
        f"{e['method']} {e['path']}": response_errors(e["method"], e["path"], e["status"], e["body"])
        for e in recorded()["exchanges"]
    }
    # a real answer already carries an enum value the document does not list: why the client must be lenient
    outgrown = problems.pop(f"GET /v1/projects/{REF}/advisors/performance")
    assert len(outgrown) == 1 and "'auth_db_connections_absolute' is not one of" in outgrown[0]
    assert all(found == [] for found in problems.values()), problems


async def test_the_client_reads_the_recorded_answers(client):
    api, _ = client(platform())
    orgs = await api.list_organizations()
    assert [o.name for o in orgs] == ["colum.ferry@supabase.io's Org", "CLIPort-TEST"]
    projects = await api.list_projects()
    assert [(p.name, p.status) for p in projects] == [
        ("colum.ferry@supabase.io's Project", ProjectStatus.ACTIVE_HEALTHY),
        ("cli-e2e-test", ProjectStatus.ACTIVE_HEALTHY),
    ]
    assert projects[1].database is not None and projects[1].database.version == "17.6.1.111"
    created = await api.create_project("cli-e2e-test", organization=REF, db_pass="Str0ng-Passw0rd!", region="us-east-1")
    assert (created.ref, created.status, created.region) == (REF, ProjectStatus.UNKNOWN, "us-east-1")
    deleted = await api.delete_project(REF)
    assert (deleted.id, deleted.name) == (711274, "cli-e2e-test")
    keys = await api.api_keys(REF, reveal=True)
    assert public_key(keys).type is ApiKeyType.PUBLISHABLE and secret_key(keys).type is ApiKeyType.SECRET
    conn = await api.database_connection(REF)
    assert (conn.user, conn.host, conn.session_port, conn.transaction_port) == (
        f"postgres.{REF}",
        "aws-0-us-east-1.pooler.supabase.green",
        5432,
        6543,
    )
    assert await api.run_query(REF, "SELECT 1") == [{"?column?": 1}]
    role = await api.create_login_role(REF)
    assert (role.role, role.ttl_seconds) == ("cli_login_postgres", 300)
    assert LOGIN_ROLE["password"] not in repr(role)
    assert await api.advisors(REF, "security") == []
    (perf,) = await api.advisors(REF, "performance")  # a lint name the document's enum does not list yet
    assert (perf.name, perf.level, perf.categories) == ("auth_db_connections_absolute", "INFO", ["PERFORMANCE"])


def grown(method: str, path: str, change: Callable[[object], None]) -> httpx.Response:
    """The recorded answer, changed as a newer API might answer; it no longer matches today's schema."""
    exchange = answer(method, path)
    change(exchange["body"])
    assert response_errors(method, path, exchange["status"], exchange["body"]), "the change must exceed the spec"
    return httpx.Response(exchange["status"], json=exchange["body"])


def with_new_projects(body) -> None:
    body[0]["status"] = "PAUSE_SCHEDULED"  # a status the client has never seen
    body[0]["region"] = "me-central-1"
    del body[1]["database"]  # a field musekit does not use
    body[1]["status"] = "RESIZING"
    body.append({"ref": "not a ref", "name": "odd"})  # an item musekit cannot read: skipped
    body.append({**body[1], "ref": "zyxwvutsrqponmlkjihg", "name": "newest", "plan": "enterprise"})


def with_new_key_types(body) -> None:
    body.append({"name": "edge", "type": "ephemeral", "api_key": "sb_ephemeral_x", "inserted_at": "yesterday"})
    body.append({"type": "secret"})  # no name: skipped


def with_new_pooler_modes(body) -> None:
    body.insert(0, {**body[0], "database_type": "ANALYTICS", "pool_mode": "statement"})


async def test_the_client_reads_recorded_answers_with_what_the_api_may_add(client, caplog):
    caplog.set_level(logging.DEBUG, logger="wizard.api")
    health = [
        *HEALTH,
        {"name": "edge_runtime", "healthy": False, "status": "DEGRADED", "info": "warming up"},
        {"status": "ACTIVE_HEALTHY"},  # no name: skipped
    ]
    regions = copy.deepcopy(REGIONS)
    regions["all"]["specific"].append(
        {"name": "Middle East (UAE)", "code": "me-central-1", "type": "specific", "provider": "GCP", "status": "full"}
    )
    regions["all"]["smartGroup"].append({"name": "Oceania", "code": "oceania", "type": "smartGroup"})
    regions["all"]["specific"].append({"name": "broken"})  # no code: skipped
    overrides = {
        ("GET", "/v1/projects"): grown("GET", "/v1/projects", with_new_projects),
        ("GET", "/v1/projects/{ref}/api-keys"): grown("GET", f"/v1/projects/{REF}/api-keys", with_new_key_types),
        ("GET", "/v1/projects/{ref}/config/database/pooler"): grown(
            "GET", f"/v1/projects/{REF}/config/database/pooler", with_new_pooler_modes
        ),
        ("GET", "/v1/projects/{ref}/health"): httpx.Response(200, json=health),
        ("GET", "/v1/projects/available-regions"): httpx.Response(200, json=regions),
    }
    for (method, template), response in overrides.items():
        if template in ("/v1/projects/{ref}/health", "/v1/projects/available-regions"):
            assert response_errors(method, template.replace("{ref}", REF), 200, response.json())
    api, _ = client(platform(overrides))

    projects = await api.list_projects()
    assert [(p.name, p.status, p.region) for p in projects] == [
        ("colum.ferry@supabase.io's Project", "PAUSE_SCHEDULED", "me-central-1"),
        ("cli-e2e-test", ProjectStatus.RESIZING, "us-east-1"),
        ("newest", ProjectStatus.RESIZING, "us-east-1"),
    ]
    assert projects[0].status == "PAUSE_SCHEDULED" and not isinstance(projects[0].status, ProjectStatus)
    assert projects[1].database is None
    assert (await api.find_project("newest", REF)).ref == "zyxwvutsrqponmlkjihg"

    keys = await api.api_keys(REF)
    assert [(k.name, k.type) for k in keys][-1] == ("edge", "ephemeral") and keys[-1].inserted_at is None
    assert secret_key(keys).type is ApiKeyType.SECRET and len(keys) == 5

    [new_kind, primary] = await api.pooler_config(REF)
    assert (new_kind.database_type, new_kind.pool_mode) == ("ANALYTICS", "statement")
    assert (primary.database_type, primary.pool_mode) == (DatabaseType.PRIMARY, PoolMode.TRANSACTION)
    assert (await api.database_connection(REF)).session_port == 5432

    services = await api.get_health(REF, services=["db", "pooler"])
    assert [(s.name, s.status) for s in services] == [
        (ServiceName.DB, ServiceHealthStatus.ACTIVE_HEALTHY),
        (ServiceName.POOLER, ServiceHealthStatus.ACTIVE_HEALTHY),
        ("edge_runtime", "DEGRADED"),
    ]
    assert len(await api.wait_until_healthy(REF)) == 3

    info = await api.available_regions(REF)
    assert [r.code for r in info.all.specific] == [Region.US_EAST_1, Region.EU_CENTRAL_1, "me-central-1"]
    assert info.codes == {"us-east-1", "eu-central-1", "me-central-1", "americas", "emea", "apac", "oceania"}

    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("skipped item")]
    # projects and health were read twice (find_project, wait_until_healthy), the keys and regions once
    assert len(skipped) == 6 and all("musekit cannot read it" in m for m in skipped)
    assert {m.split(": musekit")[0].split(" of ", 1)[1] for m in skipped} == {
        "GET /v1/projects",
        f"GET /v1/projects/{REF}/api-keys",
        f"GET /v1/projects/{REF}/health",
        "a list of SpecificRegion",
    }
    assert not any("sb_ephemeral_x" in r.getMessage() for r in caplog.records)  # no key material in logs
