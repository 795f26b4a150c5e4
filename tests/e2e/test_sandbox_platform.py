"""The sandbox's newer platform endpoints and its unkind fault options, over real HTTP (plain httpx):
temporary login roles (POST/DELETE /cli/login-role) and the pooler logins they allow, the advisors
(splinter's lints, as `musekit verify` runs them), /health while a project comes up, foreign projects,
a create that happens but answers 5xx, the per-organization create rate limit, and a data dir left by
the one-cluster sandbox. Answers are checked against the OpenAPI fixture where it has a schema."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import httpx
import psycopg
import pytest

from tests.support.openapi import response_errors, spec
from wizard.sandbox import Faults, start_sandbox

ORG = "musekit-sandbox"
PASSWORD = "Platform passw0rd"
REF = re.compile(r"[a-z]{20}")


def client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


@pytest.fixture(scope="module")
def api(sandbox):
    with client(sandbox.url, sandbox.token) as c:
        yield c


@pytest.fixture(autouse=True)
def _no_faults(sandbox):
    sandbox.set_faults(Faults())
    yield
    sandbox.set_faults(Faults())


def create(api: httpx.Client, name: str, **body) -> httpx.Response:
    payload = {"db_pass": PASSWORD, "name": name, "organization_slug": ORG, "region": "us-east-1"} | body
    return api.post("/v1/projects", json=payload)


def created(api: httpx.Client, name: str, **body) -> str:
    r = create(api, name, **body)
    assert r.status_code == 201, r.text
    return r.json()["ref"]


def valid(r: httpx.Response) -> httpx.Response:
    """`r`, after checking its body against the API's schema for its status."""
    problems = response_errors(r.request.method, r.request.url.path, r.status_code, r.json())
    assert problems == [], problems
    return r


def session_url(sandbox, user: str, password: str) -> str:
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{sandbox.pooler_host}:5432/postgres"


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def ref(api) -> str:
    return created(api, "platform-endpoints")


