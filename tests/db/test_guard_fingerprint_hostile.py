"""The dynamic core-purity guard against hostile Muse SQL (issue 11, classes 2, 3 and 7), on its
own: the static check is bypassed (`_apply_guarded`, the guarded apply without it), so every
payload here reaches the database and only the catalog fingerprint stands in its way.

- class 2, catalog shadowing: objects named like catalog relations or functions (in public, or
  temporary) plus a changed search_path must not hide a change from the fingerprint, the lints,
  the RLS probe or the README catalog reader;
- class 3, changes outside the tables: role attributes and memberships, role and database
  settings, default privileges, database ownership and privileges, new roles, publications,
  deferred triggers that would run at COMMIT; extensions and event triggers (superuser only);
- class 7, "core untouched" for real: verify compares the live core with the shipped one.

After every refused template the database is unchanged: core fingerprint, roles, memberships,
role and database settings, default privileges, and the rows of every core table."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.support.gig_muse import apply_muse as apply_gig_muse
from tests.support.gig_muse import make_template as make_gig_template
from tests.support.muses_cli import GOOD_SQL, cli, write_muse
from wizard import migrations
from wizard.guard import Fingerprint, core_fingerprint, diff_fingerprints
from wizard.muses import MuseTemplate, core_files, core_model, verify_database
from wizard.muses import apply as muse_apply
from wizard.muses.templates import MuseManifest
from wizard.pg import EmbeddedPostgres, create_migrator_role
from wizard.readme import table_list_from_catalog
from wizard.sql import SqlSource, parse_sql_files

CORE_TABLES = sorted(t.name for t in core_model().tables if t.schema == "public")
USERS = [f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3)]


# -- helpers ------------------------------------------------------------------------------------------
def execute(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def dbname(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.info.dbname


def seed_rows(url: str) -> None:
    """Three signed-up users: the core's trigger gives each a profile, a personal org and a membership."""
    with psycopg.connect(url, autocommit=True) as conn:
        for i, uid in enumerate(USERS):
            conn.execute(
                "insert into auth.users (id, email, raw_user_meta_data) values (%s, %s, '{}')",
                (uid, f"user{i}@example.com"),
            )
        conn.execute("insert into public.feature_flags (key, enabled) values ('beta', true)")


def template_of(root: Path, text: str) -> MuseTemplate:
    folder = root / "hostile"
    (folder / "migrations").mkdir(parents=True)
    path = folder / "migrations" / "29990101000000_hostile.sql"
    path.write_text(text)
    manifest = MuseManifest(
        name="Hostile", description="tries to change the core", version="0.1.0", core_version="20260101000500"
    )
    file = migrations.MigrationFile(version="29990101000000", name="hostile", path=path, text=text)
    return MuseTemplate(slug="hostile", path=folder, manifest=manifest, files=(file,), shipped=False)


async def guarded(url: str, root: Path, text: str, **kwargs) -> migrations.ApplyResult:
    """The Muse's file under the dynamic guard only (the static check bypassed)."""
    template = template_of(root, text)
    return await muse_apply._apply_guarded(url, list(template.files), template, progress=None, dry_run=False, **kwargs)


async def fingerprint(url: str) -> Fingerprint:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        return await core_fingerprint(conn, core_model())


def database_state(url: str) -> dict[str, object]:
    """Everything a refused template must leave as it was, read with plain catalog queries (not the
    code under test): roles, memberships, settings, this database, default privileges, core rows."""
    state: dict[str, object] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        queries = {
            "roles": "select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,"
            " rolbypassrls, rolconnlimit, rolvaliduntil from pg_catalog.pg_roles order by 1",
            "memberships": "select roleid::regrole::text, member::regrole::text, grantor::regrole::text, admin_option,"
            " inherit_option, set_option from pg_catalog.pg_auth_members order by 1, 2, 3",
            "settings": "select setdatabase, setrole::regrole::text, setconfig from pg_catalog.pg_db_role_setting"
            " order by 1, 2",
            "database": "select datdba::regrole::text, datacl::text, datconnlimit from pg_catalog.pg_database"
            " where datname = current_database()",
            "default acls": "select defaclrole::regrole::text, defaclnamespace, defaclobjtype, defaclacl::text"
            " from pg_catalog.pg_default_acl order by 1, 2, 3",
            "publications": "select pubname from pg_catalog.pg_publication order by 1",
            "extensions": "select extname, extversion from pg_catalog.pg_extension order by 1",
        }
        for name, query in queries.items():
            state[name] = conn.execute(query).fetchall()
        for table in CORE_TABLES:
            state[f"rows of {table}"] = conn.execute(
                sql.SQL(
                    "select count(*), md5(coalesce(string_agg(t::text, ',' order by t::text), '')) from public.{} t"
                ).format(sql.Identifier(table))
            ).fetchone()
    return state


