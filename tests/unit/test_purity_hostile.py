"""The static core-purity guard against hostile or careless Muse SQL (issue 11): transaction
control, catalog names and search_path, changes outside the tables, settings that change how SQL
is read, and writes to core rows, each also where it hides (DO blocks, function and procedure
bodies, the constant string an EXECUTE runs, WITH queries)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from wizard.guard import RULES, PurityFinding, catalog_name_clash, check_static, format_findings
from wizard.muses import core_files, load_template
from wizard.muses.templates import TemplateError
from wizard.settings import core_migrations_dir
from wizard.sql import SchemaModel, SqlSource, parse_sql_files, parse_sql_paths

MUSE_FILE = "templates/muses/hostile/migrations/20270101000000_hostile.sql"
PREAMBLE = """-- hostile Muse
create table public.hx_notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade
);
alter table public.hx_notes enable row level security;
create policy hx_notes_own on public.hx_notes for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
"""
LINE = PREAMBLE.count("\n") + 2  # one blank line, then the payload


@cache
def core() -> SchemaModel:
    return parse_sql_paths(sorted(core_migrations_dir().glob("*.sql")))


def check(payload: str, writes: tuple[str, ...] = ()) -> list[PurityFinding]:
    return check_static([SqlSource(MUSE_FILE, PREAMBLE + "\n" + payload + "\n")], core(), core_data_writes=writes)


def errors_of(payload: str, writes: tuple[str, ...] = ()) -> list[PurityFinding]:
    return [f for f in check(payload, writes) if f.is_error]


def assert_refused(payload: str, rule: str, named: str = "", line: int = LINE) -> PurityFinding:
    """The payload gets an error of `rule` at `line`, in the PurityFinding format, saying what to do."""
    findings = check(payload)
    hits = [f for f in findings if f.rule == rule and f.is_error]
    assert hits, f"no {rule} error for:\n{payload}\n---\n{format_findings(findings)}"
    hit = hits[0]
    assert (hit.file, hit.line, hit.severity) == (MUSE_FILE, line, "error"), format_findings(findings)
    assert rule in RULES
    assert named in hit.message, hit.message
    assert hit.message[0].isupper() and hit.message.rstrip().endswith("."), hit.message
    assert hit.message.count(". ") >= 1, f"says what is wrong but not what to do: {hit.message}"
    assert hit.statement and str(hit).startswith(f"{MUSE_FILE}:{line}: error [{rule}] ")
    return hit


def do_block(*statements: str) -> str:
    return "do $$\nbegin\n" + "".join(f"  {s};\n" for s in statements) + "end $$;"


def function_body(*statements: str, name: str = "public.hx_helper", kind: str = "function") -> str:
    returns = "" if kind == "procedure" else " returns void"
    return (
        f"create {kind} {name}(){returns} language plpgsql as $$\nbegin\n"
        + "".join(f"  {s};\n" for s in statements)
        + "end $$;"
    )


# --- 1. transaction control ------------------------------------------------------------------------

TRANSACTION_CONTROL = [
    ("commit;", "COMMIT"),
    ("rollback;", "ROLLBACK"),
    ("end;", "COMMIT"),
    ("abort;", "ROLLBACK"),
    ("begin;", "BEGIN"),
    ("start transaction;", "START TRANSACTION"),
    ("commit and chain;", "COMMIT AND CHAIN"),
    ("savepoint hx;", "SAVEPOINT"),
    ("release savepoint hx;", "RELEASE SAVEPOINT"),
    ("rollback to savepoint hx;", "ROLLBACK TO SAVEPOINT"),
    ("prepare transaction 'hx';", "PREPARE TRANSACTION"),
    ("commit prepared 'hx';", "COMMIT PREPARED"),
    ("rollback prepared 'hx';", "ROLLBACK PREPARED"),
    ("set transaction isolation level serializable;", "SET TRANSACTION"),
    ("set session characteristics as transaction read only;", "SET SESSION CHARACTERISTICS"),
    ("set default_transaction_read_only = on;", "default_transaction_read_only"),
    ("select set_config('transaction_read_only', 'on', true);", "transaction_read_only"),
    (do_block("commit"), "COMMIT"),
    (do_block("rollback and chain"), "ROLLBACK AND CHAIN"),
    (do_block("execute 'commit'"), "COMMIT"),
    (do_block("execute $q$do $x$ begin commit; end $x$ $q$"), "COMMIT"),
    (function_body("insert into public.hx_notes (user_id) values (null)", "commit", kind="procedure"), "COMMIT"),
    ("create procedure public.hx_p() language sql as $$ commit $$;", "COMMIT"),
    (function_body("set transaction read only"), "SET TRANSACTION"),
]


@pytest.mark.parametrize(("payload", "named"), TRANSACTION_CONTROL, ids=[p[0][:40] for p in TRANSACTION_CONTROL])
def test_transaction_control_is_an_error(payload, named):
    assert_refused(payload, "transaction-control", named)


def test_commit_mid_file_is_refused_at_its_own_line():
    findings = check("create table public.hx_a (id int);\ncommit;\nalter table public.hx_a enable row level security;")
    [hit] = [f for f in findings if f.rule == "transaction-control"]
    assert hit.line == LINE + 1 and hit.statement == "commit"
    assert "outside the guard" in hit.message


def test_call_of_a_procedure_the_muse_does_not_create_is_an_error():
    hit = assert_refused("call public.somebody_elses_procedure();", "procedure-call", "public.somebody_elses_procedure")
    assert "does not create" in hit.message
    assert_refused("call private.is_org_member('00000000-0000-0000-0000-000000000000');", "procedure-call")
    assert_refused(do_block("call public.somebody_elses_procedure()"), "procedure-call")


def test_call_of_a_muse_procedure_that_commits_is_an_error_at_the_call_too():
    payload = (
        function_body(
            "update public.hx_notes set user_id = user_id", "commit", name="public.hx_batch", kind="procedure"
        )
        + "\ncall public.hx_batch();"
    )
    findings = errors_of(payload)
    assert [(f.rule, f.line) for f in findings] == [("transaction-control", LINE), ("procedure-call", LINE + 5)]
    assert "whose body ends or splits the transaction" in findings[1].message


def test_call_of_a_procedure_that_calls_a_committing_one_is_an_error():
    payload = (
        function_body("commit", name="public.hx_inner", kind="procedure")
        + "\n"
        + function_body("call public.hx_inner()", name="public.hx_outer", kind="procedure")
        + "\ncall public.hx_outer();"
    )
    calls = [f for f in errors_of(payload) if f.rule == "procedure-call"]
    assert [(f.line, f.statement) for f in calls] == [
        (LINE + 4, "create procedure public.hx_outer() language plpgsql as $$ begin call public.hx_inner(); end $$"),
        (LINE + 8, "call public.hx_outer()"),
    ]
    assert "Inside the body of function public.hx_outer" in calls[0].message


def test_call_of_the_muses_own_procedure_without_transaction_control_is_allowed():
    payload = (
        function_body("update public.hx_notes set user_id = user_id", name="public.hx_touch", kind="procedure")
        + "\ncall public.hx_touch();\ncall hx_touch();"
    )
    assert check(payload) == []


# --- 2. catalog names and search_path --------------------------------------------------------------

CATALOG_NAMES = [
    ("create view public.pg_attribute as select 1 as attrelid;", "pg_catalog.pg_attribute"),
    (
        "create function public.pg_get_expr(pg_node_tree, oid) returns text language sql as $$ select 'x' $$;",
        "pg_catalog.pg_get_expr",
    ),
    ("create table public.pg_class (oid oid);", "pg_catalog.pg_class"),
    ("create temporary view pg_namespace as select 1 as oid;", "pg_catalog.pg_namespace"),
    ("create type public.pg_type as enum ('x');", "pg_catalog.pg_type"),
    ("create sequence public.pg_hx_seq;", "pg_catalog.pg_hx_seq"),
    ("create index pg_hx_idx on public.hx_notes (user_id);", "pg_hx_idx"),
    ("create materialized view public.pg_roles as select 1 as oid;", "pg_catalog.pg_roles"),
    ("create view public.tables as select 1 as table_name;", "information_schema.tables"),
    ("create table public.columns (id int);", "information_schema.columns"),
    ("create domain public.sql_identifier as text;", "information_schema.sql_identifier"),
    ("create function public._pg_expandarray() returns int language sql as $$ select 1 $$;", "_pg_expandarray"),
    ("alter table public.hx_notes rename to pg_class;", "pg_catalog.pg_class"),
    (do_block("execute 'create view public.pg_attribute as select 1 as attrelid'"), "pg_catalog.pg_attribute"),
]


@pytest.mark.parametrize(("payload", "named"), CATALOG_NAMES, ids=[p[0][:40] for p in CATALOG_NAMES])
def test_muse_objects_named_like_catalog_objects_are_refused(payload, named):
    assert_refused(payload, "catalog-name", named)


def test_catalog_name_clash_names_the_catalog_object_and_leaves_plain_names_alone():
    assert catalog_name_clash("pg_attribute") == "a system object (pg_catalog.pg_attribute)"
    assert catalog_name_clash("_pg_expandarray") == "information_schema._pg_expandarray"
    assert catalog_name_clash("views") == "information_schema.views"
    assert catalog_name_clash("hx_notes") is None and catalog_name_clash("page_views") is None


SEARCH_PATH = [
    "set search_path = public, pg_catalog;",
    "set search_path to private;",
    "set local search_path = public;",
    "set session search_path = '';",
    "set schema 'public';",
    "reset search_path;",
    "select set_config('search_path', 'public, pg_catalog', false);",
    "select pg_catalog.set_config('search_path', 'public', true);",
    "select * from set_config('search_path', 'public', false);",
    do_block("perform set_config('search_path', 'public', false)"),
    do_block("set search_path = public"),
    do_block("execute 'set search_path = public'"),
    function_body("set local search_path = public, pg_catalog"),
    "create function public.hx_sp() returns text language sql as $$ select set_config('search_path', 'x', false) $$;",
]


@pytest.mark.parametrize("payload", SEARCH_PATH, ids=[p[:40] for p in SEARCH_PATH])
def test_changing_search_path_for_the_session_is_an_error(payload):
    assert_refused(payload, "search-path", "search_path")


def test_a_muse_functions_own_search_path_is_allowed():
    payload = """create function public.hx_count() returns bigint language sql stable
  set search_path = '' as $$ select count(*) from public.hx_notes $$;
