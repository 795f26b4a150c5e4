"""The RLS probe (muses.rls_probe): every public table has RLS on; `anon` reads no row of any; a signed-in
user who belongs to nothing reads no row of the Muse's tables. It counts every table a role may read in one
query, and table by table when a policy refuses the role outright, so one refusing table hides no other."""

from __future__ import annotations

import psycopg

from wizard.muses.apply import rls_probe

SCHEMA = """
-- the platform's default privileges grant the API roles no SELECT: each table grants its own
create table public.open_book (id int primary key);
alter table public.open_book enable row level security;
create policy open_book_all on public.open_book for select to anon, authenticated using (true);
insert into public.open_book values (1), (2);
grant select on public.open_book to anon, authenticated;

create table public.notes (id int primary key, owner uuid);
alter table public.notes enable row level security;
create policy notes_own on public.notes for select to authenticated using (owner = (select auth.uid()));
insert into public.notes values (1, '00000000-0000-4000-8000-00000000000a');
grant select on public.notes to anon, authenticated;

create table public.members_only (id int primary key);
alter table public.members_only enable row level security;
create policy members_all on public.members_only for select to authenticated using (true);
insert into public.members_only values (1), (2), (3);
grant select on public.members_only to authenticated;

create table public.secret (id int primary key);
alter table public.secret enable row level security;
revoke all on public.secret from anon, authenticated;
create table public.behind_secret (id int primary key);
alter table public.behind_secret enable row level security;
create policy behind_secret_all on public.behind_secret for select to anon
  using (exists (select 1 from public.secret));
insert into public.behind_secret values (1);
grant select on public.behind_secret to anon;

create table public.ungranted (id int primary key);
revoke all on public.ungranted from anon, authenticated;
insert into public.ungranted values (1);
"""


def execute(url: str, statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statements)


async def test_every_leak_is_found_and_a_refusing_policy_hides_none(db_url):
    execute(db_url, SCHEMA)
    problems = await rls_probe(db_url, ["notes", "members_only", "gone"])
    assert problems == [
        "public.ungranted: row level security is disabled",
        "public.gone: the template creates this table; the database has none",
        # behind_secret's policy refuses anon (no grant on public.secret): counted alone, showing nothing
        "public.open_book: anon (not a member of anything) can read 2 rows",
        # open_book is no Muse table here; notes shows a stranger nothing
        "public.members_only: authenticated (not a member of anything) can read 3 rows",
    ]


async def test_a_database_without_leaks_has_no_problem(db_url):
    execute(db_url, SCHEMA)
    execute(
        db_url,
        "drop table public.open_book, public.members_only, public.ungranted; grant select on public.secret to anon;",
    )
    assert await rls_probe(db_url, ["notes", "behind_secret"]) == []