@pytest.fixture
def world(core_db: str, pg: EmbeddedPostgres):
    """The core (applied by hand) with rows in it; after the test, the cluster-wide roles are as
    they were (a guard that let a payload through must not spoil the other tests of the session)."""
    seed_rows(core_db)
    yield from _keeping_roles(pg, core_db)


@pytest.fixture
def migrated_world(make_db, pg: EmbeddedPostgres):
    """The core applied by musekit (its history recorded) with rows in it; roles kept as in `world`."""
    url = make_db("cli")
    asyncio.run(migrations.apply(url, core_files()))
    seed_rows(url)
    yield from _keeping_roles(pg, url)


def _keeping_roles(pg: EmbeddedPostgres, url: str):
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        roles = admin.execute("select rolname from pg_roles").fetchall()
        members = admin.execute("select roleid, member, grantor from pg_auth_members").fetchall()
        attributes = admin.execute(_ROLE_ATTRIBUTES).fetchall()
    yield url
    _restore_roles(pg, dbname(url), {r[0] for r in roles}, set(members), attributes)
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        assert admin.execute(_ROLE_ATTRIBUTES).fetchall() == attributes
        assert {r[0] for r in admin.execute("select rolname from pg_roles").fetchall()} == {r[0] for r in roles}


_ROLE_ATTRIBUTES = (
    "select format('alter role %I %s %s %s %s connection limit %s', rolname,"
    " case when rolinherit then 'inherit' else 'noinherit' end, case when rolcanlogin then 'login' else 'nologin' end,"
    " case when rolbypassrls then 'bypassrls' else 'nobypassrls' end,"
    " case when rolcreatedb then 'createdb' else 'nocreatedb' end, rolconnlimit)"
    " from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'postgres')"
    " order by rolname"
)


def _restore_roles(pg: EmbeddedPostgres, db: str, roles: set[str], members: set[tuple], attributes: list) -> None:
    with psycopg.connect(pg.admin_conninfo(db), autocommit=True) as admin:
        for row in admin.execute(
            "select roleid::regrole::text, member::regrole::text, grantor::regrole::text, roleid, member, grantor"
            " from pg_auth_members"
        ).fetchall():
            if (row[3], row[4], row[5]) not in members:
                admin.execute(f"revoke {row[0]} from {row[1]} granted by {row[2]} cascade")
        for (statement,) in attributes:
            admin.execute(statement)
        for role in ("anon", "authenticated", "service_role", "authenticator", "postgres"):
            admin.execute(f"alter role {role} reset all")
            admin.execute(f"alter role {role} in database {sql.Identifier(db).as_string()} reset all")
        for (role,) in admin.execute("select rolname from pg_roles").fetchall():
            if role not in roles:
                ident = sql.Identifier(role).as_string()
                admin.execute(f"reassign owned by {ident} to postgres")
                admin.execute(f"drop owned by {ident}")
                admin.execute(f"drop role {ident}")


async def refused(url: str, root: Path, text: str) -> list[str]:
    """Apply `text` under the guard: it must be refused and leave the database as it was."""
    before = database_state(url), await fingerprint(url)
    with pytest.raises(migrations.GuardViolation) as err:
        await guarded(url, root, text)
    assert (database_state(url), await fingerprint(url)) == before
    assert "rolled back" in str(err.value)
    return err.value.differences