alter function public.hx_count() set search_path = public, pg_catalog;"""
    assert check(payload) == []


# --- 3. changes outside the tables -----------------------------------------------------------------

OUTSIDE_THE_TABLES = [
    ("alter role authenticated bypassrls;", "role-change", "authenticated"),
    ("alter user authenticated with superuser;", "role-change", "authenticated"),
    ("create role hx_bot login;", "role-change", "hx_bot"),
    ("drop role anon;", "role-change", "anon"),
    ("grant service_role to authenticated;", "role-change", "service_role"),
    ("revoke authenticated from postgres;", "role-change", "authenticated"),
    ("alter role authenticated set statement_timeout = 0;", "role-change", "authenticated"),
    ("alter role all set search_path = public;", "role-change", "all"),
    ("alter role anon rename to hx;", "role-change", "anon"),
    ("set role service_role;", "role-change", "role"),
    ("reset role;", "role-change", "role"),
    ("set session authorization postgres;", "role-change", "session_authorization"),
    (do_block("alter role authenticated bypassrls"), "role-change", "Inside this DO block"),
    (do_block("execute 'alter role authenticated bypassrls'"), "role-change", "authenticated"),
    (function_body("grant service_role to authenticated"), "role-change", "public.hx_helper"),
    ("alter database postgres set search_path = private, public;", "database-change", "database-wide"),
    ("alter database postgres reset all;", "database-change", "database-wide"),
    ("alter system set log_statement = 'none';", "database-change", "database-wide"),
    ("grant all on database postgres to anon;", "database-change", "database postgres"),
    ("grant set on parameter session_replication_role to authenticated;", "database-change", "parameter"),
    ("create event trigger hx_ddl on ddl_command_start execute function public.hx_f();", "database-change", "hx_ddl"),
    ("drop event trigger hx_ddl;", "database-change", "hx_ddl"),
    ("create server hx_remote foreign data wrapper postgres_fdw;", "database-change", "hx_remote"),
    (do_block("alter database postgres set row_security = off"), "database-change", "DO block"),
    ("alter default privileges grant all on tables to anon;", "default-privileges", "default privileges"),
    (
        "alter default privileges in schema public grant execute on functions to anon;",
        "default-privileges",
        "default privileges",
    ),
    (do_block("alter default privileges grant select on tables to anon"), "default-privileges", "DO block"),
    ("create extension if not exists hstore;", "extension", "hstore"),
    ("alter extension pgcrypto update;", "extension", "pgcrypto"),
    ("drop extension pgcrypto;", "extension", "pgcrypto"),
    ("create language plperl;", "extension", "plperl"),
    ("create trusted language hx_lang handler hx_handler;", "extension", "hx_lang"),
    ("create publication hx_pub for all tables;", "publication", "hx_pub"),
    ("alter publication supabase_realtime add table public.hx_notes;", "publication", "supabase_realtime"),
    ("copy public.hx_notes from program 'id';", "server-access", "program 'id'"),
    ("copy public.hx_notes to '/tmp/hx.csv';", "server-access", "file '/tmp/hx.csv'"),
    ("copy (select 1) to program 'cat > /tmp/hx';", "server-access", "program"),
    ("load 'auto_explain';", "server-access", "library 'auto_explain'"),
    (
        "create function public.hx_c() returns int language c as '$libdir/hx', 'hx';",
        "server-access",
        "language c",
    ),
    (do_block("execute 'copy public.hx_notes from program ''id'''"), "server-access", "program"),
]


@pytest.mark.parametrize(
    ("payload", "rule", "named"), OUTSIDE_THE_TABLES, ids=[p[1] + ":" + p[0][:40] for p in OUTSIDE_THE_TABLES]
)
def test_changes_outside_the_tables_are_errors(payload, rule, named):
    assert_refused(payload, rule, named)


def test_sql_and_plpgsql_bodies_are_read_statement_by_statement():
    payload = """create function public.hx_all() returns void language plpgsql as $$
