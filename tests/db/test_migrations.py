import asyncio
from pathlib import Path

import psycopg
import pytest

from tests.support.migration_files import history, rows, tables, write
from wizard.migrations import (
    DriftError,
    GuardViolation,
    HistoryMismatch,
    LockTimeout,
    MigrationFolderError,
    StatementFailed,
    apply,
    load_folder,
)
from wizard.migrations import engine as migrations
from wizard.pg import DatabaseConnectError


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "supabase" / "migrations"
    write(d, "20260101000001_first.sql", "create table a (id int);\ninsert into a values (1);\n")
    write(d, "20260101000002_second.sql", "-- b\ncreate table b (id int);\n")
    return d


def test_bad_file_name_is_refused_before_anything_runs(folder, db_url):
    write(folder, "2026_no-underscore-version.sql.bak.sql", "select 1;")
    write(folder, "add_table.sql", "create table c (id int);")
    with pytest.raises(MigrationFolderError, match=r"add_table\.sql: not a migration file name.*<version>_<name>\.sql"):
        load_folder(folder)
    assert tables(db_url) == set()


async def test_applies_in_order_and_records_history_like_the_cli(folder, db_url):
    events = []
    result = await apply(db_url, load_folder(folder), progress=events.append)
    assert [f.filename for f in result.applied] == ["20260101000001_first.sql", "20260101000002_second.sql"]
    assert history(db_url) == [
        ("20260101000001", "first", ["create table a (id int)", "insert into a values (1)"]),
        ("20260101000002", "second", ["-- b\ncreate table b (id int)"]),
    ]
    sums = rows(db_url, "select version, sha256 from supabase_migrations.musekit_checksums order by 1")
    assert sums == [(f.version, f.checksum) for f in load_folder(folder)]
    assert [e.kind for e in events] == [
        "file_started",
        "statement",
        "statement",
        "file_applied",
        "file_started",
        "statement",
        "file_applied",
    ]
    again = await apply(db_url, load_folder(folder))
    assert again.applied == [] and again.already_applied == ["20260101000001", "20260101000002"]


async def test_failing_file_rolls_back_whole_and_rerun_continues(folder, db_url):
    bad = write(
        folder,
        "20260101000003_third.sql",
        "create table c (id int);\n\ninsert into c\n  values (1),\n  (nope);\ncreate table d (id int);\n",
    )
    with pytest.raises(StatementFailed) as err:
        await apply(db_url, load_folder(folder))
    msg = str(err.value)
    assert "20260101000003_third.sql, line 5" in msg
    assert 'column "nope" does not exist' in msg
    assert "insert into c\n  values (1),\n  (nope)" in msg
    assert "files before it stay applied" in msg
    assert tables(db_url) == {"a", "b"}  # c's create was rolled back with the file
    assert [r[0] for r in history(db_url)] == ["20260101000001", "20260101000002"]

    bad.write_text("create table c (id int);\ninsert into c values (1);\ncreate table d (id int);\n")
    result = await apply(db_url, load_folder(folder))
    assert [f.version for f in result.applied] == ["20260101000003"]
    assert tables(db_url) == {"a", "b", "c", "d"}


async def test_changed_applied_file_is_refused_as_drift(folder, db_url):
    await apply(db_url, load_folder(folder))
    write(folder, "20260101000001_first.sql", "create table a (id bigint);\n")
    write(folder, "20260101000003_third.sql", "create table c (id int);\n")
    with pytest.raises(DriftError, match=r"(?s)20260101000001_first\.sql.*new migration file"):
        await apply(db_url, load_folder(folder))
    assert tables(db_url) == {"a", "b"}


async def test_versions_missing_from_the_folder_are_refused(folder, db_url):
    await apply(db_url, load_folder(folder))
    (folder / "20260101000002_second.sql").unlink()
    write(folder, "20260101000003_third.sql", "create table c (id int);\n")
    with pytest.raises(
        HistoryMismatch, match=r"(?s)lacks: 20260101000002.*migration repair --status reverted 20260101000002"
    ):
        await apply(db_url, load_folder(folder))
    assert "c" not in tables(db_url)


async def test_older_pending_version_is_refused_unless_include_all(folder, db_url):
    files = load_folder(folder)
    await apply(db_url, files[1:])
    with pytest.raises(HistoryMismatch, match="would be inserted before 20260101000002"):
        await apply(db_url, files)
    result = await apply(db_url, files, include_all=True)
    assert [f.version for f in result.applied] == ["20260101000001"]


async def test_dry_run_lists_pending_and_changes_nothing(folder, db_url):
    result = await apply(db_url, load_folder(folder), dry_run=True)
    assert [(f.filename, len(f.statements)) for f in result.pending] == [
        ("20260101000001_first.sql", 2),
        ("20260101000002_second.sql", 1),
    ]
    assert rows(db_url, "select to_regnamespace('supabase_migrations')") == [(None,)]
    assert tables(db_url) == set()


async def test_concurrent_runs_apply_each_file_once(tmp_path, db_url):
    d = tmp_path / "m"
    for i in range(1, 6):
        write(d, f"2026010100000{i}_t{i}.sql", f"create table t{i} (id int);\nselect pg_sleep(0.05);\n")
    files = load_folder(d)
    results = await asyncio.gather(apply(db_url, files), apply(db_url, files))
    assert sorted(len(r.applied) for r in results) == [0, 5]
    assert len(history(db_url)) == 5


async def test_lock_wait_is_bounded(folder, db_url):
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as holder:
        await holder.execute("select pg_advisory_lock(%s)", (migrations.LOCK_KEY,))
        with pytest.raises(LockTimeout, match="another migration run holds the lock"):
            await apply(db_url, load_folder(folder), lock_timeout=0.5)
    assert tables(db_url) == set()


async def test_connection_error_names_target_not_password(pg, folder, db_url):
    bad = db_url.replace(pg.migrator_password, "s3cret-wrong-pw")
    with pytest.raises(DatabaseConnectError) as err:
        await apply(bad, load_folder(folder))
    assert "user postgres at 127.0.0.1" in str(err.value) and "s3cret-wrong-pw" not in str(err.value)


class _AddsColumnCheck:
    """A guard that reports any column added to table a (stands in for the purity fingerprint)."""

    async def snapshot(self, conn):
        cur = await conn.execute("select count(*) from information_schema.columns where table_name = 'a'")
        return (await cur.fetchone())[0]

    def compare(self, before, after):
        return [] if before == after else [f"table a: {after - before} column(s) added"]


async def test_atomic_apply_with_guard_rolls_back_everything(folder, db_url, tmp_path):
    await apply(db_url, load_folder(folder))
    muse = tmp_path / "muse"
    write(muse, "20260601000001_ok.sql", "create table m (id int);\n")
    write(muse, "20260601000002_sneaky.sql", "do $$ begin execute 'alter table a add column x int'; end $$;\n")
    files = load_folder(folder) + load_folder(muse)
    with pytest.raises(GuardViolation, match="table a: 1 column"):
        await apply(db_url, files, atomic=True, guard=_AddsColumnCheck())
    assert tables(db_url) == {"a", "b"}
    assert len(history(db_url)) == 2


async def test_interruption_between_files_keeps_finished_files(folder, db_url):
    def stop_before_second(file):
        if file.version.endswith("2"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await apply(db_url, load_folder(folder), before_file=stop_before_second)
    assert [r[0] for r in history(db_url)] == ["20260101000001"]
    result = await apply(db_url, load_folder(folder))
    assert [f.version for f in result.applied] == ["20260101000002"]