async def refused_saying(url: str, root: Path, text: str, said: str) -> None:
    """`refused`, and among what differs a line that starts with `said`."""
    differences = await refused(url, root, text)
    assert any(d.startswith(said) for d in differences), differences


ADD_COLUMN = "do $$ begin execute 'alter table public.users add column hacked int'; end $$;"
HACKED = "table public.users: column hacked added (integer null)"


# -- class 2: catalog shadowing -------------------------------------------------------------------------
# pg_attribute as it was, for whoever reads it unqualified (attmissingval, a pseudo-type, left out)
ATTRIBUTES = (
    "attrelid, attname, atttypid, atttypmod, attnum, attnotnull, atthasdef, attisdropped, attidentity, "
    "attgenerated, attcollation, attstorage, attstattarget, attcompression, attacl"
)
SHADOW_IN_PUBLIC = f"""
create view public.pg_attribute as select {ATTRIBUTES} from pg_catalog.pg_attribute where attname <> 'hacked';
create function public.muse_search_path() returns void language sql
  as $$ select pg_catalog.set_config('search_path', 'public, pg_catalog', false) $$;
select public.muse_search_path();
{ADD_COLUMN}
"""

SHADOW_IN_PG_TEMP = f"""
create temporary view pg_attribute as select {ATTRIBUTES} from pg_catalog.pg_attribute where attname <> 'hacked';
{ADD_COLUMN}
"""

# a function named like a catalog one, earlier on the search_path: the owner changes to a role of
# the Muse's, and every name the fingerprint reads it through says `postgres` as before
SHADOW_FUNCTION = """
create role muse_owner nologin;
grant muse_owner to postgres;
grant create on schema public to muse_owner;
create function public.pg_get_userbyid(oid) returns name language sql stable as $$
  select case when pg_catalog.pg_get_userbyid($1) = 'muse_owner' then 'postgres'::name
              else pg_catalog.pg_get_userbyid($1) end $$;
set search_path = public, pg_catalog;
do $$ begin execute 'alter table public.audit_logs owner to muse_owner'; end $$;
"""


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (SHADOW_IN_PUBLIC, HACKED),
        (SHADOW_IN_PG_TEMP, HACKED),
        (SHADOW_FUNCTION, "table public.audit_logs: owner changed from postgres to muse_owner"),
    ],
    ids=["public-view-and-search-path", "temporary-view", "function-and-search-path"],
)
async def test_shadowed_catalog_names_do_not_hide_a_core_change(world, tmp_path, payload, expected):
    differences = await refused(world, tmp_path, payload)
    assert expected in differences, differences


async def test_the_fingerprint_restores_the_callers_settings(core_db):
    async with await psycopg.AsyncConnection.connect(core_db) as conn:
        await conn.execute("set search_path = public, extensions")
        await conn.execute("set timezone = 'Asia/Tokyo'")
        async with conn.transaction():
            await core_fingerprint(conn, core_model())
            cur = await conn.execute("select current_setting('search_path'), current_setting('TimeZone')")
            assert await cur.fetchone() == ("public, extensions", "Asia/Tokyo")


async def test_lints_ignore_functions_named_like_catalog_ones(make_db):
    url = make_db("lint")
    execute(
        url,
        f"""
        create function public.set_config(text, text, boolean) returns text language sql as $$ select $2 $$;
        create function public.lower(text) returns text language sql as $$ select '{{security_invoker=on}}'::text $$;
        create table public.secrets (id int primary key, user_id uuid);
        alter table public.secrets enable row level security;
        create policy secrets_own on public.secrets for select to authenticated using (user_id = (select auth.uid()));
        create view public.leaky as select * from public.secrets;
        grant select on public.leaky to authenticated;
        alter database {dbname(url)} set search_path = public, pg_catalog;
        """,
    )
    from wizard.lints import verify_url

    findings = await verify_url(url)
    assert ("0010", "public.leaky") in [(f.id, f.object) for f in findings]