declare n int;
begin
  if (select count(*) from public.hx_notes) > 0 then
    alter role authenticated bypassrls;
  end if;
  for n in select 1 loop
    grant service_role to authenticated;
  end loop;
  n := (select 1);
end $$;
create function public.hx_sql() returns void language sql as 'alter role anon bypassrls';"""
    findings = errors_of(payload)
    assert {(f.rule, f.line) for f in findings} == {("role-change", LINE), ("role-change", LINE + 11)}
    assert {m for f in findings for m in ("authenticated", "service_role", "anon") if m in f.message} == {
        "authenticated",
        "service_role",
        "anon",
    }


def test_execute_of_a_computed_string_stays_a_dynamic_sql_warning():
    payloads = [
        do_block("execute 'alter role ' || 'authenticated bypassrls'"),
        do_block("execute format('alter role %I bypassrls', 'authenticated')"),
        "create function public.hx_run(q text) returns void language plpgsql as $$ begin execute q; end $$;",
        "create function public.hx_py() returns int language plpython3u as $$ return 1 $$;",
    ]
    for payload in payloads:
        findings = check(payload)
        assert [(f.rule, f.severity) for f in findings] == [("dynamic-sql", "warning")], payload
        assert "fingerprint" in findings[0].message


def test_a_do_block_the_check_reads_entirely_is_not_dynamic():
    payload = do_block("insert into public.hx_notes (user_id) select id from public.users", "perform 1")
    assert check(payload) == []


# --- 4. settings that change how SQL is read -------------------------------------------------------

# With standard_conforming_strings on (how pglast, and so the check, reads it) this is ONE
# harmless SELECT of two strings; with it off the server reads `\'` as a quote inside the first
# string, so the SELECT ends at the `;` and an ALTER ROLE runs.
HIDDEN_BY_SCS = "select 'hx\\' as a, ' ; alter role authenticated bypassrls; -- ' as b;"


def test_a_statement_hidden_from_the_parser_by_standard_conforming_strings_is_refused_first():
    sql = "set standard_conforming_strings = off;\n" + HIDDEN_BY_SCS
    model = parse_sql_files([SqlSource(MUSE_FILE, sql)])
    assert [s.kind for s in model.statements] == ["VariableSetStmt", "SelectStmt"]  # what pglast sees
    assert not any(e.target.kind == "role" for s in model.statements for e in s.effects)
    hit = assert_refused("set standard_conforming_strings = off;\n" + HIDDEN_BY_SCS, "sql-reading")
    assert "standard_conforming_strings" in hit.message and "something other than what was checked" in hit.message


SQL_READING = [
    ("set standard_conforming_strings = off;", "standard_conforming_strings"),
    ("SET Standard_Conforming_Strings TO off;", "standard_conforming_strings"),
    ("set local standard_conforming_strings = off;", "standard_conforming_strings"),
    ("reset standard_conforming_strings;", "standard_conforming_strings"),
    ("select set_config('standard_conforming_strings', 'off', false);", "standard_conforming_strings"),
    ("select pg_catalog.set_config('STANDARD_CONFORMING_STRINGS', 'off', true);", "standard_conforming_strings"),
    ("set backslash_quote = on;", "backslash_quote"),
    ("set escape_string_warning = off;", "escape_string_warning"),
    ("set client_encoding = 'SQL_ASCII';", "client_encoding"),
    ("set names 'LATIN1';", "client_encoding"),
    ("set transform_null_equals = on;", "transform_null_equals"),
    (do_block("perform set_config('standard_conforming_strings', 'off', false)"), "DO block"),
    (do_block("execute 'set backslash_quote = on'"), "backslash_quote"),
    (function_body("set client_encoding = 'LATIN1'"), "client_encoding"),
    ("create default conversion public.hx_conv for 'LATIN1' to 'UTF8' from iso8859_1_to_utf8;", "conversion"),
]


@pytest.mark.parametrize(("payload", "named"), SQL_READING, ids=[p[0][:40] for p in SQL_READING])
def test_settings_that_change_how_sql_is_read_are_errors(payload, named):
    assert_refused(payload, "sql-reading", named)


SESSION = [
    ("set session_replication_role = replica;", "session_replication_role"),
    ("reset all;", "RESET ALL"),
    ("select set_config(current_setting('hx.name'), 'off', false);", "computed"),
]


@pytest.mark.parametrize(("payload", "named"), SESSION, ids=[p[0][:40] for p in SESSION])
def test_session_settings_the_run_relies_on_are_errors(payload, named):
    assert_refused(payload, "session-setting", named)


def test_harmless_settings_stay_allowed():
    payload = """set local statement_timeout = '5s';
