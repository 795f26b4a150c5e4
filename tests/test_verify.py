"""`musekit verify`: each splinter check against a real embedded Postgres — a schema that
triggers it, the SQL the finding proposes (or a corrected schema), and nothing left after."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from wizard.cli import main
from wizard.lints import Finding, verify
from wizard.pg import DatabaseConnectError, InvalidDatabaseUrl, free_port

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"


def owned_table(name: str, schema: str = "public") -> str:
    """A table that passes every check: RLS on, one policy per action set, indexed keys."""
    return f"""
    create table {schema}.{name} (id bigint generated always as identity primary key,
                                  user_id uuid not null, body text);
    alter table {schema}.{name} enable row level security;
    create policy {name}_own on {schema}.{name} for all to authenticated
      using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
    """


def execute(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def as_user(url: str, user: str, sql: str) -> list[tuple]:
    """Run `sql` as the API role `authenticated` signed in as `user`."""
    with psycopg.connect(url) as conn:
        conn.execute("set local role authenticated")
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)", (json.dumps({"sub": user, "role": "authenticated"}),)
        )
        return conn.execute(sql).fetchall()


async def lint(url: str, schemas=("public",)) -> list[Finding]:
    return await verify.verify_url(url, schemas)


def found(findings: list[Finding], check: str | None = None) -> list[tuple[str, str]]:
    return [(f.id, f.object) for f in findings if check is None or f.id == check]


def only(findings: list[Finding], check: str, obj: str) -> Finding:
    matches = [f for f in findings if f.id == check and f.object == obj]
    assert len(matches) == 1, findings
    return matches[0]


# -- the baseline --------------------------------------------------------------------------------
async def test_platform_shim_and_well_built_tables_have_no_findings(db_url):
    assert await lint(db_url) == []
    execute(db_url, owned_table("notes") + "create schema private;" + owned_table("secrets", "private"))
    assert await lint(db_url) == []


# -- 0001 unindexed_foreign_keys ----------------------------------------------------------------
async def test_0001_foreign_key_without_an_index_that_starts_with_its_columns(db_url):
    execute(
        db_url,
        owned_table("parents")
        + """
    create table public.pairs (a int, b int, primary key (a, b));
    alter table public.pairs enable row level security;
    create policy pairs_read on public.pairs for select to authenticated using ((select auth.uid()) is not null);
    """
        + "".join(
            f"""
    create table public.{t} (id bigint primary key, parent_id bigint references public.parents (id),
                             a int, b int, c int, foreign key (a, b) references public.pairs (a, b));
    alter table public.{t} enable row level security;
    create policy {t}_read on public.{t} for select to authenticated using ((select auth.uid()) is not null);
    create index on public.{t} (parent_id);
    """
            for t in ("wrong_order", "prefix", "included")
        )
        + """
    create table public.children (id bigint primary key, parent_id bigint references public.parents (id));
    alter table public.children enable row level security;
    create policy children_read on public.children for select to authenticated using ((select auth.uid()) is not null);
    create index on public.wrong_order (b, a);
    create index on public.prefix (a, b, c);
    create index on public.included (a) include (b);
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0001", "public.children"), ("0001", "public.included"), ("0001", "public.wrong_order")]
    children = only(findings, "0001", "public.children")
    assert children.name == "unindexed_foreign_keys" and children.level == "INFO"
    assert "children_parent_id_fkey" in children.message and "public.children" in children.message
    assert children.fix == children.sql == "create index on public.children (parent_id);"
    assert only(findings, "0001", "public.wrong_order").sql == "create index on public.wrong_order (a, b);"

    for f in findings:
        execute(db_url, f.sql)
    assert await lint(db_url) == []
    with psycopg.connect(db_url) as conn:
        assert (
            conn.execute(
                "select indexdef from pg_indexes where tablename = 'children' and indexdef like '%(parent_id)'"
            ).fetchone()
            is not None
        )