async def test_rls_probe_ignores_a_public_pg_class(make_db):
    url = make_db("probe")
    execute(
        url,
        f"""
        create table public.open_book (id int);
        create view public.pg_class as
          select c.oid, c.relname, c.relnamespace, c.relkind, true as relrowsecurity from pg_catalog.pg_class c;
        alter database {dbname(url)} set search_path = public, pg_catalog;
        """,
    )
    assert "public.open_book: row level security is disabled" in await muse_apply.rls_probe(url)


async def test_readme_catalog_ignores_a_temporary_pg_attribute(core_db, tmp_path):
    template = make_gig_template(tmp_path)
    apply_gig_muse(core_db, template)
    muse = [SqlSource(str(f.path), f.text) for f in template.files]
    model = parse_sql_files([*(SqlSource(str(f.path), f.text) for f in core_files()), *muse])
    async with await psycopg.AsyncConnection.connect(core_db, autocommit=True) as conn:
        await conn.execute(
            f"create temporary view pg_attribute as select {ATTRIBUTES} from pg_catalog.pg_attribute "
            "where attname <> 'capacity'"
        )
        doc = await table_list_from_catalog(conn, model, [s.path for s in muse])
    venues = next(t for t in doc.tables if t.name == "public.venues")
    assert "capacity" in [c.name for c in venues.columns]


# -- class 3: changes outside the tables ----------------------------------------------------------------
def in_do_block(statement: str) -> str:
    """`statement` run by dynamic SQL in a DO block, `<db>` replaced by the current database."""
    text = statement.replace("'", "''").replace(
        "<db>", "' || pg_catalog.quote_ident(pg_catalog.current_database()) || '"
    )
    return f"do $muse$ begin execute '{text}'; end $muse$;"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("alter role authenticated bypassrls", "role authenticated: bypassrls changed from off to on"),
        (
            "grant service_role to authenticated",
            "role authenticated: member of service_role (granted by postgres) added",
        ),
        (
            "alter role authenticated set statement_timeout = 0",
            "role authenticated: setting statement_timeout in every database added (0)",
        ),
        (
            "alter role authenticated in database <db> set row_security = off",
            "role authenticated: setting row_security in this database added (off)",
        ),
        ("alter database <db> set statement_timeout = 0", "database: setting statement_timeout added (0)"),
        (
            "alter default privileges in schema public grant select on tables to anon",
            "default privileges of postgres in schema public: on tables privilege anon SELECT (by postgres) added",
        ),
        (
            "alter default privileges grant execute on functions to anon",
            "default privileges of postgres in every schema added",
        ),
        # siblings
        ("alter role postgres set search_path = public, pg_catalog", "role postgres: setting search_path in every"),
        ("alter role anon login password 'anon-can-log-in'", "role anon: login changed from off to on"),
        ("alter role service_role nobypassrls", "role service_role: bypassrls changed from on to off"),
        ("alter role authenticator connection limit 1", "role authenticator: connection limit changed from -1 to 1"),
        ("grant authenticated to anon", "role anon: member of authenticated (granted by postgres) added"),
        ("create role backdoor login bypassrls replication password 'x'", "role backdoor added"),
        ("grant create on database <db> to anon", "database: privilege anon CREATE (by postgres) added"),
        ("alter database <db> owner to authenticated", "database: owner changed from postgres to authenticated"),
        ("create publication leak for table public.users", "publication leak added"),
    ],
)
async def test_platform_change_in_a_do_block_is_refused(world, tmp_path, statement, expected):
    differences = await refused(world, tmp_path, in_do_block(statement))
    assert any(d.startswith(expected) for d in differences), differences


def test_muses_apply_refuses_a_platform_change_the_static_check_cannot_read(migrated_world, tmp_path, capsys):
    """Through `musekit muses apply`: the statement is base64 in a DO block, so the static check only
    warns; the guarded apply rolls everything back, names the change and exits 3."""
    hidden = base64.b64encode(b"alter role authenticated bypassrls").decode()
    payload = f"do $$ begin execute pg_catalog.convert_from(pg_catalog.decode('{hidden}', 'base64'), 'UTF8'); end $$;\n"
    folder = write_muse(tmp_path, "hidden", GOOD_SQL + payload)
    before = database_state(migrated_world), asyncio.run(fingerprint(migrated_world))
    code, _, err = cli(capsys, "muses", "apply", str(folder), "--db-url", migrated_world)
    assert code == 3
    assert "role authenticated: bypassrls changed from off to on" in err and "rolled back" in err
    assert (database_state(migrated_world), asyncio.run(fingerprint(migrated_world))) == before