set check_function_bodies = off;
set client_min_messages = warning;
select set_config('request.jwt.claims', '{}', true);"""
    assert check(payload) == []


# --- 5. writes to rows of core tables --------------------------------------------------------------

CORE_WRITES = [
    ("delete from public.organizations where true;", "public.organizations"),
    ("insert into public.feature_flags (key, enabled) values ('hx.beta', true);", "public.feature_flags"),
    ("update public.users set full_name = 'x';", "public.users"),
    (
        "merge into public.feature_flags f using (select 'hx' as key) s on f.key = s.key "
        "when not matched then insert (key, enabled) values (s.key, true);",
        "public.feature_flags",
    ),
    ("copy public.products from stdin;", "public.products"),
    ("with gone as (delete from public.memberships returning 1) select count(*) from gone;", "public.memberships"),
    (
        "insert into public.hx_notes (user_id) select id from public.users "
        "where id in (with x as (update public.users set full_name = '' returning id) select id from x);",
        "public.users",
    ),
    ("explain analyze delete from public.organizations;", "public.organizations"),
    (
        "create rule hx_echo as on insert to public.hx_notes do also delete from public.memberships;",
        "public.memberships",
    ),
    (do_block("delete from public.organizations where personal"), "Inside this DO block"),
    (do_block("execute 'delete from public.organizations'"), "public.organizations"),
    (function_body("update public.users set full_name = 'x'"), "public.hx_helper"),
    (
        "create function public.hx_wipe() returns void language sql as $$ delete from public.audit_logs $$;",
        "public.audit_logs",
    ),
    (
        "create function public.hx_atomic() returns void language sql begin atomic; "
        "delete from public.notifications; end;",
        "public.notifications",
    ),
]


@pytest.mark.parametrize(("payload", "named"), CORE_WRITES, ids=[p[0][:40] for p in CORE_WRITES])
def test_undeclared_writes_to_core_rows_are_errors(payload, named):
    hit = assert_refused(payload, "core-data", named)
    assert "core_data_writes" in hit.message


def test_truncating_a_core_table_is_an_error():
    assert_refused("truncate public.audit_logs;", "core-truncate", "public.audit_logs")
    assert_refused(do_block("truncate public.metrics"), "core-truncate", "public.metrics")


def test_a_declared_write_is_a_warning_that_says_so():
    writes = ("public.feature_flags",)
    for payload in (
        "insert into public.feature_flags (key, enabled) values ('hx.beta', true) on conflict do nothing;",
        do_block("update public.feature_flags set enabled = false where key = 'hx.beta'"),
        "truncate public.feature_flags;",
    ):
        findings = check(payload, writes)
        assert [(f.rule, f.severity, f.line) for f in findings] == [("core-data", "warning", LINE)], payload
        assert "declares in muse.toml (core_data_writes)" in findings[0].message
    # a declaration covers the tables it names, nothing else, and never a truncate that cascades
    assert_refused_with(writes, "delete from public.organizations;", "core-data")
    assert_refused_with(writes, "truncate public.feature_flags cascade;", "core-truncate")


def assert_refused_with(writes: tuple[str, ...], payload: str, rule: str) -> None:
    assert [(f.rule, f.severity) for f in check(payload, writes)] == [(rule, "error")], payload


def test_plain_explain_and_reads_of_core_rows_are_fine():
    payload = """explain delete from public.organizations;
