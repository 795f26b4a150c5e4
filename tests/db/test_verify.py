"""`musekit verify`: splinter's checks against a real embedded Postgres — a schema that triggers
them, the SQL the finding proposes (or a corrected schema), and nothing left after; the exposed
schemas; the command. (tests/db/lints/test_parity.py holds one flawed schema per lint.)"""

from __future__ import annotations

import json
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from wizard.cli import main
from wizard.lints import Finding, UnknownSchemaError, report_url, run_lints, verify_url
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


async def lint(url: str, schemas=None) -> list[Finding]:
    return await verify_url(url, schemas)


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
    # included: its second column only in the index's INCLUDE list still covers the key, as splinter counts
    assert found(findings) == [("0001", "public.children"), ("0001", "public.wrong_order")]
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
    # drafts: RLS off, so 0003 does not apply (0007 does, and 0013 before any grant); notes_change has
    # one call wrapped, which is all splinter looks for: musekit's stricter id
    assert found(findings) == [("0003", "public.notes")] * 3 + [
        ("0007", "public.drafts"),
        ("musekit_0003_strict", "public.notes"),
        ("musekit_0013_strict", "public.drafts"),
    ]
    read = next(f for f in findings if f.id == "0003" and "notes_read" in f.message)
    assert read.level == "WARN" and read.name == "auth_rls_initplan"
    assert "wrap auth.uid() as (select auth.uid()) in policy notes_read on public.notes" in read.fix
    assert read.sql == "alter policy notes_read on public.notes using (user_id = (select auth.uid()));"
    # one call wrapped and one not: still re-evaluated per row
    change = only(findings, "musekit_0003_strict", "public.notes")
    assert "notes_change" in change.message and change.level == "WARN"
    assert change.cache_key == "auth_rls_initplan_partly_wrapped_public_notes_notes_change"
    assert read.cache_key == "auth_rls_init_plan_public_notes_notes_read"
    remove = next(f for f in findings if "notes_remove" in f.message)
    assert "current_setting()" in remove.message and "(select current_setting(" in remove.sql

    assert as_user(db_url, USER_A, "select count(*) from public.notes") == [(2,)]
    for f in findings:
        if f.id in ("0003", "musekit_0003_strict"):
            execute(db_url, f.sql)
    assert found(await lint(db_url), "0003") == found(await lint(db_url), "musekit_0003_strict") == []
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
    assert f.level == "WARN" and "SELECT" in f.message and "apply to role authenticated:" in f.message
    assert f.cache_key == "multiple_permissive_policies_public_items_authenticated_SELECT"
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
    # one finding per table, role and action, as splinter reports them
    assert found(findings) == [("0006", "public.docs")] + [("0006", "public.pages")] * 3
    docs = only(findings, "0006", "public.docs")
    assert "SELECT" in docs.message and "role authenticated:" in docs.message and "docs_own, docs_write" in docs.message
    assert docs.sql is None and "split into separate insert, update and delete policies" in docs.fix
    pages = [f for f in findings if f.object == "public.pages"]
    # policies to PUBLIC apply to every role splinter considers; the shim has no dashboard_user
    assert [f.cache_key for f in pages] == [
        f"multiple_permissive_policies_public_pages_{role}_SELECT"
        for role in ("anon", "authenticated", "authenticator")
    ]
    assert all("(a hosted project reports the same for dashboard_user)" in f.message for f in pages)
    assert all(f.sql.startswith('create policy "pages_select" on public.pages for select using (') for f in pages)

    execute(
        db_url,
        pages[0].sql
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
    # no grant yet: splinter waits for one, musekit reports it under its own id
    assert found(findings) == [("musekit_0010_strict", "public.profile_names")]
    view = findings[0]
    assert view.level == "ERROR" and "no API role has a privilege on it yet" in view.message
    assert view.sql == view.fix == "alter view public.profile_names set (security_invoker = true);"

    execute(db_url, "grant select on public.profile_names to anon")
    (granted,) = await lint(db_url)
    assert (granted.id, granted.name, granted.cache_key) == (
        "0010",
        "security_definer_view",
        "security_definer_view_public_profile_names",
    )
    assert "anon can already select every row" in granted.message and granted.sql == view.sql
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
    # the extension's own functions are skipped (0014 names the extension); splinter flags the
    # aggregate too, though an aggregate cannot carry the setting
    assert found(findings) == [
        ("0011", "private.is_mine"),
        ("0011", "public.answer"),
        ("0011", "public.tidy"),
        ("0011", "public.total"),
        ("0014", "vector"),
    ]
    is_mine = only(findings, "0011", "private.is_mine")
    assert is_mine.level == "WARN" and "private.is_mine(owner uuid)" in is_mine.message
    assert is_mine.sql == "alter function private.is_mine(owner uuid) set search_path = '';"
    assert only(findings, "0011", "public.tidy").sql == "alter procedure public.tidy() set search_path = '';"
    total = only(findings, "0011", "public.total")
    assert total.sql is None and "an aggregate cannot carry a search_path setting" in total.fix
    for f in findings:
        if f.id == "0011" and f.sql:
            execute(db_url, f.sql)
    assert found(await lint(db_url)) == [("0011", "public.total"), ("0014", "vector")]
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
    # private and api are not exposed; no grant yet (2026 default privileges): splinter stays silent
    # until the first grant, musekit reports it under its own id
    assert found(findings) == [("musekit_0013_strict", "public.ledger")]
    ledger = findings[0]
    assert ledger.level == "ERROR" and ledger.name == "rls_disabled_not_granted_yet"
    assert "no API role has a privilege on it yet" in ledger.message
    assert ledger.sql == "alter table public.ledger enable row level security;" and ledger.sql in ledger.fix

    execute(db_url, "grant select, insert on public.ledger to anon")
    (granted,) = await lint(db_url)
    assert (granted.id, granted.name) == ("0013", "rls_disabled_in_public")
    assert "anon can already insert/select every row" in granted.message
    assert found(await lint(db_url, ("public", "api"))) == [
        ("0013", "public.ledger"),
        ("musekit_0013_strict", "api.feed"),
    ]
    execute(db_url, "revoke select on public.ledger from anon")  # insert only: splinter looks at SELECT
    assert found(await lint(db_url)) == [("musekit_0013_strict", "public.ledger")]

    execute(db_url, ledger.sql)
    assert found(await lint(db_url)) == [("0008", "public.ledger")]  # now: RLS on, no policy
    execute(
        db_url,
        "create policy ledger_own on public.ledger for select to authenticated using (user_id = (select auth.uid()))",
    )
    assert await lint(db_url) == []


# -- the exposed schemas ----------------------------------------------------------------------------
async def test_exposed_schemas_are_read_as_splinter_reads_them(pg, db_url):
    execute(
        db_url,
        "create schema api; create table api.feed (id bigint primary key); grant usage on schema api to anon;"
        "grant select on api.feed to anon;",
    )
    report = await report_url(db_url)
    assert (report.exposed, report.findings) == (("public", "graphql_public"), [])
    # PostgREST's in-database configuration: its role's setting in this database
    dbname = conninfo_to_dict(db_url)["dbname"]
    with psycopg.connect(pg.admin_conninfo(dbname), autocommit=True) as admin:
        admin.execute(f"alter role authenticator in database {dbname} set pgrst.db_schemas = 'public, api'")
    report = await report_url(db_url)
    assert (report.exposed, report.exposed_from) == (("public", "api"), "pgrst.db_schemas")
    assert found(report.findings) == [("0013", "api.feed")]
    # the session's own setting first, as splinter reads current_setting()
    async with await psycopg.AsyncConnection.connect(db_url) as conn:
        await conn.execute("set pgrst.db_schemas = 'public'")
        assert await run_lints(conn) == []
    assert await lint(db_url, ["public"]) == []  # --schemas overrides both


async def test_unknown_exposed_schema_is_a_clear_error(db_url):
    with pytest.raises(UnknownSchemaError, match="schema nope does not exist"):
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
    assert found(first) == [
        ("0001", "public.a"),
        ("0011", "public.f"),
        ("musekit_0013_strict", "public.a"),
        ("musekit_0013_strict", "public.b"),
    ]
    async with await psycopg.AsyncConnection.connect(db_url, prepare_threshold=None) as conn:
        await conn.execute("set search_path = public, extensions")
        async with conn.transaction():
            assert found(await run_lints(conn)) == found(first)
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


NOT_APPLICABLE = [
    "0019 insecure_queue_exposed_in_api is not applicable here: Supabase Queues (pgmq) is not installed: "
    "there is no pgmq schema",
    "0025 public_bucket_allows_listing is not applicable here: Supabase Storage is not set up: there is no "
    "storage.buckets table",
    "0026 pg_graphql_anon_table_exposed is not applicable here: pg_graphql is not installed (a hosted project "
    "has it unless it was disabled)",
    "0027 pg_graphql_authenticated_table_exposed is not applicable here: pg_graphql is not installed (a hosted "
    "project has it unless it was disabled)",
]
SPLINTER_FIELDS = {
    "name",
    "title",
    "level",
    "facing",
    "categories",
    "description",
    "detail",
    "remediation",
    "metadata",
    "cache_key",
}


def test_command_exit_0_when_clean(db_url, capsys):
    code, out, err = run_cli(capsys, "--db-url", db_url)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "no findings: all 27 lints that apply here passed",
        *NOT_APPLICABLE,
        "exposed schemas: public, graphql_public (the platform default: pgrst.db_schemas is not set)",
    ]
    code, out, err = run_cli(capsys, "--db-url", db_url, "--json")
    assert (code, json.loads(out)) == (0, [])
    assert err.splitlines() == [f"note: {line}" for line in NOT_APPLICABLE]


