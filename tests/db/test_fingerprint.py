"""The dynamic core-purity guard on a real database with the real core applied: the catalog
fingerprint is unchanged by a pure Muse and names what an impure one (even through a DO block
the static check cannot see) changed."""

from __future__ import annotations

from functools import cache

import psycopg
import pytest

from tests.support.databases import apply_core
from wizard.guard import Fingerprint, check_static, core_fingerprint, core_part, diff_fingerprints
from wizard.settings import core_migrations_dir, muses_root
from wizard.sql import SchemaModel, SqlSource, parse_sql_paths


@cache
def core() -> SchemaModel:
    return parse_sql_paths(sorted(core_migrations_dir().glob("*.sql")))


async def connect(url: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(url, prepare_threshold=None)


async def around(url: str, sql: str) -> tuple[Fingerprint, Fingerprint]:
    """Fingerprints before and after running `sql` in one transaction, which is then rolled back."""
    async with await connect(url) as conn:
        async with conn.transaction(force_rollback=True):
            before = await core_fingerprint(conn, core())
            await conn.execute(sql)
            after = await core_fingerprint(conn, core())
    return before, after


async def test_fingerprint_covers_every_core_object(core_db):
    async with await connect(core_db) as conn:
        fp = await core_fingerprint(conn, core())
    keys = set(fp.objects)
    assert {f"table public.{t.name}" for t in core().tables} <= keys
    assert {
        "table auth.users",
        "schema private",
        "schema public",
        "type public.membership_role",
        "function private.is_org_member(org_id uuid)",
    } <= keys
    users = fp.objects["table public.users"]
    assert users["row level security"] == "on" and users["owner"] == "postgres"
    assert users["column email"].startswith("text null")
    assert users["policy users_update_self"].startswith("for update permissive to authenticated using (")
    assert "privilege authenticated SELECT (by postgres)" in users
    assert users["trigger set_updated_at"].startswith("CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.users")
    assert fp.objects["type public.membership_role"]["enum values"] == "owner, admin, member"
    helper = fp.objects["function private.is_org_member(org_id uuid)"]
    assert helper["security"] == "definer" and helper["config"] == 'search_path=""'
    assert "privilege anon EXECUTE (by postgres)" not in helper
    assert "trigger on_auth_user_created" in fp.objects["table auth.users"]
    assert fp.objects["schema private"]["contains function is_org_member(org_id uuid)"] == "present"


async def test_fingerprint_is_deterministic_and_comparable_across_databases(core_db, make_db):
    other = make_db("core2")
    apply_core(other)
    async with await connect(core_db) as a, await connect(other) as b:
        first, again, elsewhere = (
            await core_fingerprint(a, core()),
            await core_fingerprint(a, core()),
            await core_fingerprint(b, core()),
        )
    assert first == again == elsewhere and first.digest == elsewhere.digest
    assert diff_fingerprints(first, elsewhere) == []


async def test_the_core_part_reads_the_same_without_the_platform(core_db):
    async with await connect(core_db) as conn, conn.transaction(force_rollback=True):
        await conn.execute("create role musekit_platform_extra")
        full = await core_fingerprint(conn, core())
        core_only = await core_fingerprint(conn, core(), platform=False)
    assert "role musekit_platform_extra" in full.objects and "role musekit_platform_extra" not in core_only.objects
    assert core_only.objects["database"]["owner"] == full.objects["database"]["owner"]  # the owner is read
    assert core_part(core_only, core()) == core_part(full, core())


@pytest.mark.parametrize("slug", ["socioscheduler", "realtor"])
async def test_pure_shipped_muse_leaves_the_fingerprint_identical(core_db, slug):
    files = sorted((muses_root() / slug / "migrations").glob("*.sql"))
    async with await connect(core_db) as conn:
        async with conn.transaction(force_rollback=True):
            before = await core_fingerprint(conn, core())
            for path in files:
                await conn.execute(path.read_text())
            created = await (
                await conn.execute("select count(*) from pg_tables where schemaname = 'public'")
            ).fetchone()
            after = await core_fingerprint(conn, core())
    assert created[0] > len(core().tables)  # the Muse's tables really were created
    assert before == after and diff_fingerprints(before, after) == []


async def test_references_do_not_change_the_fingerprint(core_db):
    sql = """
create table public.demo_posts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  org_id uuid references public.organizations (id),
  author uuid references auth.users (id)
);
alter table public.demo_posts enable row level security;
create policy demo_posts_members on public.demo_posts for select to authenticated
  using (private.is_org_member(org_id));
create trigger set_updated_at before update on public.demo_posts
  for each row execute function private.set_updated_at();
create view public.demo_authors with (security_invoker = true) as
  select p.id, u.full_name from public.demo_posts p join public.users u on u.id = p.user_id;
grant select on public.demo_posts to authenticated;
insert into public.feature_flags (key, enabled) values ('demo.beta', true);
"""
    before, after = await around(core_db, sql)
    assert diff_fingerprints(before, after) == []


DO_ADD_COLUMN = """
do $$
begin
  execute format('alter table public.users add column %s text', 'niche');
end $$;
"""


async def test_do_block_adding_a_column_is_invisible_statically_but_not_to_the_fingerprint(core_db):
    static = check_static([SqlSource("m/001.sql", DO_ADD_COLUMN)], core())
    assert [(f.rule, f.severity) for f in static] == [("dynamic-sql", "warning")]
    before, after = await around(core_db, DO_ADD_COLUMN)
    assert before != after
    assert diff_fingerprints(before, after) == ["table public.users: column niche added (text null)"]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "create policy demo_all on public.organizations for select to anon using (true);",
            "table public.organizations: policy demo_all added (for select permissive to anon using (true))",
        ),
        ("drop policy users_update_self on public.users;", "table public.users: policy users_update_self removed"),
        ("grant select on public.users to anon;", "table public.users: privilege anon SELECT (by postgres) added"),
        (
            "create index demo_email_idx on public.users (email);",
            "table public.users: index demo_email_idx added (CREATE INDEX demo_email_idx ON public.users USING btree (email))",
        ),
        (
            "comment on table public.users is 'mine';",
            "table public.users: comment changed from Profile row per auth user (id = auth.users.id): email, full name, "
            "avatar. to mine",
        ),
        (
            "alter table public.memberships disable row level security;",
            "table public.memberships: row level security changed from on to off",
        ),
        (
            "alter type public.membership_role add value 'viewer';",
            "type public.membership_role: enum values changed from owner, admin, member to owner, admin, member, viewer",
        ),
        (
            "create function private.demo_backdoor() returns int language sql as $$ select 1 $$;",
            "schema private: contains function demo_backdoor() added",
        ),
        (
            "create or replace function private.is_org_member(org_id uuid) returns boolean language sql stable "
            "security definer set search_path = '' as $$ select true $$;",
            "function private.is_org_member(org_id uuid): definition changed",
        ),
        (
            "create function private.is_org_member(org text) returns boolean language sql as $$ select true $$;",
            "function private.is_org_member(org text) added",
        ),
        (
            "create trigger demo_signup after insert on auth.users for each row execute function private.set_updated_at();",
            "table auth.users: trigger demo_signup added",
        ),
        (
            "alter table public.users alter column email set storage external;",
            "table public.users: column email changed from text null to text null storage e",
        ),
        ("alter table public.users rename to people;", "table public.users removed"),
    ],
)
async def test_impure_change_is_named_in_the_diff(core_db, sql, expected):
    block = "do $guard$ begin execute " + psycopg.sql.quote(sql) + "; end $guard$;"
    before, after = await around(core_db, block)
    assert expected in diff_fingerprints(before, after), diff_fingerprints(before, after)