select count(*) from public.organizations;
insert into public.hx_notes (user_id) select id from public.users;"""
    assert check(payload) == []


def write_template(root: Path, toml_extra: str) -> Path:
    folder = root / "hx"
    (folder / "migrations").mkdir(parents=True)
    last = max(f.version for f in core_files())
    (folder / "muse.toml").write_text(
        f'name = "hx"\ndescription = "hostile"\nversion = "0.1.0"\ncore_version = "{last}"\n{toml_extra}'
    )
    (folder / "migrations" / "20270101000000_hx.sql").write_text(PREAMBLE)
    return folder


def test_manifest_declares_core_data_writes(tmp_path):
    template = load_template(write_template(tmp_path, 'core_data_writes = ["public.feature_flags"]\n'))
    assert template.manifest.core_data_writes == ["public.feature_flags"]


@pytest.mark.parametrize("entry", ["public.nope", "feature_flags", "auth.users", "public.hx_notes"])
def test_manifest_refuses_a_core_data_write_that_is_not_a_core_table(tmp_path, entry):
    folder = write_template(tmp_path, f'core_data_writes = ["{entry}"]\n')
    with pytest.raises(TemplateError) as caught:
        load_template(folder)
    text = str(caught.value)
    assert str(folder / "muse.toml") in text and repr(entry) in text and "public.feature_flags" in text


# --- 6. every rule has its entry --------------------------------------------------------------------


def test_every_finding_of_this_file_has_a_known_rule_and_a_severity():
    payloads = [p for p, *_ in (*TRANSACTION_CONTROL, *CATALOG_NAMES, *OUTSIDE_THE_TABLES, *SQL_READING, *CORE_WRITES)]
    for payload in payloads:
        for finding in check(payload):
            assert finding.rule in RULES and finding.severity in ("error", "warning"), finding


# --- the statements sent are the statements checked --------------------------------------------------

SPLIT_SMUGGLING = [
    # `realtor$$` is one identifier and the rest a comment to the parser; a dollar quote to the splitter
    "select 1 as realtor$$ -- $$; insert into public.memberships (org_id, user_id, role) select id, id, 'owner' from public.organizations;",
    # a dollar-quote tag the splitter does not take for one (not an ASCII letter)
    "select $€$ ; insert into public.feature_flags (key, enabled) values ('smuggled', true); $€$;",
    # an escaped quote the splitter and the parser end at different places
    "select E'a\\'; insert'; select 1;",
]


@pytest.mark.parametrize("payload", SPLIT_SMUGGLING)
def test_sql_the_splitter_and_the_parser_read_differently_is_refused(payload):
    """The engine sends the splitter's pieces; the rules read the parser's statements. Where the two differ,
    SQL could run that no rule saw (found in review: an insert into core rows ran behind a harmless SELECT)."""
    hit = assert_refused(payload, "split-mismatch")
    assert "Write the SQL so both read it the same way" in hit.message


def test_the_shipped_templates_are_read_the_same_by_the_splitter_and_the_parser():
    from wizard.guard import split_findings

    for slug in ("socioscheduler", "realtor"):
        sources = [SqlSource(str(f.path), f.text) for f in load_template(slug).files]
        assert split_findings(sources) == []
    assert split_findings([SqlSource(str(f.path), f.text) for f in core_files()]) == []


# --- found in review: name resolution the model and the server read differently ---------------------

TEMPORARY = [
    # the Muse's own table, then a temporary one of the same name: the unqualified ALTER and CREATE POLICY
    # reach the temporary table, and public.notes was left without row level security
    "create temp table hx_notes (id int);",
    "create temporary view hx_v as select 1;",
    "select 1 as id into temp hx_t;",
    "create temp table hx_t2 as select 1 as id;",
    "create temporary sequence hx_s;",
    "create table pg_temp.hx_x (id int);",
    "create function pg_temp.hx_f() returns int language sql as 'select 1';",
]


@pytest.mark.parametrize("payload", TEMPORARY)
def test_temporary_objects_are_refused(payload):
    assert_refused(payload, "temporary-object", "pg_temp.hx_")


def test_a_temporary_twin_cannot_take_the_rls_meant_for_a_muse_table():
    payload = """create temp table hx_notes (id int);
alter table hx_notes enable row level security;
create policy hx_own on hx_notes using (true);"""
    assert [f.rule for f in errors_of(payload)] == ["temporary-object"]


OPERATORS = [
    "create operator public.|| (leftarg = name, rightarg = text, function = public.hx_label);",
    "alter operator public.||(name, text) set (restrict = eqsel);",
    "create operator class hx_ops for type int using btree as operator 1 <;",
    "create operator family hx_family using btree;",
    "alter operator family hx_family using btree add operator 1 <(int, int);",
    "create cast (int as text) with function public.hx_label(int);",
]


@pytest.mark.parametrize("payload", OPERATORS)
def test_operators_and_casts_are_refused(payload):
    """public.||(name, text) is an exact match for `nspname || '.'`: it took over the guard's own query (found in
    review), and would take over core SQL run later with public on the search_path."""
    assert_refused(payload, "operator", "Write a function with a name of the Muse's own")


@pytest.mark.parametrize("how", ["update", "delete", "insert"])
def test_writes_into_a_muse_view_over_a_core_table_are_writes_into_core_rows(how):
    write = {
        "update": "update public.hx_members set role = 'owner';",
        "delete": "delete from public.hx_trail;",
        "insert": "insert into public.hx_trail (action, target) values ('x', 'y');",
    }[how]
    payload = f"""create view public.hx_members as select * from public.memberships;
