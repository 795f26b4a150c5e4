"""Hostile Muse templates (issue 11) applied with `musekit muses apply` against the embedded
Postgres: each is refused by the static guard (exit 3) before anything runs, and afterwards the
database is as it was: relations and columns, platform roles (attributes, memberships, settings),
database settings, default ACLs, extensions, publications, event triggers, migration history and
the rows of the core tables.

Also: the shipped list of catalog names covers the live catalog, and the standard_conforming_strings
payload really does hide a statement from the parser (so refusing it before it runs matters)."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.core_world import seed_world
from tests.support.muses_cli import GOOD_SQL, cli, write_muse
from wizard.guard import catalog_name_clash
from wizard.muses import core_model

PLATFORM_ROLES = ("anon", "authenticated", "service_role", "authenticator", "postgres")


def database_state(url: str) -> dict[str, object]:
    """Everything a Muse could change outside its own objects, and the public schema."""
    queries = {
        "columns": "select coalesce(array_agg(format('%s.%s %s', table_name, column_name, data_type) order by 1), "
        "'{}') from information_schema.columns where table_schema in ('public', 'private')",
        "relations": "select coalesce(array_agg(format('%s.%s', relnamespace::regnamespace, relname) order by 1), "
        "'{}') from pg_class where relnamespace::regnamespace::text in ('public', 'private')",
        "schemas": "select array_agg(nspname::text order by 1) from pg_namespace",
        "roles": "select array_agg(format('%s super=%s createrole=%s login=%s bypassrls=%s config=%s', rolname, "
        "rolsuper, rolcreaterole, rolcanlogin, rolbypassrls, rolconfig) order by 1) from pg_roles "
        f"where rolname in {PLATFORM_ROLES!r}",
        "memberships": "select coalesce(array_agg(format('%s in %s admin=%s', member::regrole, roleid::regrole, "
        "admin_option) order by 1), '{}') from pg_auth_members",
        "role_settings": "select coalesce(array_agg(format('%s/%s %s', setdatabase, setrole, setconfig) "
        "order by 1), '{}') from pg_db_role_setting",
        "default_acls": "select coalesce(array_agg(format('%s %s %s', defaclrole::regrole, defaclobjtype, "
        "defaclacl) order by 1), '{}') from pg_default_acl",
        "extensions": "select array_agg(extname::text order by 1) from pg_extension",
        "publications": "select coalesce(array_agg(format('%s all=%s', pubname, puballtables) order by 1), '{}') "
        "from pg_publication",
        "publication_tables": "select coalesce(array_agg(prrelid::regclass::text order by 1), '{}') "
        "from pg_publication_rel",
        "event_triggers": "select coalesce(array_agg(evtname::text order by 1), '{}') from pg_event_trigger",
    }
    with psycopg.connect(url, autocommit=True) as conn:
        state: dict[str, object] = {k: conn.execute(q).fetchone()[0] for k, q in queries.items()}
        schemas = state["schemas"]
        assert isinstance(schemas, list)
        state["history"] = (
            conn.execute(
                "select array_agg(version order by version) from supabase_migrations.schema_migrations"
            ).fetchone()[0]
            if "supabase_migrations" in schemas
            else None
        )
        tables = [t.name for t in core_model().tables]
        present = {
            r[0] for r in conn.execute("select relname::text from pg_class where relnamespace = 'public'::regnamespace")
        }
        state["rows"] = {
            t: conn.execute(f"select count(*) from public.{t}").fetchone()[0] for t in tables if t in present
        }
    return state


def do_block(*statements: str) -> str:
    return "do $$\nbegin\n" + "".join(f"  {s};\n" for s in statements) + "end $$;\n"


# (id, the Muse's SQL after a clean table, rules the refusal names)
REFUSED = [
    # 1. transaction control
    ("commit", "commit;\nalter table public.users add column hx_flag boolean;\n", ["transaction-control"]),
    ("savepoint", "savepoint hx;\nrelease savepoint hx;\n", ["transaction-control"]),
    (
        "procedure-commit",
        "create procedure public.hx_batch() language plpgsql as $$ begin commit; end $$;\ncall public.hx_batch();\n",
        ["transaction-control", "procedure-call"],
    ),
    ("set-transaction", "set transaction read only;\n", ["transaction-control"]),
    # 2. catalog shadowing
    (
        "shadow-pg-attribute",
        "create view public.pg_attribute as select * from pg_catalog.pg_attribute where attname <> 'hx';\n"
        "set search_path = public, pg_catalog;\n",
        ["catalog-name", "search-path"],
    ),
    (
        "shadow-function",
        "create function public.pg_get_expr(pg_node_tree, oid) returns text language sql as $$ select '' $$;\n",
        ["catalog-name"],
    ),
    ("set-config-search-path", "select set_config('search_path', 'public, pg_catalog', false);\n", ["search-path"]),
    # 3. outside the tables, also hidden in DO blocks and function bodies
    ("bypassrls-do", do_block("alter role authenticated bypassrls"), ["role-change"]),
    ("bypassrls-execute", do_block("execute 'alter role authenticated bypassrls'"), ["role-change"]),
    (
        "grant-role-function",
        "create function public.hx_grant() returns void language plpgsql as $$ begin "
        "grant service_role to authenticated; end $$;\nselect public.hx_grant();\n",
        ["role-change"],
    ),
    ("role-setting", do_block("alter role authenticated set statement_timeout = 0"), ["role-change"]),
    ("database-setting", do_block("execute 'alter database postgres set row_security = off'"), ["database-change"]),
    ("default-acl", do_block("alter default privileges grant all on tables to anon"), ["default-privileges"]),
    ("extension", "create extension if not exists hstore;\n", ["extension"]),
    ("publication", "create publication hx_pub for all tables;\n", ["publication"]),
    ("set-role", "set role service_role;\n", ["role-change"]),
    # 4. settings that change how SQL is read
    (
        "standard-conforming-strings",
        "set standard_conforming_strings = off;\n"
        "select 'hx\\' as a, ' ; alter role authenticated bypassrls; -- ' as b;\n",
        ["sql-reading"],
    ),
    ("client-encoding", "set client_encoding = 'SQL_ASCII';\n", ["sql-reading"]),
    # 5. writes to core rows
    ("delete-organizations", "delete from public.organizations where personal;\n", ["core-data"]),
    ("delete-in-do", do_block("delete from public.memberships"), ["core-data"]),
]


@pytest.mark.parametrize(("slug", "payload", "rules"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_hostile_template_is_refused_and_changes_nothing(capsys, tmp_path, db_url, slug, payload, rules):
    folder = write_muse(tmp_path, slug.replace("-", "_"), GOOD_SQL + payload)
    before = database_state(db_url)
    code, _, err = cli(capsys, "muses", "apply", str(folder), "--db-url", db_url)
    assert code == 3, err
    assert "nothing was applied" in err
    for rule in rules:
        assert f"[{rule}]" in err, err
    after = database_state(db_url)
    assert after == before and after["history"] is None


CORE_ROW_WRITES = [
    "delete from public.organizations where personal;\n",
    "with gone as (delete from public.memberships returning 1) select count(*) from gone;\n",
    do_block("update public.users set full_name = 'hx'"),
    "truncate public.audit_logs;\n",
    "create function public.hx_wipe() returns void language sql as $$ delete from public.feature_flags $$;\n",
]


@pytest.mark.parametrize("payload", CORE_ROW_WRITES, ids=[p[:40] for p in CORE_ROW_WRITES])
def test_undeclared_writes_to_core_rows_are_refused_and_every_row_stays(capsys, tmp_path, core_db, payload):
    with psycopg.connect(core_db, autocommit=True) as conn:
        seed_world(conn)
    folder = write_muse(tmp_path, "hx_rows", GOOD_SQL + payload)
    before = database_state(core_db)
    assert before["rows"]["organizations"] and before["rows"]["memberships"]  # there is something to lose
    code, _, err = cli(capsys, "muses", "apply", str(folder), "--db-url", core_db)
    assert code == 3, err
    assert "[core-data]" in err or "[core-truncate]" in err
    assert database_state(core_db) == before


def test_the_catalog_name_rule_covers_the_live_catalog(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select relname::text from pg_class where relnamespace in "
                "('pg_catalog'::regnamespace, 'information_schema'::regnamespace) "
                "union select typname::text from pg_type where typnamespace = 'information_schema'::regnamespace "
                "and typtype = 'd' "
                "union select proname::text from pg_proc where pronamespace = 'information_schema'::regnamespace "
                "or (pronamespace = 'pg_catalog'::regnamespace and proname like 'pg\\_%')"
            )
        ]
    assert len(names) > 500
    assert [n for n in names if catalog_name_clash(n) is None] == []


def test_the_standard_conforming_strings_payload_hides_a_statement_from_the_parser(db_url):
    """What the static guard refuses is real: with standard_conforming_strings off, the text pglast
    reads as one SELECT of two strings runs a second statement (here a harmless CREATE TABLE)."""
    hidden = "select 'hx\\' as a, ' ; create table public.hx_hidden (id int); -- ' as b"
    with psycopg.connect(db_url) as conn:
        conn.execute("set local standard_conforming_strings = off")
        conn.execute(hidden.encode())  # no parameters: sent as a simple query, as a script runner would
        created = conn.execute("select to_regclass('public.hx_hidden') is not null").fetchone()[0]
        conn.rollback()
    assert created
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select to_regclass('public.hx_hidden')").fetchone()[0] is None