# -- temporary login roles ------------------------------------------------------------------------------
def test_a_login_role_logs_in_through_the_session_pooler_and_steps_up_to_postgres(api, sandbox, ref):
    r = valid(api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": False}))
    assert r.status_code == 201
    login = r.json()
    assert set(login) == {"role", "password", "ttl_seconds"}
    assert (login["role"], login["ttl_seconds"]) == ("cli_login_postgres", 300)
    with psycopg.connect(session_url(sandbox, f"cli_login_postgres.{ref}", login["password"])) as conn:
        assert conn.execute("select current_user, session_user").fetchone() == ("cli_login_postgres",) * 2
        member_of = conn.execute(
            "select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid"
            " where m.member = current_user::regrole"
        ).fetchall()
        assert member_of == [("postgres",)]
        attrs = conn.execute(
            "select rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolbypassrls, rolvaliduntil - now()"
            " from pg_roles where rolname = current_user"
        ).fetchone()
        assert attrs[:5] == (False, False, False, False, False)
        assert 290 <= attrs[5].total_seconds() <= 300
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # it inherits nothing of postgres
            conn.execute("create schema by_the_login_role")
        conn.rollback()
        conn.execute("set session role postgres")  # what the official CLI runs after connecting
        conn.execute("create table public.made_by_a_login_role (id int)")
        conn.commit()
        owner = conn.execute("select tableowner from pg_tables where tablename = 'made_by_a_login_role'").fetchone()
        assert owner == ("postgres",)


def test_a_new_login_role_password_replaces_the_last_and_expires_after_its_ttl(api, sandbox, ref):
    first = api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": False}).json()
    sandbox.set_faults(login_role_ttl=2)
    second = api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": False}).json()
    assert second["ttl_seconds"] == 2 and second["password"] != first["password"]
    user = f"{second['role']}.{ref}"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(session_url(sandbox, user, first["password"]))
    with psycopg.connect(session_url(sandbox, user, second["password"])) as conn:
        time.sleep(2.5)
        assert conn.execute("select 1").fetchone() == (1,)  # a session outlives the password
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(session_url(sandbox, user, second["password"]))


def test_a_read_only_login_role_reads_but_cannot_write(api, sandbox, ref):
    login = valid(api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": True})).json()
    assert login["role"] == "cli_login_read_only"
    with psycopg.connect(session_url(sandbox, f"{login['role']}.{ref}", login["password"])) as conn:
        assert conn.execute("select count(*) from auth.users").fetchone() == (0,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create table public.nope (id int)")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("set session role postgres")


def test_deleting_the_login_roles(api, sandbox, ref):
    login = api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": False}).json()
    url = session_url(sandbox, f"cli_login_postgres.{ref}", login["password"])
    with psycopg.connect(url, autocommit=True) as conn:  # a privilege granted to the login role blocks the delete
        conn.execute("set session role postgres")
        conn.execute("grant usage on schema extensions to cli_login_postgres")  # postgres owns extensions
    r = api.delete(f"/v1/projects/{ref}/cli/login-role")
    assert r.status_code == 500 and r.json()["message"].startswith("Failed to delete login roles: ")
    with psycopg.connect(sandbox.cluster(ref).admin_conninfo(), autocommit=True) as admin:
        admin.execute("revoke usage on schema extensions from cli_login_postgres")
    api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": True})
    r = valid(api.delete(f"/v1/projects/{ref}/cli/login-role"))
    assert (r.status_code, r.json()) == (200, {"message": "ok"})
    with psycopg.connect(sandbox.cluster(ref).admin_conninfo(), autocommit=True) as admin:
        assert admin.execute("select rolname from pg_roles where rolname like 'cli_login_%'").fetchall() == []
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(url)
    assert valid(api.delete(f"/v1/projects/{ref}/cli/login-role")).status_code == 200  # nothing left: still ok


def test_the_login_role_endpoints_share_one_kept_superuser_session_and_replace_one_that_ended(api, sandbox, ref):
    """A status or an upgrade of a Muse makes and removes a login role: a new superuser backend for
    each cost more than the DDL. One session is kept per cluster; one that ended is replaced."""

    def kept_sessions(admin: psycopg.Connection) -> list[int]:
        rows = admin.execute(
            "select pid from pg_stat_activity where usename = current_user and pid <> pg_backend_pid()"
            " and backend_type = 'client backend'"
        ).fetchall()
        return [pid for (pid,) in rows]

    with psycopg.connect(sandbox.cluster(ref).admin_conninfo(), autocommit=True) as admin:
        valid(api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": False}))
        [kept] = kept_sessions(admin)
        valid(api.delete(f"/v1/projects/{ref}/cli/login-role"))
        valid(api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": True}))
        assert kept_sessions(admin) == [kept]

        admin.execute("select pg_terminate_backend(%s)", (kept,))
        wait_until(lambda: kept_sessions(admin) == [])
        login = valid(api.post(f"/v1/projects/{ref}/cli/login-role", json={"read_only": False})).json()
        [replaced] = kept_sessions(admin)
        assert replaced != kept
        with psycopg.connect(session_url(sandbox, f"cli_login_postgres.{ref}", login["password"])) as conn:
            assert conn.execute("select current_user").fetchone() == ("cli_login_postgres",)
        valid(api.delete(f"/v1/projects/{ref}/cli/login-role"))


def test_login_role_requests_are_validated(api, sandbox, ref):
    for body, fragment in [
        ({}, "read_only should not be empty"),
        ({"read_only": "yes"}, "read_only must be a boolean value"),
        ({"read_only": False, "ttl": 5}, "property ttl should not exist"),
    ]:
        r = api.post(f"/v1/projects/{ref}/cli/login-role", json=body)
        assert r.status_code == 400 and fragment in r.json()["message"], body
    sandbox.set_faults(slow_health=60)
    coming_up = created(api, "login-role-too-early")
    r = api.post(f"/v1/projects/{coming_up}/cli/login-role", json={"read_only": False})
    assert r.status_code == 400 and "COMING_UP" in r.json()["message"]
    assert api.post("/v1/projects/abcdefghijklmnopqrst/cli/login-role", json={"read_only": False}).status_code == 404


# -- advisors ---------------------------------------------------------------------------------------------
def test_advisors_serve_splinters_lints_from_the_local_checks(api):
    ref = created(api, "advised")
    for path in ("advisors/security", "advisors/performance"):
        assert valid(api.get(f"/v1/projects/{ref}/{path}")).json() == {"lints": []}
    setup = """
        create table public.exposed (id int primary key, owner_id int);
        grant select on public.exposed to anon;
        create table public.child (id int primary key, parent_id int references public.exposed (id));
        alter table public.child enable row level security;
        create table public.hidden (id int primary key);
    """
    assert api.post(f"/v1/projects/{ref}/database/query", json={"query": setup}).status_code == 201
    security = valid(api.get(f"/v1/projects/{ref}/advisors/security", params={"lint_type": "sql"})).json()["lints"]
    by_name = {lint["name"]: lint for lint in security}
    assert set(by_name) == {"rls_disabled_in_public", "rls_enabled_no_policy"}  # public.hidden: no API grant yet
    exposed = by_name["rls_disabled_in_public"]
    assert exposed["title"] == "RLS Disabled in Public" and exposed["level"] == "ERROR"
    assert (exposed["facing"], exposed["categories"]) == ("EXTERNAL", ["SECURITY"])
    assert exposed["metadata"] == {"schema": "public", "name": "exposed", "type": "table"}
    assert exposed["remediation"].endswith("?lint=0013_rls_disabled_in_public")
    assert "public.exposed" in exposed["detail"] and exposed["cache_key"] == "rls_disabled_in_public_public_exposed"
    performance = valid(api.get(f"/v1/projects/{ref}/advisors/performance")).json()["lints"]
    assert [(lint["name"], lint["metadata"]["name"]) for lint in performance] == [("unindexed_foreign_keys", "child")]
    assert all(lint["categories"] == ["PERFORMANCE"] for lint in performance)
    r = api.get(f"/v1/projects/{ref}/advisors/security", params={"lint_type": "graphql"})
    assert r.status_code == 400 and "lint_type" in r.json()["message"]


# -- health while a project comes up ----------------------------------------------------------------------
def test_health_answers_404_while_coming_up_then_the_pooler_is_not_found_for_a_while(api, sandbox):
    sandbox.set_faults(slow_health=1.0, health_not_found=1.5)
    new = created(api, "health-not-found")
    sandbox.set_faults(Faults())
    services = [("services", "db"), ("services", "pooler"), ("services", "auth")]
    r = api.get(f"/v1/projects/{new}/health", params=services)
    assert (r.status_code, r.json()) == (404, {"message": "Not Found"})
    assert api.get(f"/v1/projects/{new}").json()["status"] == "COMING_UP"
    wait_until(lambda: api.get(f"/v1/projects/{new}").json()["status"] == "ACTIVE_HEALTHY")
    db, pooler, auth = valid(api.get(f"/v1/projects/{new}/health", params=services)).json()
    assert (db["status"], auth["status"]) == ("ACTIVE_HEALTHY", "ACTIVE_HEALTHY")
    assert (pooler["status"], pooler["healthy"]) == ("UNHEALTHY", False)
    assert json.loads(pooler["error"]) == {"error": "not found"}  # a JSON string, as the Terraform provider meets it
    assert auth["info"]["name"] == "GoTrue" and set(auth["info"]) == {"name", "version", "description"}
    with pytest.raises(psycopg.OperationalError, match="Tenant or user not found"):
        psycopg.connect(session_url(sandbox, f"postgres.{new}", PASSWORD))
    wait_until(lambda: api.get(f"/v1/projects/{new}/health", params=services).json()[1]["status"] == "ACTIVE_HEALTHY")
    with psycopg.connect(session_url(sandbox, f"postgres.{new}", PASSWORD)) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_health_carries_info_as_on_the_platform(api, ref):
    names = ["auth", "db", "realtime", "rest", "storage"]
    items = valid(api.get(f"/v1/projects/{ref}/health", params=[("services", n) for n in names])).json()
    info = {item["name"]: item.get("info") for item in items}
    assert info["db"] is None and info["storage"] is None
    assert set(info["realtime"]) == {"healthy", "db_connected", "replication_connected", "connected_cluster"}
    assert set(info["rest"]) == {"db_schema"}


# -- foreign projects, error after create ----------------------------------------------------------------------
def test_foreign_projects_and_an_unknown_region(api, sandbox):
    own = {p["ref"] for p in api.get("/v1/projects").json()}
    sandbox.set_faults(foreign_projects=True)
    listed = api.get("/v1/projects").json()
    foreign = [p for p in listed if p["ref"] not in own]
    assert {p["status"] for p in foreign} >= {"INACTIVE", "PAUSING", "RESIZING", "ACTIVE_HEALTHY"}
    known = spec()["components"]["schemas"]["V1ProjectWithDatabaseResponse"]["properties"]["status"]["enum"]
    assert len([p for p in foreign if p["status"] not in known]) == 1  # a status no client has seen
    assert [p["name"] for p in foreign if "database" not in p] == ["foreign-without-database"]
    for p in foreign:
        assert REF.fullmatch(p["ref"]) and api.get(f"/v1/projects/{p['ref']}").json() == p
    regions = api.get("/v1/projects/available-regions", params={"organization_slug": ORG}).json()
    codes = [s["code"] for s in regions["all"]["specific"]]
    assert codes[-1] == "me-central-1" and len(codes) == 19
    made = create(api, "in-a-new-region", region="me-central-1")
    assert made.status_code == 201 and made.json()["region"] == "me-central-1"
    sandbox.set_faults(Faults())
    assert {p["ref"] for p in api.get("/v1/projects").json()} == own | {made.json()["ref"]}
    assert create(api, "not-without-the-fault", region="me-central-1").status_code == 400


def test_error_after_create_creates_the_project_and_answers_5xx(api, sandbox):
    sandbox.set_faults(error_after_create=1, error_status=503)
    r = create(api, "created-despite-503")
    assert (r.status_code, r.json()) == (503, {"message": "Service Unavailable"})
    assert sandbox.faults().error_after_create == 0
    [project] = [p for p in api.get("/v1/projects").json() if p["name"] == "created-despite-503"]
    wait_until(lambda: api.get(f"/v1/projects/{project['ref']}").json()["status"] == "ACTIVE_HEALTHY")
    with psycopg.connect(session_url(sandbox, f"postgres.{project['ref']}", PASSWORD)) as conn:
        assert conn.execute("select current_user").fetchone() == ("postgres",)
    assert create(api, "after-the-fault").status_code == 201


def test_fault_options_are_typed(api):
    for body, fragment in [
        ({"foreign_projects": 1}, "foreign_projects must be true or false"),
        ({"health_not_found": True}, "health_not_found must be a number"),
        ({"error_after_create": 0.5}, "error_after_create must be a whole number"),
    ]:
        r = api.put("/_sandbox/faults", json=body)
        assert r.status_code == 400 and fragment in r.json()["message"], body
    r = api.put("/_sandbox/faults", json={"foreign_projects": True, "health_not_found": 90, "login_role_ttl": 30})
    assert r.status_code == 200 and api.get("/_sandbox/faults").json() == r.json()
    assert r.json()["foreign_projects"] is True


# -- the create rate limit counts per organization; a real-like health delay ----------------------------------------
def test_the_create_rate_limit_counts_per_organization(cluster_dir_factory):
    handle = start_sandbox(cluster_dir_factory("ratelimit"), rate_limit=2, health_delay=90)
    try:
        with client(handle.url, handle.token) as api:
            first = create(api, "one")
            assert first.status_code == 201 and first.headers["x-ratelimit-remaining"] == "1"
            assert api.get(f"/v1/projects/{first.json()['ref']}").json()["status"] == "COMING_UP"  # 90 s to go
            assert create(api, "two").status_code == 201
            third = create(api, "three")
            assert third.status_code == 429 and third.headers["x-ratelimit-remaining"] == "0"
            # another organization's creates are counted apart (this one does not exist: 404, not 429)
            other = create(api, "elsewhere", organization_slug="another-org")
            assert other.status_code == 404 and other.headers["x-ratelimit-remaining"] == "1"
            assert api.get("/v1/projects").status_code == 200  # the user's own bucket
            assert [p["name"] for p in api.get("/v1/projects").json()] == ["one", "two"]
    finally:
        handle.stop()


# -- the data dir of a one-cluster sandbox -------------------------------------------------------------------------------
def test_a_one_cluster_sandbox_is_moved_aside(cluster_dir_factory):
    data = cluster_dir_factory("v1")
    (data / "state.json").write_text(json.dumps({"version": 1, "projects": [{"ref": "x"}]}))
    (data / "postgres").mkdir()
    (data / "postgres" / "PG_VERSION").write_text("17\n")
    handle = start_sandbox(data)
    try:
        [aside] = data.glob("v1-*")
        assert (aside / "state.json").is_file() and (aside / "postgres" / "PG_VERSION").is_file()
        assert json.loads((data / "state.json").read_text())["version"] == 2
        with client(handle.url, handle.token) as api:
            assert api.get("/v1/projects").json() == []
    finally:
        handle.stop()


def test_the_cli_takes_the_new_fault_options(cluster_dir_factory):
    data = cluster_dir_factory("cli-faults")
    token = "sbp_" + "5" * 40
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "wizard", "sandbox", "--data-dir", str(data), "--token", token, "--quiet"),
            *("--foreign-projects", "--health-not-found", "20", "--error-after-create", "1"),
            *("--login-role-ttl", "60", "--health-delay", "90"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "press Ctrl-C" in line:
                break
        banner = "".join(lines)
        assert "error_after_create=1" in banner and "foreign_projects=True" in banner, banner
        url = re.search(r"API:\s+(http://127\.0\.0\.1:\d+)", banner).group(1)
        with client(url, token) as api:
            faults = api.get("/_sandbox/faults").json()
        assert (faults["health_not_found"], faults["login_role_ttl"], faults["foreign_projects"]) == (20, 60, True)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
