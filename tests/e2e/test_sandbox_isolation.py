"""Projects in the sandbox are isolated as on the platform: one cluster per project, the SQL endpoint
as the project's non-superuser `postgres`, a pooler that routes `<role>.<ref>` logins to the project's
own cluster, with session mode on 5432 and transaction mode on 6543. Each attack of issue 12 has a
regression test here; all go through real HTTP (plain httpx) and real PostgreSQL logins."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import quote

import httpx
import psycopg
import pytest

from tests.support.openapi import response_errors
from wizard.sandbox import Faults

ORG = "musekit-sandbox"
PASSWORDS = {"a": "Project A passw0rd", "b": "Project B passw0rd"}


@pytest.fixture(scope="module")
def api(sandbox):
    with httpx.Client(base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"}, timeout=60) as c:
        yield c


@pytest.fixture(autouse=True)
def _no_faults(sandbox):
    sandbox.set_faults(Faults())
    yield
    sandbox.set_faults(Faults())


def create(api: httpx.Client, name: str, db_pass: str) -> str:
    r = api.post(
        "/v1/projects", json={"db_pass": db_pass, "name": name, "organization_slug": ORG, "region": "us-east-1"}
    )
    assert r.status_code == 201, r.text
    return r.json()["ref"]


@pytest.fixture(scope="module")
def projects(api, sandbox) -> dict[str, str]:
    """Two projects; B holds RLS-protected rows that only their owner may read."""
    refs = {key: create(api, f"isolation-{key}", password) for key, password in PASSWORDS.items()}
    secret_rows = """
        create table public.diary (owner uuid not null, entry text not null);
        alter table public.diary enable row level security;
        create policy own_rows on public.diary for select to authenticated using (owner = auth.uid());
        grant select on public.diary to authenticated;
        insert into public.diary values ('00000000-0000-0000-0000-0000000000b1', 'only B''s user may read this');
    """
    assert api.post(f"/v1/projects/{refs['b']}/database/query", json={"query": secret_rows}).status_code == 201
    return refs


def query(api: httpx.Client, ref: str, sql: str) -> httpx.Response:
    return api.post(f"/v1/projects/{ref}/database/query", json={"query": sql})


def pooler_url(sandbox, user: str, password: str, mode: str = "session") -> str:
    port = sandbox.session_port if mode == "session" else sandbox.transaction_port
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{sandbox.pooler_host}:{port}/postgres"


def admin(sandbox, ref: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(sandbox.cluster(ref).admin_conninfo(), autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def refused(url: str) -> str:
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(url, connect_timeout=10).close()
    return str(caught.value)


# -- attack 1: the SQL endpoint becoming the superuser -------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "select set_config('session_authorization', 'supabase_admin', false)",
        "do $$ begin perform set_config('session_authorization', 'supabase_admin', false); end $$",
        "do $$ begin execute 'set session authorization supabase_admin'; end $$",
        "set session authorization supabase_admin",
        "set role supabase_admin",
    ],
)
def test_the_sql_endpoint_cannot_become_the_superuser(api, projects, sql):
    r = query(api, projects["a"], sql)
    assert r.status_code == 400
    assert r.json()["message"].startswith("Failed to run sql query: ERROR:  42501: permission denied to set")


def test_reset_session_authorization_in_a_do_block_stays_the_projects_postgres(api, projects, sandbox):
    r = query(
        api,
        projects["a"],
        "do $$ begin reset session authorization; end $$;"
        "select current_user as u, session_user as s, current_setting('is_superuser') as su,"
        " (select rolsuper from pg_roles where rolname = session_user) as rolsuper",
    )
    assert (r.status_code, r.json()) == (201, [{"u": "postgres", "s": "postgres", "su": "off", "rolsuper": False}])
    for escape in ("copy (select 1) to program 'id'", "create extension dblink", "create extension postgres_fdw"):
        r = query(api, projects["a"], escape)
        assert r.status_code == 400 and "ERROR:  " in r.json()["message"], escape
    # the verifiers A's `postgres` can read (pg_read_all_data, as hosted) are its own cluster's only
    a_sees = query(api, projects["a"], "select rolname, rolpassword from pg_authid").json()
    [(b_verifier,)] = admin(sandbox, projects["b"], "select rolpassword from pg_authid where rolname = 'postgres'")
    assert b_verifier.startswith("SCRAM-SHA-256$") and b_verifier not in json.dumps(a_sees)
    assert "supabase_admin" in {row["rolname"] for row in a_sees}  # there, but passwordless and unreachable
    datnames = {row["datname"] for row in query(api, projects["a"], "select datname from pg_database").json()}
    assert datnames == {"postgres", "template0", "template1"}


# -- attack 2: project A's login reading project B's rows -------------------------------------------------
def test_project_a_credentials_reach_nothing_of_project_b(api, projects, sandbox):
    a, b = projects["a"], projects["b"]
    with psycopg.connect(pooler_url(sandbox, f"postgres.{a}", PASSWORDS["a"])) as conn:
        tables = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
        assert ("diary",) not in tables  # A's login lands in A's own cluster, whatever it asks for
    for user in (f"postgres.{b}", f"authenticator.{b}", f"authenticated.{b}", f"cli_login_postgres.{b}"):
        assert "password authentication failed" in refused(pooler_url(sandbox, user, PASSWORDS["a"])), user
    direct = sandbox.cluster(b).url("postgres", user="postgres", password=PASSWORDS["a"])  # B's cluster port
    assert "password authentication failed" in refused(direct)
    assert "Tenant or user not found" in refused(pooler_url(sandbox, "postgres", PASSWORDS["a"]))
    # B's own login still reads its rows, RLS applying to its API role
    with psycopg.connect(pooler_url(sandbox, f"postgres.{b}", PASSWORDS["b"])) as conn:
        assert conn.execute("select count(*) from public.diary").fetchone() == (1,)


# -- attack 3: a role change in A turning RLS off in B ------------------------------------------------------
def test_alter_role_in_project_a_changes_nothing_in_project_b(api, projects, sandbox):
    a, b = projects["a"], projects["b"]
    # a Muse's migration in A, as migrations run: the session pooler, as `postgres`
    with psycopg.connect(pooler_url(sandbox, f"postgres.{a}", PASSWORDS["a"]), autocommit=True) as conn:
        conn.execute("alter role authenticated bypassrls")
        conn.execute("alter role anon bypassrls")
    assert admin(sandbox, a, "select rolbypassrls from pg_roles where rolname = 'authenticated'") == [(True,)]
    assert admin(sandbox, b, "select rolname from pg_roles where rolbypassrls order by 1") == [
        ("postgres",),
        ("service_role",),
        ("supabase_admin",),
    ]
    stranger = (
        "begin; set local role authenticated;"
        " select set_config('request.jwt.claims', '{\"sub\": \"00000000-0000-0000-0000-0000000000a1\"}', true);"
        " select count(*) as n from public.diary; commit"
    )
    assert query(api, b, stranger).json() == [{"n": 0}]  # RLS still filters B's rows


# -- a project's roles are the hosted project's ---------------------------------------------------------------
def test_the_projects_postgres_has_what_the_hosted_postgres_has(projects, sandbox):
    ref = projects["a"]
    [attributes] = admin(
        sandbox,
        ref,
        "select rolsuper, rolcanlogin, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
        " from pg_roles where rolname = 'postgres'",
    )
    assert attributes == (False, True, True, True, True, True)  # hosted-project.md
    member_of = {
        r[0]
        for r in admin(
            sandbox,
            ref,
            "select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid"
            " where m.member = 'postgres'::regrole",
        )
    }
    assert member_of == {
        "anon",
        "authenticated",
        "service_role",
        "authenticator",
        "pg_monitor",
        "pg_read_all_data",
        "pg_signal_backend",
    }
    supers = admin(sandbox, ref, "select rolname from pg_roles where rolsuper")
    assert supers == [("supabase_admin",)]
    [(owner,)] = admin(sandbox, ref, "select pg_get_userbyid(datdba) from pg_database where datname = 'postgres'")
    assert owner == "postgres"
    # nobody logs in as the superuser over TCP, whatever the password
    assert "supabase_admin" in refused(sandbox.cluster(ref).url("postgres", user="supabase_admin", password="x"))


def test_each_project_runs_its_own_cluster(projects, sandbox):
    a, b = (sandbox.cluster(projects[k]) for k in "ab")
    assert a.port != b.port and a.postmaster_pid() != b.postmaster_pid() and a.data_dir != b.data_dir
    assert set(sandbox.clusters.pids()) >= {a.postmaster_pid(), b.postmaster_pid()}


# -- the pooler: two ports, two modes ------------------------------------------------------------------------
def test_session_and_transaction_mode_are_different_ports_that_behave_differently(api, projects, sandbox):
    ref = projects["a"]
    [cfg] = api.get(f"/v1/projects/{ref}/config/database/pooler").json()
    assert response_errors("GET", f"/v1/projects/{ref}/config/database/pooler", 200, [cfg]) == []
    assert (cfg["db_host"], cfg["db_port"], cfg["pool_mode"]) == (sandbox.pooler_host, 6543, "transaction")
    assert (sandbox.session_port, sandbox.transaction_port) == (5432, 6543)
    before = dict(sandbox.pooler.logins)
    user, password = f"postgres.{ref}", PASSWORDS["a"]
    with psycopg.connect(pooler_url(sandbox, user, password, "session"), autocommit=True) as conn:
        conn.execute("set session role anon")
        conn.execute("set search_path = extensions")
        assert conn.execute("select current_user, current_setting('search_path')").fetchone() == (
            "anon",
            "extensions",
        )
    with psycopg.connect(pooler_url(sandbox, user, password, "transaction"), autocommit=True) as conn:
        conn.execute("set session role anon")
        conn.execute("set search_path = extensions")
        # the next transaction runs on "another" server connection: the session state is gone
        assert conn.execute("select current_user, current_setting('search_path')").fetchone() == (
            "postgres",
            '"$user", public',
        )
        with conn.transaction():  # within one transaction it holds
            conn.execute("set local role anon")
            assert conn.execute("select current_user").fetchone() == ("anon",)
        for i in range(8):  # prepared statements survive (psycopg prepares from the 5th run)
            assert conn.execute("select %s::int + 1", (i,)).fetchone() == (i + 1,)
    assert sandbox.pooler.logins["session"] == before.get("session", 0) + 1
    assert sandbox.pooler.logins["transaction"] == before.get("transaction", 0) + 1


def test_the_pooler_routes_by_tenant_and_refuses_unknown_ones(projects, sandbox):
    ref = projects["a"]
    for user in ("postgres", "postgres.abcdefghijklmnopqrst", f"postgres.{ref}x", ""):
        message = refused(pooler_url(sandbox, user or "x.", PASSWORDS["a"]))
        assert "FATAL:  Tenant or user not found" in message, user
    by_option = pooler_url(sandbox, "postgres", PASSWORDS["a"]) + f"?options=reference%3D{ref}"
    with psycopg.connect(by_option) as conn:  # Supavisor's other way to name the tenant
        assert conn.execute("select current_user").fetchone() == ("postgres",)
    assert "password authentication failed" in refused(pooler_url(sandbox, f"postgres.{ref}", "wrong"))


def test_a_query_is_cancelled_through_the_pooler(projects, sandbox):
    with psycopg.connect(pooler_url(sandbox, f"postgres.{projects['a']}", PASSWORDS["a"]), autocommit=True) as conn:
        # cancel_safe: the blocking cancel() holds the GIL, and this pooler runs in the test's own process
        timer = threading.Timer(0.3, conn.cancel_safe)
        timer.start()
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("select pg_sleep(20)")
        assert time.monotonic() - started < 10
        assert conn.execute("select 1").fetchone() == (1,)