async def test_platform_change_in_a_function_the_migration_calls_is_refused(world, tmp_path):
    payload = """
    create function public.muse_setup() returns void language plpgsql as $$
    begin
      alter role authenticated bypassrls;
      grant service_role to authenticated;
      delete from public.organizations where personal;
    end $$;
    select public.muse_setup();
    """
    differences = await refused(world, tmp_path, payload)
    assert "role authenticated: bypassrls changed from off to on" in differences
    assert any(d.startswith("role authenticated: member of service_role") for d in differences)


async def test_a_deferred_trigger_cannot_change_the_core_at_commit(world, tmp_path):
    """A constraint trigger deferred to COMMIT would run after the last snapshot: the guard fires it first."""
    payload = """
    create table public.muse_later (id int);
    create function public.muse_later_fn() returns trigger language plpgsql as $$
    begin
      execute 'alter role authenticated bypassrls';
      execute 'alter table public.users add column hacked int';
      return null;
    end $$;
    create constraint trigger muse_later_trg after insert on public.muse_later
      deferrable initially deferred for each row execute function public.muse_later_fn();
    insert into public.muse_later values (1);
    """
    differences = await refused(world, tmp_path, payload)
    assert HACKED in differences and "role authenticated: bypassrls changed from off to on" in differences


async def test_a_change_committed_outside_the_transaction_is_named_not_called_rolled_back(world, tmp_path):
    """A change the guarded transaction cannot undo (here: another session commits it while the Muse
    runs, as dblink or a COMMIT in the file would): the apply fails and says the change stayed."""

    async def commit_elsewhere(_file: migrations.MigrationFile) -> None:
        await asyncio.to_thread(execute, world, "alter role authenticated bypassrls")

    with pytest.raises(muse_apply.CoreChangedError) as err:
        await guarded(world, tmp_path, "select 1;", before_file=commit_elsewhere)
    assert "role authenticated: bypassrls changed from off to on" in err.value.differences
    assert "rolled back, but these changes stayed" in str(err.value)
    assert err.value.exit_code == 3


async def test_superuser_only_platform_objects_are_in_the_fingerprint(core_db, pg):
    """Extensions, event triggers and schema publications: `postgres` cannot create them (permission
    denied as a migration), a superuser can; the fingerprint names them."""
    admin = pg.admin_conninfo(dbname(core_db))
    async with await psycopg.AsyncConnection.connect(admin) as conn:
        async with conn.transaction(force_rollback=True):
            before = await core_fingerprint(conn, core_model())
            await conn.execute("create extension vector")
            await conn.execute(
                "create function public.noop() returns event_trigger language plpgsql as $$ begin end $$"
            )
            await conn.execute("create event trigger muse_watch on ddl_command_end execute function public.noop()")
            await conn.execute("create publication everything for tables in schema public")
            after = await core_fingerprint(conn, core_model())
    differences = diff_fingerprints(before, after)
    assert "extension vector added" in differences
    assert any(d.startswith("extension vector: version added") for d in differences)
    assert "event trigger muse_watch added" in differences
    assert "event trigger muse_watch: event added (ddl_command_end)" in differences
    assert "publication everything: schema public added" in differences


@pytest.mark.parametrize(
    "statement",
    [
        "create extension vector",
        "create event trigger muse_watch on ddl_command_end execute function pg_catalog.now()",
        "create publication everything for tables in schema public",
        "grant pg_read_all_data to anon",
        "alter role supabase_auth_admin bypassrls",
        "create role root superuser",
    ],
)
async def test_what_the_migrator_cannot_do_at_all(world, tmp_path, statement):
    before = database_state(world)
    with pytest.raises(migrations.StatementFailed) as err:
        await guarded(world, tmp_path, in_do_block(statement))
    assert err.value.sqlstate in ("42501",) or "superuser" in err.value.pg_message
    assert database_state(world) == before