def test_command_exit_3_with_findings_human_and_json(db_url, capsys):
    execute(db_url, "create table public.ledger (id bigint primary key); grant select on public.ledger to anon")
    code, out, err = run_cli(capsys, "--db-url", db_url)
    assert code == 3 and err == ""
    assert "ERROR 0013 rls_disabled_in_public  public.ledger" in out
    assert "fix: alter table public.ledger enable row level security;" in out
    assert "1 finding (1 ERROR)" in out

    code, out, _ = run_cli(capsys, "--db-url", db_url, "--json")
    assert code == 3
    (item,) = json.loads(out)
    assert item["id"] == "0013" and item["name"] == "rls_disabled_in_public" and item["level"] == "ERROR"
    assert item["object"] == "public.ledger" and item["sql"] == "alter table public.ledger enable row level security;"
    assert set(item) == SPLINTER_FIELDS | {"id", "object", "message", "fix", "sql"}
    assert item["detail"] == "Table `public.ledger` is public, but RLS has not been enabled."
    assert item["cache_key"] == "rls_disabled_in_public_public_ledger" and item["categories"] == ["SECURITY"]
    assert item["metadata"] == {"schema": "public", "name": "ledger", "type": "table"}
    assert (
        item["remediation"]
        == "https://supabase.com/docs/guides/database/database-linter?lint=0013_rls_disabled_in_public"
    )