# -- 0003 auth_rls_initplan ---------------------------------------------------------------------
async def test_0003_auth_calls_not_wrapped_in_select(db_url):
    execute(
        db_url,
        """
    create table public.notes (id bigint generated always as identity primary key, user_id uuid not null, role text);
    alter table public.notes enable row level security;
    create policy notes_read on public.notes for select to authenticated using (user_id = auth.uid());
    create policy notes_add on public.notes for insert to authenticated with check ((auth.jwt() ->> 'role') = role);
    create policy notes_change on public.notes for update to authenticated
      using ((select auth.uid()) = user_id or user_id = auth.uid());
    create policy notes_remove on public.notes for delete to authenticated
      using ((current_setting('request.jwt.claims', true)::jsonb ->> 'sub') = user_id::text);
    grant select, insert, update, delete on public.notes to authenticated;
    create table public.drafts (id bigint primary key, user_id uuid not null);
    create policy drafts_read on public.drafts for select to authenticated using (user_id = auth.uid());
    """,
    )
    execute(
        db_url,
        f"insert into public.notes (user_id, role) values ('{USER_A}', 'x'), ('{USER_A}', 'y'), ('{USER_B}', 'z')",
    )
    findings = await lint(db_url)
    # drafts: RLS off, so 0003 does not apply (0007 and 0013 do)
    assert found(findings) == [("0003", "public.notes")] * 4 + [("0007", "public.drafts"), ("0013", "public.drafts")]
    read = next(f for f in findings if f.id == "0003" and "notes_read" in f.message)
    assert read.level == "WARN" and read.name == "auth_rls_initplan"
    assert "wrap auth.uid() as (select auth.uid()) in policy notes_read on public.notes" in read.fix
    assert read.sql == "alter policy notes_read on public.notes using (user_id = (select auth.uid()));"
    # one call wrapped and one not: still re-evaluated per row
    assert any("notes_change" in f.message for f in findings)
    remove = next(f for f in findings if "notes_remove" in f.message)
    assert "current_setting()" in remove.message and "(select current_setting(" in remove.sql

    assert as_user(db_url, USER_A, "select count(*) from public.notes") == [(2,)]
    for f in findings:
        if f.id == "0003":
            execute(db_url, f.sql)
    assert found(await lint(db_url), "0003") == []
    assert as_user(db_url, USER_A, "select count(*) from public.notes") == [(2,)]
    assert as_user(db_url, USER_B, "delete from public.notes returning role") == [("z",)]
    with psycopg.connect(db_url) as conn:
        qual = conn.execute("select qual from pg_policies where policyname = 'notes_read'").fetchone()[0]
    assert "SELECT auth.uid()" in qual


# -- 0006 multiple_permissive_policies ------------------------------------------------------------
async def test_0006_two_permissive_policies_for_one_role_and_action_merge_into_one(db_url):
    execute(
        db_url,
        """
    create table public.items (id bigint generated always as identity primary key, user_id uuid not null, shared boolean not null);
    alter table public.items enable row level security;
    create policy items_own on public.items for select to authenticated using (user_id = (select auth.uid()));
    create policy items_shared on public.items for select to authenticated using (shared);
    grant select on public.items to authenticated;
    """,
    )
    execute(
        db_url,
        f"""insert into public.items (user_id, shared) values
      ('{USER_A}', false), ('{USER_A}', true), ('{USER_B}', true), ('{USER_B}', false)""",
    )
    findings = await lint(db_url)
    assert found(findings) == [("0006", "public.items")]
    f = findings[0]
    assert f.level == "WARN" and "SELECT" in f.message and "(authenticated)" in f.message
    assert "items_own, items_shared" in f.message and "dashboard_user" not in f.message
    assert f.sql.startswith('create policy "items_select" on public.items for select to authenticated using (')
    assert "drop policy items_own on public.items; drop policy items_shared on public.items;" in f.sql

    before = as_user(db_url, USER_A, "select id from public.items order by id")
    execute(db_url, f.sql)
    assert await lint(db_url) == []
    assert as_user(db_url, USER_A, "select id from public.items order by id") == before == [(1,), (2,), (3,)]


