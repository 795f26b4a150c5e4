"""migrations.apply_on: core files applied on a session the caller goes on using (the fleet upgrade checks
the Muse on it). Whatever the files leave in the session (a role, a setting, a temporary object shadowing
a catalog relation, the advisory lock) is gone afterwards, and a session that stepped down from a login
role (pg.RoleUrl) is `postgres` again, as a new session would be."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from psycopg import sql

from wizard import migrations
from wizard.migrations.engine import LOCK_KEY
from wizard.pg import RoleUrl, connect


def folder(tmp_path, *files: tuple[str, str]) -> list[migrations.MigrationFile]:
    for name, text in files:
        (tmp_path / name).write_text(text)
    return migrations.load_folder(tmp_path)


@pytest.fixture
def login_url(pg, db_url):
    """A URL that logs in as a temporary role and steps down to `postgres`, as the CLI's login roles do."""
    role, password = f"cli_login_{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("create role {} login password {} in role postgres").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
    yield RoleUrl(pg.url(db_url.rsplit("/", 1)[1], user=role, password=password), "postgres"), role
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


SESSION_STATE = """
select current_user::text, session_user::text, pg_catalog.current_setting('search_path'),
       nullif(pg_catalog.current_setting('musekit.mark', true), ''),
       pg_catalog.to_regclass('pg_temp.pg_class') is not null,
       exists (select 1 from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid())
"""


async def state(conn: psycopg.AsyncConnection) -> tuple:
    return await (await conn.execute(SESSION_STATE)).fetchone()


MESSY = """
create table public.widgets (id int primary key);
alter table public.widgets enable row level security;
create temp table pg_class (relname text);
set search_path = public, pg_temp;
select pg_catalog.set_config('musekit.mark', 'left behind', false);
"""


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "one-transaction-per-file"])
async def test_what_the_files_leave_in_the_session_is_gone_and_the_login_steps_down_again(tmp_path, login_url, atomic):
    url, role = login_url
    files = folder(tmp_path, ("20260101000001_widgets.sql", MESSY))
    conn = await connect(url)
    async with conn:
        fresh = await state(conn)
        result = await migrations.apply_on(conn, files, atomic=atomic)
        after = await state(conn)
        table = await (await conn.execute("select pg_catalog.to_regclass('public.widgets') is not null")).fetchone()
    assert [f.filename for f in result.applied] == ["20260101000001_widgets.sql"]
    assert fresh == ("postgres", role, '"$user", public', None, False, False)
    # `postgres` again (DISCARD ALL alone would leave the login role), not public-first, no mark, no
    # temporary pg_class, the lock released
    assert after == fresh
    assert table == (True,)


async def test_a_failed_file_leaves_a_clean_session_and_nothing_applied(tmp_path, login_url):
    url, _ = login_url
    files = folder(
        tmp_path,
        ("20260101000001_widgets.sql", "create table public.widgets (id int);\nset role anon;\nselect 1/0;\n"),
    )
    conn = await connect(url)
    async with conn:
        fresh = await state(conn)
        with pytest.raises(migrations.StatementFailed):
            await migrations.apply_on(conn, files, atomic=True)
        after = await state(conn)
        table = await (await conn.execute("select pg_catalog.to_regclass('public.widgets') is not null")).fetchone()
    assert after == fresh and table == (False,)


async def test_the_lock_is_free_for_the_next_run_while_the_session_stays_open(tmp_path, db_url):
    files = folder(tmp_path, ("20260101000001_widgets.sql", "create table public.widgets (id int);\n"))
    conn = await connect(db_url)
    async with conn:
        await migrations.apply_on(conn, files)
        other = await connect(db_url)
        async with other:
            taken = await (await other.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,))).fetchone()
    assert taken == (True,)