create view public.hx_trail0 as select * from public.audit_logs;
create view public.hx_trail as select * from public.hx_trail0;
{write}
drop view public.hx_members;"""
    core_table = "public.memberships" if how == "update" else "public.audit_logs"
    hits = [f for f in errors_of(payload) if f.rule == "core-data"]
    assert len(hits) == 1 and core_table in hits[0].message and "through view public.hx_" in hits[0].message, hits
    assert hits[0].line == LINE + 3


def test_writes_into_a_muse_view_over_its_own_table_are_fine():
    payload = """create view public.hx_mine with (security_invoker = true) as select * from public.hx_notes;
insert into public.hx_mine (user_id) select id from public.users;"""
    assert errors_of(payload) == []


def test_a_schema_named_like_the_migrating_role_is_refused():
    """search_path starts with "$user": in a schema named postgres, unqualified names would resolve there first."""
    assert_refused("create schema postgres;", "schema-reserved", 'starts with "$user"')
    findings = check_static(
        [SqlSource(MUSE_FILE, PREAMBLE + "\ncreate table postgres.hx (id int);\n")],
        core(),
        declared_schemas=["postgres"],
    )
    assert [(f.rule, f.severity) for f in findings] == [("schema-reserved", "error")]


VIEWS_AROUND_RLS = {
    "a plain view over a core table": "create view public.hx_all_users as select * from public.users;",
    "a plain view over the Muse's table": "create view public.hx_all_notes as select * from public.hx_notes;",
    "security_invoker reset later": "create view public.hx_v with (security_invoker) as select * from public.hx_notes;\n"
    "alter view public.hx_v reset (security_invoker);",
    "security_invoker turned off later": "create view public.hx_v with (security_invoker = true) as select 1 as id;\n"
    "alter view public.hx_v set (security_invoker = false);",
    "a materialized view in public": "create materialized view public.hx_mv as select * from public.hx_notes;",
}


@pytest.mark.parametrize("how", list(VIEWS_AROUND_RLS))
def test_a_view_row_level_security_does_not_hold_through_is_refused(how):
    """Supabase grants the API's roles what is made in public: a view with its owner's rights (the default)
    showed every row of public.users to anon, and neither the static check nor the apply said a word."""
    hit = assert_refused(VIEWS_AROUND_RLS[how], "view-rls", "public.hx_")
    assert "security_invoker" in hit.message


def test_views_row_level_security_holds_through_are_fine():
    payload = """create view public.hx_mine with (security_invoker = true) as select * from public.hx_notes;
create view public.hx_on with (security_invoker = on) as select u.email from public.users u;"""
    assert errors_of(payload) == []


def test_a_view_with_its_owners_rights_is_refused_in_a_declared_schema_too_a_materialized_one_is_not():
    """A view of public with security_invoker over a view with its owner's rights in a declared schema read every
    membership for anon (found in review): the view below is what has to say security_invoker."""
    sql = PREAMBLE + "\ncreate schema hx_private;\ncreate view hx_private.all_notes as select * from public.hx_notes;\n"
    sql += "create materialized view hx_private.counts as select count(*) from public.hx_notes;\n"
    findings = check_static([SqlSource(MUSE_FILE, sql)], core(), declared_schemas=["hx_private"])
    assert [(f.rule, f.line) for f in findings] == [("view-rls", LINE + 1)]
    assert "hx_private.all_notes" in findings[0].message


# --- found in the second review: what runs later, with its owner's rights -----------------------------

AFTER_THE_GUARD = {
    # anon called it through the API and read every user
    "a definer function in public": (
        "create function public.hx_authors() returns setof public.users language sql stable security definer "
        "set search_path = '' as $$ select * from public.users $$;",
        "is in public",
    ),
    "a definer function reading core rows elsewhere": (
        "create function hx_private.authors() returns setof public.users language sql stable security definer "
        "set search_path = '' as $$ select * from public.users $$;",
        "reads or writes public.users",
    ),
    # anon made a member the owner of someone else's organization, months after the apply
    "a definer function with dynamic SQL": (
        "create function hx_private.promote() returns void language plpgsql security definer set search_path = '' "
        "as $$ begin execute format('update %I.%I set role = %L', 'public', 'memberships', 'owner'); end $$;",
        "runs SQL built at run time",
    ),
    "a definer function writing core rows through a view made after it": (
        "create function hx_private.join_team(o uuid) returns void language plpgsql security definer "
        "set search_path = '' as $$ begin insert into public.hx_roster (org_id, user_id, role) "
        "values (o, auth.uid(), 'owner'); end $$;\n"
        "create view public.hx_roster with (security_invoker = true) as select * from public.memberships;",
        "public.memberships",
    ),
    "made definer after its creation": (
        "create function hx_private.n() returns bigint language sql as 'select count(*) from public.hx_notes';\n"
        "alter function hx_private.n() security definer;",
        "Makes hx_private.n a security definer function",
    ),
}


@pytest.mark.parametrize("how", list(AFTER_THE_GUARD))
def test_a_security_definer_function_row_level_security_would_not_hold_through_is_refused(how):
    payload, said = AFTER_THE_GUARD[how]
    sql = PREAMBLE + "\ncreate schema hx_private;\n" + payload + "\n"
    findings = check_static([SqlSource(MUSE_FILE, sql)], core(), declared_schemas=["hx_private"])
    hits = [f for f in findings if f.rule == "definer-function"]
    assert len(hits) == 1 and hits[0].severity == "error" and said in hits[0].message, format_findings(findings)
    assert "Make it security invoker" in hits[0].message


def test_any_security_definer_function_is_refused_even_one_reading_only_the_muses_tables():
    """It runs as core's owner: a Muse function of its caller's rights that it calls read api_keys for anon, and
    one running EXECUTE let anon rewrite public.users (found in the fourth review)."""
    sql = PREAMBLE + "\ncreate schema hx_private;\ncreate function hx_private.notes() returns bigint language sql "
    sql += "stable security definer set search_path = '' as $$ select count(*) from public.hx_notes $$;\n"
    sql += "create function hx_private.run(q text) returns void language sql security definer "
    sql += "as $$ select public.hx_exec(q) $$;\n"
    findings = check_static([SqlSource(MUSE_FILE, sql)], core(), declared_schemas=["hx_private"])
    assert [(f.rule, f.line) for f in findings] == [("definer-function", LINE + 1), ("definer-function", LINE + 2)]
    assert all(f.severity == "error" and "Make it security invoker" in f.message for f in findings)


def test_a_write_through_a_view_renamed_or_moved_is_a_write_into_what_it_reads():
    payload = """create view public.hx_a with (security_invoker = true) as select * from public.memberships;