# -- class 7: "core untouched" compares with the shipped core ---------------------------------------------
@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("alter table public.users add column hacked int", HACKED),
        ("drop policy users_update_self on public.users", "table public.users: policy users_update_self removed"),
        ("grant select on public.api_keys to anon", "table public.api_keys: privilege anon SELECT (by postgres) added"),
        (
            "create or replace function private.is_org_member(org_id uuid) returns boolean language sql stable "
            "security definer set search_path = '' as $$ select true $$",
            "function private.is_org_member(org_id uuid): definition changed",
        ),
        (
            "create trigger muse_spy after insert on auth.users for each row execute function private.set_updated_at()",
            "table auth.users: trigger muse_spy added",
        ),
        ("alter table public.memberships disable row level security", "row level security changed from on to off"),
    ],
    ids=["column", "policy", "grant", "function", "auth-trigger", "rls"],
)
async def test_verify_names_a_core_change_made_outside_musekit(core_db, data_dir, change, expected):
    assert await verify_database(core_db) == []  # the shipped core as applied: nothing to report
    execute(core_db, change)  # as with psql or the dashboard, as `postgres`
    problems = await verify_database(core_db)
    assert any(
        p.startswith("the core differs from the shipped core migrations: ") and expected in p for p in problems
    ), problems


async def test_canonical_core_is_cached_per_core_version(core_db, data_dir, monkeypatch):
    muse_apply._canonical_memo.clear()
    assert await muse_apply.core_differences(core_db) == []
    cached = muse_apply.canonical_cache_path(muse_apply.canonical_key())
    assert cached.parent == data_dir / "core-fingerprints" and cached.is_file()

    def no_cluster() -> EmbeddedPostgres:
        raise AssertionError("the cached canonical core should have been used")

    muse_apply._canonical_memo.clear()
    monkeypatch.setattr(EmbeddedPostgres, "throwaway", staticmethod(no_cluster))
    execute(core_db, "alter table public.users add column hacked int")
    assert await muse_apply.core_differences(core_db) == [
        f"the core differs from the shipped core migrations: {HACKED}"
    ]


async def test_canonical_comparison_is_independent_of_the_migrator_role_name(pg, data_dir):
    """A sandbox project's database is owned by `postgres.<ref>`; its untouched core is the shipped one."""
    role, name = "postgres.muse4242ref", "sandboxlike_core"
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        create_migrator_role(admin, role, "SandboxLikePassw0rd")
    try:
        pg.create_database(name, owner=role)
        url = pg.url(name, user=role, password="SandboxLikePassw0rd")
        await migrations.apply(url, core_files())
        assert await muse_apply.core_differences(url) == []
        execute(url, "alter table public.users add column hacked int")
        assert await muse_apply.core_differences(url) == [
            f"the core differs from the shipped core migrations: {HACKED}"
        ]
    finally:
        pg.drop_database(name)
        with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
            admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


# -- rows of core tables, written where the static check cannot see ----------------------------------
ROW_WRITES = {
    "insert": "do $$ begin execute 'insert into public.' || 'feature_flags (key, enabled) values (''smuggled'', true)'; end $$;",
    "update": "do $$ begin execute 'update public.' || 'memberships set role = ''owner'''; end $$;",
    "delete": "do $$ begin execute 'delete from public.' || 'feature_flags'; end $$;",
    "truncate": "do $$ begin execute 'truncate public.' || 'feature_flags'; end $$;",
    "a called function": (
        "create function public.hx_grant() returns void language plpgsql as $f$ begin"
        " execute 'insert into public.' || 'feature_flags (key, enabled) values (''via_fn'', true)'; end $f$;"
        " select public.hx_grant();"
    ),
}


