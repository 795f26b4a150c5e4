"""The README table list: markers, byte preservation, idempotence, and the same content from the
SQL and from a real catalog (core applied with `core_db`, then a small Muse of the test's own)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from wizard.cli import main
from wizard.clone import CloneInputs, Journal, save_journal
from wizard.muses import MuseTemplate, core_files, load_template
from wizard.readme import (
    END,
    START,
    MuseSources,
    ReadmeDatabaseError,
    ReadmeMarkersError,
    TableListDoc,
    build_doc,
    code,
    display_type,
    ensure_readme,
    render_table_list,
    table_list_is_current,
    write_table_list,
)

MUSE_TABLES = textwrap.dedent("""\
    create type public.gig_status as enum ('open', 'booked', 'done');
    comment on type public.gig_status is 'Where a gig is.';

    create table public.venues (
      id integer generated always as identity primary key,
      org_id uuid not null references public.organizations (id) on delete cascade,
      name varchar(120) not null,
      capacity int,
      unique (id, org_id)
    );
    comment on table public.venues is 'Places that host gigs, per organization.';
    comment on column public.venues.capacity is 'Seats; null when unknown.';
    create index venues_org_id_idx on public.venues (org_id);
    alter table public.venues enable row level security;

    create table public.gigs (
      id bigserial primary key,
      venue_id integer not null,
      org_id uuid not null,
      user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
      status public.gig_status not null default 'open',
      fee numeric(10, 2) default 0,
      tags text[] not null default '{}',
      meta jsonb not null default '{}'::jsonb,
      starts_at timestamp with time zone not null default (now() + interval '1 day'),
      paid bool default false,
      fee_cents bigint generated always as ((fee * 100)::bigint) stored,
      updated_at timestamptz not null default now(),
      foreign key (venue_id, org_id) references public.venues (id, org_id) on delete cascade
    );
    comment on table public.gigs is 'Gigs | booked at a venue <!-- musekit:tables:end --> & paid.';
    create index gigs_venue_id_org_id_idx on public.gigs (venue_id, org_id);
    create index gigs_user_id_idx on public.gigs (user_id);
    alter table public.gigs enable row level security;

    create trigger set_updated_at before update on public.gigs
      for each row execute function private.set_updated_at();

    create table public.scratch (note text);
""")

MUSE_POLICIES = textwrap.dedent("""\
    create policy venues_select_members on public.venues
      for select to authenticated using (private.is_org_member(org_id));
    create policy gigs_select_in_my_orgs on public.gigs
      for select to authenticated, service_role
      using (exists (select 1 from public.memberships m
                     where m.org_id = gigs.org_id and m.user_id = (select auth.uid())));
    create policy gigs_write_own on public.gigs
      using (user_id = (select auth.uid()));
    create policy gigs_no_done on public.gigs as restrictive
      for update to authenticated using (status <> 'done');

    create view public.gig_owners with (security_invoker = true) as
      select g.id, u.full_name from public.gigs g join public.users u on u.id = g.user_id;
    comment on view public.gig_owners is 'Who booked each gig.';

    create function public.org_title(o uuid) returns text language sql stable
    begin atomic
      select name from public.organizations where id = o;
    end;
""")


def make_template(root: Path, *, extra_sql: str = "") -> MuseTemplate:
    folder = root / "gigmuse"
    (folder / "migrations").mkdir(parents=True)
    core_version = max(f.version for f in core_files())
    (folder / "muse.toml").write_text(
        f'name = "GigMuse"\ndescription = "Books gigs at venues."\nversion = "0.1.0"\ncore_version = "{core_version}"\n'
    )
    (folder / "migrations" / "29990101000100_gig_tables.sql").write_text(MUSE_TABLES)
    (folder / "migrations" / "29990101000200_gig_policies.sql").write_text(MUSE_POLICIES + extra_sql)
    return load_template(folder)


@pytest.fixture
def template(tmp_path: Path) -> MuseTemplate:
    return make_template(tmp_path / "templates")


@pytest.fixture
def clone(tmp_path: Path, template: MuseTemplate) -> Path:
    """A cloned Muse folder as `musekit clone` leaves it: the migrations copied, a journal."""
    folder = tmp_path / "my-gigs"
    dest = folder / "supabase" / "migrations"
    dest.mkdir(parents=True)
    for f in [*core_files(), *template.files]:
        (dest / f.path.name).write_bytes(f.path.read_bytes())
    save_journal(
        folder,
        Journal(
            inputs=CloneInputs(
                muse=str(template.path),
                name="my-gigs",
                organization="org",
                region="us-east-1",
                api_url="http://127.0.0.1:1",
            )
        ),
    )
    return folder


def apply_muse(url: str, template: MuseTemplate) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for f in template.files:
            with conn.transaction():
                conn.execute(f.text)


def snapshot(path: Path) -> tuple[bytes, int, int]:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_ino


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


async def test_shipped_templates_render_the_same_from_sql_and_catalog(make_db, tmp_path: Path):
    from tests.conftest import apply_core
    from wizard.muses import shipped_slugs

    for slug in shipped_slugs():
        shipped = load_template(slug)
        url = make_db("readme")
        apply_core(url)
        apply_muse(url, shipped)
        sources = MuseSources.for_template(tmp_path / slug, shipped)
        assert render_table_list(await build_doc(sources, url)) == render_table_list(await build_doc(sources)), slug


# --- the command -----------------------------------------------------------------------------------


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
    assert display_type(written) == display_type(catalog) == shown


def test_code_spans_survive_backticks_and_pipes():
    assert code("a|b") == "`a\\|b`"
    assert code("x `y` z") == "`` x `y` z ``"
    assert code("  spaced\n out ") == "`spaced out`"


def test_render_has_no_timestamps_or_paths(template: MuseTemplate, tmp_path: Path):
    text = render_table_list(sql_doc(template, tmp_path))
    assert str(tmp_path) not in text and os.sep + "migrations" not in text