async def test_0006_which_policies_overlap(db_url):
    execute(
        db_url,
        """
    create table public.docs (id bigint primary key, user_id uuid not null, shared boolean not null);
    alter table public.docs enable row level security;
    -- restrictive policies narrow, they are not counted; different roles do not overlap
    create policy docs_own on public.docs for select to authenticated using (user_id = (select auth.uid()));
    create policy docs_not_deleted on public.docs as restrictive for select to authenticated using (true);
    create policy docs_anon on public.docs for select to anon using (shared);
    -- a `for all` policy and a `for select` one overlap on select
    create policy docs_write on public.docs for all to authenticated using (user_id = (select auth.uid()));
    create table public.pages (id bigint primary key, shared boolean not null);
    alter table public.pages enable row level security;
    create policy pages_a on public.pages for select using (shared);
    create policy pages_b on public.pages for select using (not shared);
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0006", "public.docs"), ("0006", "public.pages")]
    docs = only(findings, "0006", "public.docs")
    assert "SELECT" in docs.message and "(authenticated)" in docs.message and "docs_own, docs_write" in docs.message
    assert docs.sql is None and "split into separate insert, update and delete policies" in docs.fix
    pages = only(findings, "0006", "public.pages")
    # policies to PUBLIC apply to every role splinter considers; the shim has no dashboard_user
    assert "(anon, authenticated, authenticator (a hosted project also reports dashboard_user))" in pages.message
    assert pages.sql.startswith('create policy "pages_select" on public.pages for select using (')

    execute(
        db_url,
        pages.sql
        + """
    drop policy docs_write on public.docs;
    create policy docs_add on public.docs for insert to authenticated with check (user_id = (select auth.uid()));
    create policy docs_change on public.docs for update to authenticated using (user_id = (select auth.uid()));
    create policy docs_remove on public.docs for delete to authenticated using (user_id = (select auth.uid()));
    """,
    )
    assert await lint(db_url) == []


# -- 0007 policy_exists_rls_disabled ------------------------------------------------------------
async def test_0007_policies_on_a_table_without_rls(db_url):
    execute(
        db_url,
        """
    create table public.tasks (id bigint primary key, user_id uuid not null);
    create policy tasks_own on public.tasks for all to authenticated using (user_id = (select auth.uid()));
    grant select on public.tasks to authenticated;
    create schema private;
    create table private.jobs (id bigint primary key, user_id uuid not null);
    create policy jobs_own on private.jobs for all to authenticated using (user_id = (select auth.uid()));
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0007", "private.jobs"), ("0007", "public.tasks"), ("0013", "public.tasks")]
    tasks = only(findings, "0007", "public.tasks")
    assert tasks.level == "ERROR" and "tasks_own" in tasks.message
    assert "authenticated can already select every row" in tasks.message
    assert tasks.sql == tasks.fix == "alter table public.tasks enable row level security;"
    for f in findings:
        if f.id == "0007":
            execute(db_url, f.sql)
    assert await lint(db_url) == []


# -- 0008 rls_enabled_no_policy -----------------------------------------------------------------
async def test_0008_rls_enabled_without_any_policy(db_url):
    execute(
        db_url,
        """
    create table public.inbox (id bigint primary key, user_id uuid not null);
    alter table public.inbox enable row level security;
    create schema private;
    create table private.queue (id bigint primary key);
    alter table private.queue enable row level security;
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0008", "private.queue"), ("0008", "public.inbox")]
    inbox = only(findings, "0008", "public.inbox")
    assert inbox.level == "INFO" and inbox.sql is None
    assert (
        'create policy "inbox_select" on public.inbox for select to authenticated using (user_id = (select auth.uid()))'
    ) in inbox.fix
    execute(
        db_url,
        """
    create policy inbox_select on public.inbox for select to authenticated using (user_id = (select auth.uid()));
    create policy queue_none on private.queue for select to service_role using (true);
    """,
    )
    assert await lint(db_url) == []


# -- 0010 security_definer_view ----------------------------------------------------------------
async def test_0010_views_without_security_invoker_in_exposed_schemas(db_url):
    execute(
        db_url,
        owned_table("profiles")
        + """
    create view public.profile_names as select id, body from public.profiles;
    create view public.profile_ids with (security_invoker = on) as select id from public.profiles;
    create schema private;
    create view private.all_profiles as select * from public.profiles;
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0010", "public.profile_names")]
    view = findings[0]
    assert view.level == "ERROR" and "no API role has a privilege on it yet" in view.message
    assert view.sql == view.fix == "alter view public.profile_names set (security_invoker = true);"

    execute(db_url, "grant select on public.profile_names to anon")
    assert "anon can already select every row" in (await lint(db_url))[0].message
    execute(db_url, view.sql)
    assert await lint(db_url) == []
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select reloptions from pg_class where relname = 'profile_names'").fetchone() == (
            ["security_invoker=true"],
        )


# -- 0011 function_search_path_mutable ---------------------------------------------------------
async def test_0011_functions_without_a_search_path_setting(db_url, pg):
    execute(
        db_url,
        """
    create schema private;
    create function public.answer() returns int language sql as 'select 42';
    create function private.is_mine(owner uuid) returns boolean language sql stable
      as 'select owner = (select auth.uid())';
    create procedure public.tidy() language sql as 'select 1';
    create function public.pinned() returns int language sql set search_path = public as 'select 1';
    create function public.empty_path() returns int language sql set search_path = '' as 'select 1';
    create aggregate public.total(int) (sfunc = int4pl, stype = int);
    """,
    )
    dbname = conninfo_to_dict(db_url)["dbname"]
    with psycopg.connect(pg.admin_conninfo(dbname), autocommit=True) as admin:
        admin.execute("create extension vector with schema public")  # hundreds of functions, none ours
    findings = await lint(db_url)
    assert found(findings) == [("0011", "private.is_mine"), ("0011", "public.answer"), ("0011", "public.tidy")]
    is_mine = only(findings, "0011", "private.is_mine")
    assert is_mine.level == "WARN" and "private.is_mine(owner uuid)" in is_mine.message
    assert is_mine.sql == "alter function private.is_mine(owner uuid) set search_path = '';"
    assert only(findings, "0011", "public.tidy").sql == "alter procedure public.tidy() set search_path = '';"
    for f in findings:
        execute(db_url, f.sql)
    assert await lint(db_url) == []
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select proconfig from pg_proc where proname = 'is_mine'").fetchone() == (
            ['search_path=""'],
        )