def test_command_unused_indexes_are_listed_with_all_and_never_counted(db_url, capsys):
    execute(db_url, owned_table("notes") + "create index notes_body_idx on public.notes (body);")
    code, out, _ = run_cli(capsys, "--db-url", db_url)
    assert code == 0 and "no findings: all 27 lints that apply here passed" in out
    assert "not counted: 1 INFO finding of 0005 unused_index (--all lists them)" in out
    code, out, _ = run_cli(capsys, "--db-url", db_url, "--all", "--json")
    (item,) = json.loads(out)
    assert code == 0 and (item["id"], item["cache_key"]) == ("0005", "unused_index_public_notes_notes_body_idx")
    assert item["fix"].endswith("drop index public.notes_body_idx;")


def test_command_schemas_comma_separated_or_repeated(db_url, capsys):
    execute(
        db_url,
        "create schema api; create table api.feed (id bigint primary key); grant select on api.feed to anon;",
    )
    for args in (["--schemas", "public,api"], ["--schemas", "public", "--schemas", "api"], ["--schema", "api"]):
        code, out, _ = run_cli(capsys, "--db-url", db_url, "--json", *args)
        assert code == 3 and [(f["id"], f["object"]) for f in json.loads(out)] == [("0013", "api.feed")], args
    code, out, _ = run_cli(capsys, "--db-url", db_url)
    assert code == 0 and "exposed schemas: public, graphql_public" in out


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


def test_command_exit_2_for_bad_usage(db_url, capsys, monkeypatch):
    monkeypatch.delenv("MUSEKIT_DB_URL", raising=False)
    assert main(["verify"]) == 2
    err = capsys.readouterr().err
    assert "--db-url" in err and "MUSEKIT_DB_URL" in err
    code, out, err = run_cli(capsys, "--db-url", f"postgresql://postgres:{SECRET}@x@127.0.0.1/x")
    assert (code, out) == (2, "") and "percent-encode" in err and SECRET not in err
    code, out, err = run_cli(capsys, "--db-url", db_url, "--schema", "public", "--schema", "nope")
    assert (code, out) == (2, "") and "schema nope does not exist" in err


async def test_a_lint_run_costs_a_few_round_trips_not_one_per_check(db_url, monkeypatch):
    """Every check's first query goes in one pipeline (lints.catalog.fetched_ahead): a hosted project is
    tens of milliseconds away, and a verify used to wait for about 30 round trips."""
    execute(db_url, owned_table("notes"))
    trips: list[str] = []
    real = psycopg.AsyncConnection.execute

    async def counted(self, query, params=None, **kwargs):
        if self._pipeline is None:  # outside a pipeline, each execute waits for its answer
            trips.append(str(query)[:40])
        return await real(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", counted)
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        findings = await run_lints(conn)
    monkeypatch.undo()
    assert findings == await lint(db_url)  # the same findings as a run on its own connection
    assert len(trips) <= 8, trips
