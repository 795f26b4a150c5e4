"""The README table list from a real catalog (core applied with `core_db`, then a small Muse of the
test's own): the same content as from the SQL, and the `readme` command reading a database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.support.gig_muse import apply_muse, make_clone, make_template, snapshot
from wizard.cli import main
from wizard.muses import MuseTemplate, load_template
from wizard.readme import (
    MuseSources,
    ReadmeDatabaseError,
    build_doc,
    ensure_readme,
    render_table_list,
    table_list_is_current,
    write_table_list,
)


@pytest.fixture
def template(tmp_path: Path) -> MuseTemplate:
    return make_template(tmp_path / "templates")


@pytest.fixture
def clone(tmp_path: Path, template: MuseTemplate) -> Path:
    return make_clone(tmp_path, template)


# --- content from the catalog ---------------------------------------------------------------------


async def test_catalog_content_matches_the_sql_and_comes_from_the_database(
    core_db: str, clone: Path, template: MuseTemplate
):
    apply_muse(core_db, template)
    sources = MuseSources.for_template(clone, template)
    from_db = await build_doc(sources, core_db)
    assert [t.name for t in from_db.tables] == ["public.gigs", "public.scratch", "public.venues"]
    assert [t.comment for t in from_db.tables] == [
        "Gigs | booked at a venue <!-- musekit:tables:end --> & paid.",
        None,
        "Places that host gigs, per organization.",
    ]
    assert [u.name for u in from_db.core_tables] == ["public.memberships", "public.organizations", "public.users"]
    assert from_db == await build_doc(sources)  # the catalog says exactly what the SQL says

    # written from the SQL, the README is already current against the database
    assert await write_table_list(clone, template) is True
    first = snapshot(clone / "README.md")
    assert await table_list_is_current(clone, template, core_db) is True
    assert await write_table_list(clone, template, db_url=core_db) is False
    assert snapshot(clone / "README.md") == first

    # a change made in the database shows up only when the catalog is read
    with psycopg.connect(core_db, autocommit=True) as conn:
        conn.execute("comment on table public.venues is 'Venues, as the database now says.'")
        conn.execute("drop policy gigs_no_done on public.gigs")
    assert await table_list_is_current(clone, template, core_db) is False
    assert await write_table_list(clone, template, db_url=core_db) is True
    text = (clone / "README.md").read_text()
    assert "Venues, as the database now says." in text and "gigs_no_done" not in text
    assert await write_table_list(clone, template, db_url=core_db) is False


async def test_catalog_without_the_muse_applied_is_a_clear_error(core_db: str, clone: Path, template: MuseTemplate):
    ensure_readme(clone, template)
    before = snapshot(clone / "README.md")
    with pytest.raises(ReadmeDatabaseError) as err:
        await write_table_list(clone, template, db_url=core_db)
    message = str(err.value)
    assert "table public.gigs (created at " in message and "29990101000100_gig_tables.sql" in message
    assert "Apply the Muse's migrations first" in message
    assert snapshot(clone / "README.md") == before


async def test_shipped_templates_render_the_same_from_sql_and_catalog(copy_db, tmp_path: Path):
    from wizard.muses import shipped_slugs

    for slug in shipped_slugs():
        shipped = load_template(slug)
        url = copy_db("core", "readme")
        apply_muse(url, shipped)
        sources = MuseSources.for_template(tmp_path / slug, shipped)
        assert render_table_list(await build_doc(sources, url)) == render_table_list(await build_doc(sources)), slug


def test_command_on_a_cloned_folder(clone: Path, core_db: str, template: MuseTemplate, capsys):
    readme = clone / "README.md"
    assert main(["readme", "--dir", str(clone), "--check"]) == 1
    assert not readme.exists()
    assert main(["readme", "--dir", str(clone)]) == 0
    out = capsys.readouterr().out
    assert f"{readme}: created" in out and "3 tables, 1 enum, 1 view, from the migration files" in out
    assert readme.read_text().startswith("# GigMuse\n\nBooks gigs at venues.\n")  # from clone.json's template
    first = snapshot(readme)

    assert main(["readme", "--dir", str(clone), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
    apply_muse(core_db, template)
    assert main(["readme", "--dir", str(clone), "--db-url", core_db]) == 0
    out = capsys.readouterr().out
    assert "already up to date; nothing written" in out and "from the catalog of user postgres at" in out
    password = conninfo_to_dict(core_db)["password"]
    assert password not in out
    assert snapshot(readme) == first

    readme.write_text(readme.read_text().replace("Places that host gigs", "Old words"))
    edited = snapshot(readme)
    assert main(["readme", "--dir", str(clone), "--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert snapshot(readme) == edited
