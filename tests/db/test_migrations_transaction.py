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


async def test_an_operator_of_the_files_own_cannot_hide_the_end_of_its_transaction(tmp_path, db_url):
    """The check after the statements compares two texts: with public first on the search_path, a text = text
    operator of the file's own that always says true would have taken that comparison over."""
    files = _folder(
        tmp_path,
        "create function public.always(text, text) returns boolean language sql as 'select true';\n"
        "create operator public.= (leftarg = text, rightarg = text, function = public.always);\n"
        "select pg_catalog.set_config('search_path', 'public, pg_catalog', false);\n"
        "commit;\n"
        "create table public.after_it (id int);\n",
    )
    with pytest.raises(migrations.TransactionEscaped, match="ended the transaction"):
        await migrations.apply(db_url, files)
    assert not _exists(db_url, "public.after_it")
    assert _history(db_url) == []
