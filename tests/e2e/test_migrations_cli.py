"""The migration engine against the official Supabase CLI (`supabase db push`, `migration list`)
on real databases: the same statements and history rows, byte for byte."""

import asyncio

from tests.support.migration_files import history, rows, write
from tests.support.supabase_cli import run_supabase
from wizard.migrations import apply, load_folder

TRICKY = """-- leading comment
create table t1 (id int, note text default 'a;b'); -- trailing
/* block; comment /* nested; */ still */
create function f() returns int language plpgsql as $$
begin
  return 1; -- inside
end $$;
create function g() returns int language sql begin atomic select 1; select 2; end;
create function h(x int) returns int language plpgsql as $body$ begin return x; end $body$;
insert into t1 values (1, E'it''s; fine');
select "weird;name" from (select 1 as "weird;name") s;
do $tag$ begin perform 1; end $tag$;
comment on table t1 is 'done';
"""


def test_statements_and_history_match_the_official_cli(tmp_path, make_db):
    """The same file pushed by `supabase db push` and by musekit leaves identical history rows,
    and the CLI sees musekit's database as fully migrated."""
    cli_url, our_url = make_db("cli"), make_db("ours")
    proj = tmp_path / "proj"
    write(proj / "supabase" / "migrations", "20260101000001_tricky.sql", TRICKY)
    write(proj / "supabase" / "migrations", "20260101000002_more.sql", "create table t2 (id int);")
    pushed = run_supabase("db", "push", "--db-url", cli_url, "--yes", cwd=proj)
    assert pushed.returncode == 0, pushed.stderr
    asyncio.run(apply(our_url, load_folder(proj / "supabase" / "migrations")))
    assert history(our_url) == history(cli_url)

    listed = run_supabase("migration", "list", "--db-url", our_url, cwd=proj)
    assert listed.returncode == 0, listed.stderr
    for version in ("20260101000001", "20260101000002"):
        assert listed.stdout.count(version) >= 2  # local and remote columns
    push_again = run_supabase("db", "push", "--db-url", our_url, "--yes", cwd=proj)
    assert push_again.returncode == 0, push_again.stderr
    assert "Remote database is up to date" in push_again.stdout + push_again.stderr


async def test_crlf_files_are_applied_and_recorded_byte_for_byte(tmp_path, make_db):
    """The CLI reads bytes: a CRLF file's statements keep their \\r, and so do ours."""
    cli_url, our_url = make_db("crlf_cli"), make_db("crlf_ours")
    proj = tmp_path / "proj"
    d = proj / "supabase" / "migrations"
    d.mkdir(parents=True)
    (d / "20260101000001_crlf.sql").write_bytes(
        b"create table t (note text default 'a\r\nb');\r\ninsert into t default values;\r\n"
    )
    pushed = run_supabase("db", "push", "--db-url", cli_url, "--yes", cwd=proj)
    assert pushed.returncode == 0, pushed.stderr
    await apply(our_url, load_folder(d))
    assert history(our_url) == history(cli_url)
    assert rows(our_url, "select note from t") == [("a\r\nb",)]