# -- 0013 rls_disabled_in_public ----------------------------------------------------------------
async def test_0013_tables_without_rls_in_exposed_schemas(db_url):
    execute(
        db_url,
        """
    create table public.ledger (id bigint primary key, user_id uuid not null);
    create schema private;
    create table private.cache (id bigint primary key);
    create schema api;
    create table api.feed (id bigint primary key);
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0013", "public.ledger")]  # private and api are not exposed
    ledger = findings[0]
    assert ledger.level == "ERROR" and ledger.name == "rls_disabled_in_public"
    # no grant yet (2026 default privileges): splinter would stay silent until the first grant
    assert "no API role has a privilege on it yet" in ledger.message
    assert ledger.sql == "alter table public.ledger enable row level security;" and ledger.sql in ledger.fix

    execute(db_url, "grant select, insert on public.ledger to anon")
    assert "anon can already insert/select every row" in (await lint(db_url))[0].message
    assert found(await lint(db_url, ("public", "api"))) == [("0013", "api.feed"), ("0013", "public.ledger")]

    execute(db_url, ledger.sql)
    assert found(await lint(db_url)) == [("0008", "public.ledger")]  # now: RLS on, no policy
    execute(
        db_url,
        "create policy ledger_own on public.ledger for select to authenticated using (user_id = (select auth.uid()))",
    )
    assert await lint(db_url) == []


async def test_unknown_exposed_schema_is_a_clear_error(db_url):
    with pytest.raises(verify.UnknownSchemaError, match="schema nope does not exist"):
        await lint(db_url, ("public", "nope"))


# -- 0024 rls_policy_always_true ---------------------------------------------------------------
async def test_0024_write_policies_that_are_always_true(db_url):
    execute(
        db_url,
        """
    create table public.posts (id bigint primary key, user_id uuid not null, body text);
    alter table public.posts enable row level security;
    create policy posts_edit on public.posts for update to authenticated using (true);
    create policy posts_submit on public.posts for insert to anon with check (true);
    create policy posts_purge on public.posts for delete to authenticated using (1 = 1);
    -- not flagged: public reads, the server role, a restrictive policy, a real condition
    create policy posts_read on public.posts for select to authenticated using (true);
    create policy posts_server on public.posts for delete to service_role using (true);
    create policy posts_limit on public.posts as restrictive for insert to anon with check (true);
    """,
    )
    findings = await lint(db_url)
    assert found(findings) == [("0024", "public.posts")] * 3
    edit = next(f for f in findings if "posts_edit" in f.message)
    assert edit.level == "WARN" and "authenticated update any row" in edit.message
    assert "USING and WITH CHECK is always true" in edit.message and edit.sql is None
    assert (
        "alter policy posts_edit on public.posts using (user_id = (select auth.uid())) "
        "with check (user_id = (select auth.uid()))"
    ) in edit.fix
    submit = next(f for f in findings if "posts_submit" in f.message)
    assert "anon insert any row" in submit.message and "with check (user_id = (select auth.uid()))" in submit.fix
    assert any("posts_purge" in f.message for f in findings)

    execute(
        db_url,
        """
    alter policy posts_edit on public.posts using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
    drop policy posts_submit on public.posts;
    alter policy posts_purge on public.posts using (user_id = (select auth.uid()));
    """,
    )
    assert await lint(db_url) == []


# -- the engine ----------------------------------------------------------------------------------
async def test_results_are_sorted_and_repeatable_and_leave_the_session_alone(db_url):
    execute(
        db_url,
        """
    create table public.b (id bigint primary key);
    create table public.a (id bigint primary key, b_id bigint references public.b (id));
    create function public.f() returns int language sql as 'select 1';
    """,
    )
    first = await lint(db_url)
    assert first == await lint(db_url)
    assert first == sorted(first, key=lambda f: (f.id, f.object, f.message))
    assert found(first) == [("0001", "public.a"), ("0011", "public.f"), ("0013", "public.a"), ("0013", "public.b")]
    async with await psycopg.AsyncConnection.connect(db_url, prepare_threshold=None) as conn:
        await conn.execute("set search_path = public, extensions")
        async with conn.transaction():
            assert found(await verify.run_lints(conn)) == found(first)
            assert (await (await conn.execute("show search_path")).fetchone())[0] == "public, extensions"


async def test_core_schema_has_no_findings(core_db):
    findings = await lint(core_db)
    assert findings == [], "\n".join(f"{f.id} {f.object}: {f.message}" for f in findings)


# -- connecting -------------------------------------------------------------------------------
SECRET = "Sup3r-Secret-Passw0rd"


async def test_connection_errors_name_the_target_never_the_password(db_url):
    parts = conninfo_to_dict(db_url)
    wrong = f"postgresql://postgres:{SECRET}@127.0.0.1:{parts['port']}/{parts['dbname']}"
    with pytest.raises(DatabaseConnectError) as info:
        await lint(wrong)
    text = str(info.value)
    assert f"user postgres at 127.0.0.1:{parts['port']}/{parts['dbname']}" in text
    assert "password authentication failed" in text and SECRET not in text and SECRET not in repr(info.value)

    for bad in (
        f"postgresql://postgres:ab%zz{SECRET}@127.0.0.1:5432/x",  # libpq echoes the bad token
        f"postgresql://postgres:{SECRET}@x@127.0.0.1:5432/x",  # unencoded @ in the password
        f"postgresql://postgres:12/{SECRET}@127.0.0.1/x",
    ):  # unencoded / in the password
        with pytest.raises(InvalidDatabaseUrl) as info:
            await lint(bad)
        assert "percent-encode" in str(info.value) and SECRET not in str(info.value)


# -- the command -------------------------------------------------------------------------------
def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_command_exit_0_when_clean(db_url, capsys):
    assert run_cli(capsys, "--db-url", db_url) == (0, "no findings: all 9 checks passed\n", "")
    code, out, _ = run_cli(capsys, "--db-url", db_url, "--json")
    assert (code, json.loads(out)) == (0, [])


def test_command_exit_3_with_findings_human_and_json(db_url, capsys):
    execute(db_url, "create table public.ledger (id bigint primary key)")
    code, out, err = run_cli(capsys, "--db-url", db_url)
    assert code == 3 and err == ""
    assert "ERROR 0013 rls_disabled_in_public  public.ledger" in out
    assert "fix: alter table public.ledger enable row level security;" in out
    assert out.rstrip().endswith("1 finding (1 ERROR)")

    code, out, _ = run_cli(capsys, "--db-url", db_url, "--json")
    assert code == 3
    (item,) = json.loads(out)
    assert item["id"] == "0013" and item["name"] == "rls_disabled_in_public" and item["level"] == "ERROR"
    assert item["object"] == "public.ledger" and item["sql"] == "alter table public.ledger enable row level security;"
    assert set(item) == {"id", "name", "level", "object", "message", "fix", "sql"}


def test_command_exit_1_when_the_server_is_unreachable_or_refuses(db_url, capsys):
    port = free_port()
    code, out, err = run_cli(capsys, "--db-url", f"postgresql://postgres:{quote(SECRET)}@127.0.0.1:{port}/postgres")
    assert (code, out) == (1, "")
    assert f"user postgres at 127.0.0.1:{port}/postgres" in err and "Connection refused" in err and SECRET not in err

    parts = conninfo_to_dict(db_url)
    code, out, err = run_cli(
        capsys, "--json", "--db-url", f"postgresql://postgres:{SECRET}@127.0.0.1:{parts['port']}/{parts['dbname']}"
    )
    assert (code, out) == (1, "")
    assert "password authentication failed" in err and SECRET not in err


def test_command_exit_2_for_bad_usage(db_url, capsys):
    with pytest.raises(SystemExit) as info:
        main(["verify"])
    assert info.value.code == 2 and "--db-url" in capsys.readouterr().err
    code, out, err = run_cli(capsys, "--db-url", f"postgresql://postgres:{SECRET}@x@127.0.0.1/x")
    assert (code, out) == (2, "") and "percent-encode" in err and SECRET not in err
    code, out, err = run_cli(capsys, "--db-url", db_url, "--schema", "public", "--schema", "nope")
    assert (code, out) == (2, "") and "schema nope does not exist" in err


def test_installed_musekit_verify_command(db_url):
    musekit = Path(sys.executable).parent / "musekit"
    execute(db_url, "create table public.ledger (id bigint primary key)")
    proc = subprocess.run(
        [str(musekit), "verify", "--db-url", db_url, "--json"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    assert [(f["id"], f["object"]) for f in json.loads(proc.stdout)] == [("0013", "public.ledger")]