alter view public.hx_a rename to hx_b;
update public.hx_b set role = 'owner';"""
    hits = [f for f in errors_of(payload) if f.rule == "core-data"]
    assert len(hits) == 1 and "public.memberships (update through view public.hx_b)" in hits[0].message


def test_a_view_moved_into_public_is_judged_where_it_was_made():
    payload = """create view hx_app.people as select id, email from public.users;
alter view hx_app.people set schema public;"""
    findings = check_static(
        [SqlSource(MUSE_FILE, PREAMBLE + "\n" + payload + "\n")], core(), declared_schemas=["hx_app"]
    )
    assert [f.rule for f in findings] == ["view-rls"]


@pytest.mark.parametrize("function", ["private.handle_user_email_change", "private.handle_user_deleted"])
def test_a_muse_trigger_running_a_core_function_that_acts_on_core_rows_is_refused(function):
    """Fired by any user's write into a Muse table, core's function rewrote another user's email, or deleted
    their organization (found in review)."""
    payload = f"create trigger hx_t after insert on public.hx_notes for each row execute function {function}();"
    assert_refused(payload, "core-function-trigger", function)


def test_a_muse_trigger_may_use_cores_updated_at_helper():
    payload = "create trigger hx_touch before update on public.hx_notes for each row execute function private.set_updated_at();"
    assert check(payload) == []


# --- found in the third review: who the Muse's objects run as ----------------------------------------

FUNCTION_SET_CLAUSES = {
    "set role": (
        "create function public.hx_people() returns setof public.users language sql set role = 'service_role' "
        "as $$ select * from public.users $$;",
        "role-change",
    ),
    "alter function set role": ("alter function public.hx_helper() set role = 'service_role';", "role-change"),
    "session_authorization": (
        "create function public.hx_s() returns int language sql set session_authorization = 'postgres' as 'select 1';",
        "role-change",
    ),
    "session_replication_role": (
        "create function public.hx_r() returns int language sql set session_replication_role = 'replica' "
        "as 'select 1';",
        "session-setting",
    ),
    "request.jwt.claims": (
        "create function public.hx_j() returns int language sql set \"request.jwt.claims\" = '{}' as 'select 1';",
        "session-setting",
    ),
}


@pytest.mark.parametrize("how", list(FUNCTION_SET_CLAUSES))
def test_a_function_set_clause_that_changes_who_it_runs_as_is_refused(how):
    """Through PostgREST's authenticator, anon called a function with `set role = 'service_role'` (BYPASSRLS)
    and read and deleted every user (found in review)."""
    payload, rule = FUNCTION_SET_CLAUSES[how]
    assert_refused(payload, rule, "SET clause")


def test_a_function_pinning_its_search_path_and_a_timeout_is_fine():
    payload = """create function public.hx_n() returns bigint language sql stable
  set search_path = '' set statement_timeout = '5s' as $$ select count(*) from public.hx_notes $$;"""
    assert check(payload) == []


@pytest.mark.parametrize(
    "payload",
    [
        "alter table public.hx_notes owner to authenticated;",
        "alter function public.hx_helper() owner to service_role;",
        "alter view public.hx_v owner to anon;",
        "alter schema hx_private owner to authenticated;",
    ],
)
def test_giving_a_muse_object_to_another_role_is_refused(payload):
    """A table's owner is exempt from its row level security: owned by authenticated, every user read every
    diary (found in review)."""
    assert_refused(payload, "owner-change", "owner to")


def test_core_rows_copied_into_a_table_every_reader_may_read_in_full_are_refused():
    """A Muse copied every user's email and API key hash into a table with `for select to anon using (true)`
    (found in review): row level security held on the copy, and let everyone see all of it."""
    payload = """create table public.hx_directory (id uuid primary key, email text);
