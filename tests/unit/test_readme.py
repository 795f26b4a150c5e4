"""The README table list without a database: markers, byte preservation, idempotence, content
from the SQL, the command. (The same content from a real catalog: tests/db/test_readme.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.gig_muse import make_clone, make_template, snapshot
from wizard.cli import main
from wizard.muses import MuseTemplate, core_files
from wizard.readme import (
    END,
    START,
    MuseSources,
    ReadmeMarkersError,
    TableListDoc,
    build_doc,
    code,
    ensure_readme,
    render_table_list,
    table_list_is_current,
    write_table_list,
)
from wizard.sql import canonical_type


@pytest.fixture
def template(tmp_path: Path) -> MuseTemplate:
    return make_template(tmp_path / "templates")


@pytest.fixture
def clone(tmp_path: Path, template: MuseTemplate) -> Path:
    return make_clone(tmp_path, template)


def block_of(text: str) -> str:
    return text.split(START, 1)[1].split(END, 1)[0]


# --- creating, idempotence ------------------------------------------------------------------------


async def test_missing_readme_is_created_and_a_second_run_touches_nothing(clone: Path, template: MuseTemplate):
    readme = clone / "README.md"
    assert ensure_readme(clone, template) is True
    text = readme.read_text()
    assert text.startswith("# GigMuse\n\nBooks gigs at venues.\n\nThis is a MuseKit Muse")
    assert "supabase db push" in text and "supabase/migrations/" in text
    assert text.count(START) == 1 and text.count(END) == 1 and text.endswith(END + "\n")
    assert "#### `gigs`" in block_of(text)  # filled from the SQL right away

    before = snapshot(readme)
    assert ensure_readme(clone, template) is False
    assert await write_table_list(clone, template) is False
    assert await table_list_is_current(clone, template) is True
    assert snapshot(readme) == before  # same bytes, same mtime, same inode: not rewritten


async def test_write_table_list_creates_then_is_byte_identical(clone: Path, template: MuseTemplate):
    readme = clone / "README.md"
    assert await table_list_is_current(clone, template) is False
    assert await write_table_list(clone, template) is True
    first = snapshot(readme)
    assert await write_table_list(clone, template) is False
    assert snapshot(readme) == first
    assert oct(readme.stat().st_mode & 0o777) == oct(0o644)


# --- bytes outside the markers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after",
    [
        ("# Mine\n\nMy intro, keep   it  \t\n\n", "\n## Afterwards\n\nno newline at the end"),
        ("Ünïcode ✓ first\r\nline two\r\n", "\r\ntail\r\n"),
        ("", ""),  # markers are the whole file, end marker without a newline
        ("  indented\n", "\n\n\n"),
    ],
)
async def test_bytes_outside_the_markers_are_kept_exactly(clone: Path, template: MuseTemplate, before: str, after: str):
    readme = clone / "README.md"
    newline = "\r\n" if "\r\n" in before else "\n"
    original = (before + START + newline + "stale list" + newline + END + after).encode()
    readme.write_bytes(original)
    assert await write_table_list(clone, template) is True
    data = readme.read_bytes()
    prefix, suffix = (before + START + newline).encode(), (END + after).encode()
    assert data.startswith(prefix) and data.endswith(suffix)
    middle = data[len(prefix) : len(data) - len(suffix)].decode()
    assert "stale list" not in middle and "#### `venues`" in middle
    if newline == "\r\n":
        assert "\n" not in middle.replace("\r\n", "")  # the block follows the file's line endings
    first = snapshot(readme)
    assert await write_table_list(clone, template) is False
    assert snapshot(readme) == first


async def test_readme_without_markers_gets_the_block_at_its_end(clone: Path, template: MuseTemplate):
    readme = clone / "README.md"
    original = b"# My own README\n\nWritten by hand, no trailing newline"
    readme.write_bytes(original)
    assert ensure_readme(clone, template) is True
    data = readme.read_bytes()
    assert data.startswith(original + b"\n\n" + START.encode() + b"\n")
    assert data.endswith(END.encode() + b"\n")
    first = snapshot(readme)
    assert await write_table_list(clone, template) is False
    assert snapshot(readme) == first


async def test_a_marker_inside_a_comment_cannot_break_the_block(clone: Path, template: MuseTemplate):
    await write_table_list(clone, template)
    text = (clone / "README.md").read_text()
    assert text.count(END) == 1  # the gigs comment holds the end marker's text, escaped
    assert "Gigs \\| booked at a venue &lt;!-- musekit:tables:end --&gt; &amp; paid." in text
    assert await write_table_list(clone, template) is False


# --- broken markers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines, line, problem",
    [
        (["intro", START, "x"], 2, f"`{START}` without a `{END}` after it"),
        (["intro", "", END], 3, f"`{END}` without a `{START}` before it"),
        ([END, "x", START], 1, f"`{END}` comes before `{START}` (line 3)"),
        ([START, "a", START, "b", END, END], 3, "markers can't be nested"),
        ([START, END, "between", START, END], 4, "a second table-list block (the first is lines 1-2)"),
        ([START, END, END], 3, "a second `<!-- musekit:tables:end -->` (the block is lines 1-2)"),
    ],
)
def test_broken_markers_are_refused_and_nothing_is_written(
    clone: Path, template: MuseTemplate, lines: list[str], line: int, problem: str, capsys
):
    import asyncio

    readme = clone / "README.md"
    readme.write_text("\n".join(lines) + "\n")
    before = snapshot(readme)
    for attempt in (
        lambda: ensure_readme(clone, template),
        lambda: asyncio.run(write_table_list(clone, template)),
        lambda: asyncio.run(table_list_is_current(clone, template)),
    ):
        with pytest.raises(ReadmeMarkersError) as err:
            attempt()
        assert str(err.value).startswith(f"{readme}:{line}: ")
        assert problem in str(err.value) and "Nothing was written." in str(err.value)
        assert err.value.line == line
    assert snapshot(readme) == before
    assert main(["readme", "--dir", str(clone)]) == 2
    assert f"{readme}:{line}: " in capsys.readouterr().err
    assert snapshot(readme) == before
    assert [p.name for p in clone.iterdir() if p.name.startswith(".README")] == []  # no temp file left


def test_marker_text_inside_a_line_is_not_a_marker(clone: Path, template: MuseTemplate):
    readme = clone / "README.md"
    readme.write_text(f"The list goes between `{START}` and `{END}`.\n")
    assert ensure_readme(clone, template) is True
    assert readme.read_text().count(START) == 2  # the mention, and the real marker line added at the end


# --- content from the SQL -------------------------------------------------------------------------


def sql_doc(template: MuseTemplate, folder: Path) -> TableListDoc:
    import asyncio

    return asyncio.run(build_doc(MuseSources.for_template(folder, template)))


def test_sql_content_lists_the_muses_tables_columns_comments_and_policies(template: MuseTemplate, tmp_path: Path):
    doc = sql_doc(template, tmp_path)
    assert [t.name for t in doc.tables] == ["public.gigs", "public.scratch", "public.venues"]
    gigs, scratch, venues = doc.tables
    assert venues.comment == "Places that host gigs, per organization."
    assert venues.file == "29990101000100_gig_tables.sql"
    cols = {c.name: (c.type, c.nullable, c.default) for c in gigs.columns}
    assert cols == {
        "id": ("bigserial", False, None),
        "venue_id": ("integer", False, None),
        "org_id": ("uuid", False, None),
        "user_id": ("uuid", False, "auth.uid()"),
        "status": ("gig_status", False, "'open'"),
        "fee": ("numeric(10,2)", True, "0"),
        "tags": ("text[]", False, "'{}'"),
        "meta": ("jsonb", False, "'{}'"),
        "starts_at": ("timestamptz", False, "now() + '1 day'::interval"),
        "paid": ("boolean", True, "false"),
        "fee_cents": ("bigint", True, "generated (stored)"),
        "updated_at": ("timestamptz", False, "now()"),
    }
    assert [c.name for c in gigs.columns][:3] == ["id", "venue_id", "org_id"]  # definition order
    venue_id = venues.columns[0]
    assert (venue_id.name, venue_id.type, venue_id.default, venue_id.primary_key) == (
        "id",
        "integer",
        "identity (always)",
        True,
    )
    assert {c.name: c.comment for c in venues.columns}["capacity"] == "Seats; null when unknown."
    assert [(f.columns, f.ref_table, f.ref_columns, f.on_delete) for f in gigs.foreign_keys] == [
        (("user_id",), "public.users", ("id",), "cascade"),
        (("venue_id", "org_id"), "public.venues", ("id", "org_id"), "cascade"),
    ]
    assert [(p.name, p.command, p.roles, p.permissive) for p in gigs.policies] == [
        ("gigs_no_done", "update", ("authenticated",), False),
        ("gigs_select_in_my_orgs", "select", ("authenticated", "service_role"), True),
        ("gigs_write_own", "all", ("public",), True),
    ]
    assert gigs.rls_enabled and venues.rls_enabled and not scratch.rls_enabled
    assert [(e.name, e.values, e.comment) for e in doc.enums] == [
        ("public.gig_status", ("open", "booked", "done"), "Where a gig is.")
    ]
    assert [(v.name, v.security_invoker, v.reads, v.comment) for v in doc.views] == [
        ("public.gig_owners", True, ("public.gigs", "public.users"), "Who booked each gig.")
    ]
    assert {u.name: u.used_by for u in doc.core_tables} == {
        "public.memberships": ("policy `gigs_select_in_my_orgs` on `gigs`",),
        "public.organizations": ("foreign key `venues.org_id`", "function `org_title`"),
        "public.users": ("foreign key `gigs.user_id`", "view `gig_owners`"),
    }
    assert {u.name: u.used_by for u in doc.core_functions} == {
        "private.is_org_member": ("policy `venues_select_members` on `venues`",),
        "private.set_updated_at": ("trigger `set_updated_at` on `gigs`",),
    }


def test_rendered_markdown_says_it_plainly(template: MuseTemplate, tmp_path: Path):
    text = render_table_list(sql_doc(template, tmp_path))
    assert "This Muse adds 3 tables, 1 enum and 1 view to the MuseKit core schema" in text
    assert "| `status` | `gig_status` | no | `'open'` |  |" in text
    assert "| `user_id` | `uuid` | no | `auth.uid()` | `users.id` (on delete cascade) |" in text
    assert "- Foreign key (`venue_id`, `org_id`) → `venues(id, org_id)` (on delete cascade)" in text
    assert "| `capacity` | `integer` | yes |  |  | Seats; null when unknown. |" in text
    assert "| `gigs_no_done` | update (restrictive) | authenticated |" in text
    assert "Row level security: **disabled**" in text.split("#### `scratch`")[1].split("####")[0]
    assert "| `gig_status` | `open`, `booked`, `done` | Where a gig is. |" in text
    assert "| `gig_owners` | Who booked each gig. | the caller (security invoker) | `gigs`, `users` |" in text
    assert "| `memberships` | policy `gigs_select_in_my_orgs` on `gigs` |" in text
    assert text == render_table_list(sql_doc(template, tmp_path))  # deterministic


# --- the command -----------------------------------------------------------------------------------


def test_command_on_a_template_folder_and_bad_folders(template: MuseTemplate, tmp_path: Path, capsys):
    assert main(["readme", "--dir", str(template.path)]) == 0
    text = (template.path / "README.md").read_text()
    assert text.startswith("# GigMuse\n") and "musekit clone --muse" in text and "#### `gigs`" in text

    empty = tmp_path / "nothing"
    empty.mkdir()
    assert main(["readme", "--dir", str(empty)]) == 2
    assert "neither a cloned Muse folder" in capsys.readouterr().err

    core_only = tmp_path / "core-only" / "supabase" / "migrations"
    core_only.mkdir(parents=True)
    for f in core_files():
        (core_only / f.path.name).write_bytes(f.path.read_bytes())
    assert main(["readme", "--dir", str(core_only.parent.parent)]) == 2
    assert "none of the Muse's own" in capsys.readouterr().err
    assert not (core_only.parent.parent / "README.md").exists()


def test_command_with_an_unreachable_database_fails_without_the_password(clone: Path, capsys):
    url = "postgresql://postgres:Sup3r-secret-pw@127.0.0.1:1/postgres"
    assert main(["readme", "--dir", str(clone), "--db-url", url]) == 1
    err = capsys.readouterr().err
    assert "could not connect" in err and "Sup3r-secret-pw" not in err
    assert not (clone / "README.md").exists()


# --- canonical spellings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, catalog, shown",
    [
        ("timestamptz", "timestamp with time zone", "timestamptz"),
        ("timestamp(3) with time zone", "timestamp(3) with time zone", "timestamptz(3)"),
        ("varchar(255)", "character varying(255)", "varchar(255)"),
        ("int", "integer", "integer"),
        ("int8", "bigint", "bigint"),
        ("bool", "boolean", "boolean"),
        ("numeric(12, 2)", "numeric(12,2)", "numeric(12,2)"),
        ("char", "character(1)", "char"),
        ("public.tone", "public.tone", "tone"),
        ("text[][]", "text[]", "text[]"),
        ("extensions.citext", "extensions.citext", "extensions.citext"),
    ],
)
def test_a_type_has_one_spelling_whichever_source(written: str, catalog: str, shown: str):
    assert canonical_type(written) == canonical_type(catalog) == shown


def test_code_spans_survive_backticks_and_pipes():
    assert code("a|b") == "`a\\|b`"
    assert code("x `y` z") == "`` x `y` z ``"
    assert code("  spaced\n out ") == "`spaced out`"


def test_render_has_no_timestamps_or_paths(template: MuseTemplate, tmp_path: Path):
    text = render_table_list(sql_doc(template, tmp_path))
    assert str(tmp_path) not in text and os.sep + "migrations" not in text


DEFAULTS = [
    ("now()", "timestamp with time zone"),
    ("gen_random_uuid()", "uuid"),
    ("'draft'::item_status", "item_status"),
    ("'draft'::item_status", "text"),
    ("'{}'::text[]", "text[]"),
    ("'{}'::jsonb", "jsonb"),
    ("'7 days'::interval", "interval"),
    ("interval '7 days'", "text"),
    ("(0)::numeric(10,2)", "numeric(10,2)"),
    ("'a'::character varying", "character varying"),
    ("timezone('utc'::text, now())", "timestamp without time zone"),
    ("(now() + '1 day'::interval)", "timestamp with time zone"),
    ("nextval('s'::regclass)", "bigint"),
    ("true", "boolean"),
    ("NULL::text", "text"),
    ("'it''s'::text", "text"),
    ("ARRAY[]::text[]", "text[]"),
    ("(-1)::bigint", "bigint"),
    ("'x'::\"My Type\"", '"My Type"'),
    ("(select 1)", "integer"),
]


def _printed_alone(expr: str, column_type: str) -> str:
    """How one default printed before the batch: pglast's RawStream on each node by itself."""
    from pglast import ast, parse_sql
    from pglast.stream import RawStream

    from wizard.readme.doc import _CAST

    stmt = parse_sql(f"select ({expr}\n)")[0].stmt
    assert isinstance(stmt, ast.SelectStmt) and stmt.targetList
    node = stmt.targetList[0].val
    if (
        isinstance(node, ast.TypeCast)
        and isinstance(node.arg, ast.A_Const)
        and node.typeName is not None
        and canonical_type(RawStream()(node.typeName)) == column_type
    ):
        node = node.arg
    text = _CAST.sub(lambda m: f"{m[1]}::{canonical_type(m[2])}", RawStream()(node))
    return text.lower() if text in ("TRUE", "FALSE", "NULL") else text


def test_defaults_printed_in_one_batch_read_as_each_printed_alone():
    """display_defaults marks the ancestors of every node in one pass (pglast does it on each print):
    the text must be what printing each expression by itself gives, in a batch and one at a time."""
    from wizard.readme.doc import clear_expression_cache, display_defaults

    expected = [_printed_alone(expr, typ) for expr, typ in DEFAULTS]
    assert expected[2] == "'draft'" and expected[3] != "'draft'"  # the cast to the column's own type goes
    clear_expression_cache()
    assert display_defaults(list(DEFAULTS)) == expected
    for item, text in zip(DEFAULTS, expected, strict=True):
        clear_expression_cache()
        assert display_defaults([item]) == [text]
