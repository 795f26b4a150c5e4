"""The engine is immune to a migration that ends its transaction, on its own (without the static
guard): the file fails, what ran after the COMMIT/ROLLBACK is rolled back, no history row is written."""

from __future__ import annotations

import psycopg
import pytest

from wizard import migrations


def _folder(tmp_path, sql: str):
    (tmp_path / "20260101000001_escape.sql").write_text(sql)
    return migrations.load_folder(tmp_path)


def _exists(url: str, relation: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _history(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        if not conn.execute("select to_regclass('supabase_migrations.schema_migrations')").fetchone()[0]:
            return []
        return [r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")]


@pytest.mark.parametrize(
    ("ending", "before_survives"),
    [
        ("commit;", True),
        ("end;", True),
        ("commit and chain;", True),
        ("rollback;", False),
        ("abort;", False),
    ],
)
async def test_a_file_that_ends_its_transaction_fails_and_what_follows_is_rolled_back(
    tmp_path, db_url, ending, before_survives
):
    files = _folder(
        tmp_path,
        f"create table public.before_it (id int);\n{ending}\ncreate table public.after_it (id int);\n",
    )
    with pytest.raises(migrations.TransactionEscaped, match="ended the transaction") as info:
        await migrations.apply(db_url, files)
    assert "20260101000001_escape.sql" in str(info.value) and info.value.exit_code == 3
    assert not _exists(db_url, "public.after_it")
    assert _exists(db_url, "public.before_it") is before_survives
    assert _history(db_url) == []


async def test_a_clean_file_still_applies(tmp_path, db_url):
    files = _folder(tmp_path, "create table public.fine (id int);\n")
    result = await migrations.apply(db_url, files)
    assert [f.filename for f in result.applied] == ["20260101000001_escape.sql"]
    assert _history(db_url) == ["20260101000001"]