alter table public.hx_directory enable row level security;
create policy hx_dir_read on public.hx_directory for select to anon, authenticated using (true);
insert into public.hx_directory (id, email) select u.id, u.email from public.users u;"""
    hit = assert_refused(payload, "core-copy", "public.users into public.hx_directory", line=LINE + 3)
    assert "anon, authenticated" in hit.message


def test_a_copy_into_a_table_made_by_create_table_as_is_judged_the_same():
    payload = """create table public.hx_d2 as select id, email from public.users;
alter table public.hx_d2 enable row level security;
create policy hx_r on public.hx_d2 for select using (true);"""
    assert_refused(payload, "core-copy", "public.hx_d2")


def test_a_backfill_from_core_under_policies_tied_to_the_user_is_fine():
    payload = """create table public.hx_prefs (user_id uuid primary key references public.users (id));
alter table public.hx_prefs enable row level security;
create policy hx_own on public.hx_prefs for all to authenticated using (user_id = (select auth.uid()));
insert into public.hx_prefs (user_id) select id from public.users;"""
    assert check(payload) == []


def test_a_materialized_view_of_core_rows_is_refused_in_any_schema():
    """Under a security_invoker view of public, a materialized view of public.users in a declared schema showed
    every user's email to anon (found in review)."""
    sql = PREAMBLE + "\ncreate schema hx_cache;\ncreate materialized view hx_cache.people as select id, email "
    sql += "from public.users;\n"
    findings = check_static([SqlSource(MUSE_FILE, sql)], core(), declared_schemas=["hx_cache"])
    assert [(f.rule, f.line) for f in findings] == [("view-rls", LINE + 1)]
    assert "copy of rows of public.users" in findings[0].message


@pytest.mark.parametrize("using", ["1 = 1", "not false", "'a' = 'a'"])
def test_a_policy_true_for_every_row_however_written_opens_a_copy_of_core_rows(using):
    payload = f"""create table public.hx_dir (id uuid primary key, email text);
alter table public.hx_dir enable row level security;
create policy hx_all on public.hx_dir for select to authenticated using ({using});
insert into public.hx_dir select id, email from public.users;"""
    assert_refused(payload, "core-copy", "public.hx_dir", line=LINE + 3)


@pytest.mark.parametrize(
    "payload",
    [
        "create rule hx_copy as on insert to public.hx_notes do also insert into public.hx_notes (user_id) "
        "select id from public.users;",
        "create rule hx_echo as on insert to public.hx_notes do instead select id, email from public.users;",
    ],
)
def test_a_rule_of_the_muses_is_refused(payload):
    """A rule's actions run as the table's owner: an insert by anon copied core rows into an open table, or
    returned them (found in the fourth review)."""
    assert_refused(payload, "rule", "Use a trigger")


def test_core_rows_copied_by_an_update_from_core_are_judged_as_a_copy():
    payload = """create table public.hx_dir (id uuid primary key, email text);
alter table public.hx_dir enable row level security;
create policy hx_all on public.hx_dir for select to anon using (true);
update public.hx_dir d set email = u.email from public.users u where u.id = d.id;"""
    assert_refused(payload, "core-copy", "public.hx_dir", line=LINE + 3)


OPEN_POLICIES = {
    "id is not null": "create policy hx_all on public.hx_dir for select to anon using (id is not null);",
    "auth.uid() is not null": "create policy hx_all on public.hx_dir for select to authenticated "
    "using (auth.uid() is not null);",
}
COPIES_ELSEWHERE = {
    "in a function the migration calls": "create function public.hx_fill() returns void language plpgsql as $$ "
    "begin insert into public.hx_dir select id, email from public.users; end $$;\nselect public.hx_fill();",
    "in a trigger the migration fires": "create function public.hx_copy() returns trigger language plpgsql as $$ "
    "begin insert into public.hx_dir select id, email from public.users; return new; end $$;\n"
    "create trigger hx_t after insert on public.hx_notes for each row execute function public.hx_copy();",
    "in a DO block": "do $$ begin insert into public.hx_dir select id, email from public.users; end $$;",
}
DIR = """create table public.hx_dir (id uuid primary key, email text);
alter table public.hx_dir enable row level security;
"""


@pytest.mark.parametrize("how", list(OPEN_POLICIES))
def test_a_policy_that_reads_the_row_but_not_who_reads_it_opens_a_copy_of_core_rows(how):
    """`using (id is not null)` let anon read every copied email (found in the fourth review)."""
    payload = DIR + OPEN_POLICIES[how] + "\ninsert into public.hx_dir select id, email from public.users;"
    assert_refused(payload, "core-copy", "public.hx_dir", line=LINE + 3)


@pytest.mark.parametrize("how", list(COPIES_ELSEWHERE))
def test_a_copy_of_core_rows_made_inside_a_body_is_judged_as_a_copy(how):
    payload = DIR + "create policy hx_all on public.hx_dir for select to anon using (true);\n" + COPIES_ELSEWHERE[how]
    hits = [f for f in errors_of(payload) if f.rule == "core-copy"]
    assert len(hits) == 1 and "public.users into public.hx_dir" in hits[0].message, hits


@pytest.mark.parametrize(
    "using",
    ["user_id = (select auth.uid())", "private.is_org_member(org_id)", "(select auth.uid()) = user_id"],
)
def test_a_copy_under_policies_that_tie_each_row_to_its_reader_is_fine(using):
    payload = f"""create table public.hx_own (user_id uuid primary key references public.users (id), org_id uuid);
alter table public.hx_own enable row level security;
create policy hx_mine on public.hx_own for select to authenticated using ({using});
insert into public.hx_own (user_id) select id from public.users;"""
    assert check(payload) == []