# public.||(name, text) is an exact match for `nspname || '.'`: in the Muse's session it took over the
# counters' own query, which then found no core table and compared nothing (found in review)
BLIND_COUNTERS = """
create function public.muse_label(name, text) returns text language sql immutable set search_path = ''
  as $$ select 'muse'::text $$;
create operator public.|| (leftarg = name, rightarg = text, function = public.muse_label);
"""
ROW_WRITES |= {
    "through a view, the counters' query taken over by an operator": BLIND_COUNTERS
    + """create view public.muse_members as select * from public.memberships;
update public.muse_members set role = 'owner';
drop view public.muse_members;""",
    "a delete through a view, the counters' query taken over": BLIND_COUNTERS
    + """create view public.muse_flags as select * from public.feature_flags;
delete from public.muse_flags;
drop view public.muse_flags;""",
}


@pytest.mark.parametrize("how", list(ROW_WRITES))
async def test_rows_of_core_tables_written_by_dynamic_sql_are_refused(world, tmp_path, how):
    """The catalog fingerprint does not see rows: a computed EXECUTE wrote into core tables with only a
    dynamic-sql warning (found in review). The transaction's own write counters see every write."""
    differences = await refused(world, tmp_path, ROW_WRITES[how])
    assert any(d.startswith("rows of core table public.") and "core_data_writes" in d for d in differences), differences


async def test_rows_of_auth_users_written_by_dynamic_sql_are_refused(world, tmp_path):
    """auth.users is not core's, but core relies on it: rewriting an account's role or password hash through
    dynamic SQL passed with a dynamic-sql warning (found in review). Its write counters are compared too."""
    takeover = (
        "do $$ begin execute pg_catalog.format('update %I.%I set role = %L, encrypted_password = %L', "
        "'auth', 'users', 'service_role', 'bcrypt-of-mallory'); end $$;"
    )
    differences = await refused(world, tmp_path, takeover)
    assert any(d.startswith("rows of auth.users, a platform table core relies on") for d in differences), differences
    with psycopg.connect(world) as conn:
        assert conn.execute("select count(*) from auth.users where role = 'service_role'").fetchone() == (0,)


SHADOWS = {
    "a function": "create function public.length(character varying) returns integer language sql as 'select 0';",
    "an operator": BLIND_COUNTERS,
    "a dynamic operator": "do $$ begin execute 'create operator public.= (leftarg = name, rightarg = name, "
    "function = pg_catalog.namene)'; end $$;",
}


@pytest.mark.parametrize("how", list(SHADOWS))
async def test_a_function_or_operator_named_like_a_built_in_is_refused(world, tmp_path, how):
    """An exact match outside pg_catalog wins over a built-in that needs a cast: SQL run later with public on
    its search_path (a core migration of a roll-out) would call the Muse's. Nothing of the kind may be added."""
    differences = await refused(world, tmp_path, SHADOWS[how])
    assert any("named like a built-in of pg_catalog" in d for d in differences), differences


async def test_a_muse_function_with_its_own_name_is_no_shadow(world, tmp_path):
    await guarded(
        world,
        tmp_path,
        "create function public.muse_price_label(integer) returns text language sql immutable as 'select $1::text';",
    )


async def test_rows_of_a_declared_core_table_may_be_written(world, tmp_path):
    template = template_of(tmp_path, ROW_WRITES["insert"])
    manifest = template.manifest.model_copy(update={"core_data_writes": ["public.feature_flags"]})
    template = MuseTemplate(slug="hostile", path=template.path, manifest=manifest, files=template.files, shipped=False)
    await muse_apply._apply_guarded(world, list(template.files), template, progress=None, dry_run=False)
    with psycopg.connect(world) as conn:
        assert conn.execute("select enabled from public.feature_flags where key = 'smuggled'").fetchone() == (True,)


async def test_verify_names_a_function_or_operator_named_like_a_built_in_made_before_the_guard_refused_them(world, pg):
    """A Muse applied before the guard refused shadows (or an edit by hand) keeps them: verify, fleet status
    and a roll-out's plan read core_differences, which names them; Supabase's schemas are left out."""
    assert await muse_apply.core_differences(world) == []
    execute(world, SHADOWS["a function"] + BLIND_COUNTERS)
    # Supabase's own are not counted (Realtime has realtime.to_regrole(text)): auth stands for them here
    execute(
        pg.admin_conninfo(dbname(world)),
        "create function auth.to_regrole(text) returns regrole language sql as 'select null::regrole'",
    )
    differences = await muse_apply.core_differences(world)
    assert [d.split(" is named like")[0] for d in differences] == [
        "function public.length(character varying)",
        "operator public.||(name,text)",
    ], differences
    assert all("rename or drop it" in d for d in differences)


UNGUARDED = {
    "a view with its owner's rights": (
        "do $$ begin execute pg_catalog.format('create view %I.hx_people as select id, email from public.users', "
        "'public'); end $$;",
        "view public.hx_people without security_invoker",
    ),
    "a table without row level security": (
        "do $$ begin execute pg_catalog.format('create table %I.hx_copy as select id, email from public.users', "
        "'public'); end $$;",
        "table public.hx_copy without row level security",
    ),
    "a materialized view in public": (
        "do $$ begin execute 'create materialized view public.hx_mv as select 1 as x'; end $$;",
        "materialized view public.hx_mv in public",
    ),
}


@pytest.mark.parametrize("how", list(UNGUARDED))
async def test_relations_row_level_security_does_not_hold_through_made_by_dynamic_sql_are_refused(world, tmp_path, how):
    """A DO block made a view and a copy of public.users that anon could read, with a dynamic-sql warning only
    (found in review): the rules the static check applies to what it sees are applied to the catalog."""
    await refused_saying(world, tmp_path, *UNGUARDED[how])


async def test_relations_row_level_security_holds_through_made_by_dynamic_sql_pass(world, tmp_path):
    await guarded(
        world,
        tmp_path,
        "do $$ begin execute 'create table public.hx_fine (id int)'; "
        "execute 'alter table public.hx_fine enable row level security'; "
        "execute 'create view public.hx_fine_v with (security_invoker = true) as select * from public.hx_fine'; "
        "end $$;",
    )


# a SET clause of an invoker function holds at each call: through PostgREST's authenticator, anon ran one as
# service_role (BYPASSRLS) and deleted users; an object's owner is exempt from its RLS: a table owned by
# authenticated let every user read every row (both found in review)
ROLE_TRICKS = {
    "a function run as another role": (
        "do $$ begin execute 'create function public.hx_people() returns bigint language sql "
        "set role = ''service_role'' as ''select count(*) from public.users'''; end $$;",
        "function public.hx_people() with role=service_role in its SET clause",
    ),
    "a table given to an API role": (
        "create schema hx_d;\ngrant usage, create on schema hx_d to authenticated;\n"
        "create table hx_d.diary (id int);\nalter table hx_d.diary enable row level security;\n"
        "do $$ begin execute 'alter table hx_d.diary owner to ' || 'authenticated'; end $$;",
        "relation hx_d.diary owned by authenticated",
    ),
}


@pytest.mark.parametrize("how", list(ROLE_TRICKS))
async def test_who_a_muses_objects_run_as_is_checked_when_dynamic_sql_sets_it(world, tmp_path, how):
    await refused_saying(world, tmp_path, *ROLE_TRICKS[how])


# what runs as core's owner later, made where the static check cannot see (found in the fourth review)
OWNER_RIGHTS = {
    "a security definer function": (
        "do $$ begin execute 'create function public.hx_run() returns int language sql security definer "
        "as ''select 1'''; end $$;",
        "function public.hx_run() security definer",
    ),
    "a rule": (
        "create table public.hx_ping (x text);\nalter table public.hx_ping enable row level security;\n"
        "do $$ begin execute 'create rule hx_echo as on insert to public.hx_ping do also select 1'; end $$;",
        "rule hx_echo on public.hx_ping",
    ),
    "a large object of core rows": (
        "select pg_catalog.lo_from_bytea(424242, pg_catalog.convert_to((select pg_catalog.string_agg(email, ',') "
        "from public.users), 'UTF8'));",
        "large object 424242",
    ),
}


@pytest.mark.parametrize("how", list(OWNER_RIGHTS))
async def test_what_runs_as_cores_owner_later_is_refused_at_run_time(world, tmp_path, how):
    await refused_saying(world, tmp_path, *OWNER_RIGHTS[how])
