"""The Muse's README: the table list between `<!-- musekit:tables:start -->` and
`<!-- musekit:tables:end -->`, from the live catalog when a database URL is given, from the
migration SQL otherwise (`wizard.readme.doc` says what is listed and renders it).

Every byte outside the markers is kept; a README that would not change is not rewritten;
writes are atomic; a README whose markers are broken is refused with the file and line."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from wizard.migrations import MigrationFile, load_folder
from wizard.muses import MuseTemplate, core_files, load_template
from wizard.readme.catalog import table_list_from_catalog
from wizard.readme.doc import ReadmeDatabaseError, ReadmeError, TableListDoc, render_table_list
from wizard.sql import SchemaModel, SqlSource, parse_sql_once

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "END",
    "README_NAME",
    "START",
    "MuseSources",
    "ReadmeDatabaseError",
    "ReadmeError",
    "ReadmeMarkersError",
    "ReadmeUpdate",
    "TableListDoc",
    "build_doc",
    "ensure_readme",
    "render_table_list",
    "table_list_is_current",
    "table_list_is_current_in",
    "update_readme",
    "write_table_list",
    "write_table_list_in",
]

START = "<!-- musekit:tables:start -->"
END = "<!-- musekit:tables:end -->"
README_NAME = "README.md"
CLONE_MIGRATIONS = Path("supabase") / "migrations"
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")


class ReadmeMarkersError(ReadmeError):
    """The markers are not exactly one start followed by one end; nothing was written."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path, self.line = path, line
        super().__init__(
            f"{path}:{line}: {problem} The table list goes between one `{START}` line and one later "
            f"`{END}` line; fix the markers (or remove both to have them added at the end). "
            f"Nothing was written."
        )


@dataclass(frozen=True)
class MuseSources:
    """Where a Muse's README lives and the migration files it is built from."""

    folder: Path
    name: str
    description: str
    core: tuple[SqlSource, ...]
    muse: tuple[SqlSource, ...]  # the Muse's own files (versions that are not core versions)
    is_template: bool  # a template folder (muse.toml + migrations/) rather than a cloned Muse
    project_ref: str | None = None  # a cloned Muse's project, named in its README's instructions

    @property
    def readme(self) -> Path:
        return self.folder / README_NAME

    @classmethod
    def for_template(cls, folder: Path, template: MuseTemplate, project_ref: str | None = None) -> MuseSources:
        """The README of `folder` (a clone of `template`, or the template folder itself)."""
        folder = Path(folder)
        is_template = folder.resolve() == template.path.resolve()
        return cls(
            folder,
            template.manifest.name,
            template.manifest.description,
            _sources(core_files()),
            _sources(template.files),
            is_template,
            project_ref,
        )

    @classmethod
    def for_folder(cls, folder: Path, identity: tuple[str, str] | None = None) -> MuseSources:
        """A template folder (muse.toml + migrations/) or a cloned Muse folder (supabase/migrations/
        holding the core files and the Muse's; `identity` is its (name, description), by default
        the folder's name and a generic line)."""
        folder = Path(folder)
        if (folder / "muse.toml").is_file():
            return cls.for_template(folder, load_template(folder))
        migrations_dir = folder / CLONE_MIGRATIONS
        if not migrations_dir.is_dir():
            raise ReadmeError(
                f"{folder}: neither a cloned Muse folder (no {CLONE_MIGRATIONS}/) nor a Muse template "
                f"(no muse.toml). Point --dir at the folder `musekit clone` made, or at a template."
            )
        files = load_folder(migrations_dir)
        core_versions = {f.version for f in core_files()}
        muse = [f for f in files if f.version not in core_versions]
        if not muse:
            raise ReadmeError(
                f"{migrations_dir}: only MuseKit core migrations here, none of the Muse's own. "
                f"A Muse's migrations have versions after the core's."
            )
        name, description = identity or (folder.resolve().name, "A SaaS built on the MuseKit foundation.")
        core = [f for f in files if f.version in core_versions]
        return cls(folder, name, description, _sources(core), _sources(muse), False)


def _sources(files: tuple[MigrationFile, ...] | list[MigrationFile]) -> tuple[SqlSource, ...]:
    return tuple(SqlSource(str(f.path), f.text) for f in files)


# --- building the list --------------------------------------------------------------------------


def parse_sources(sources: MuseSources) -> SchemaModel:
    return parse_sql_once((*sources.core, *sources.muse))


async def build_doc(sources: MuseSources, db_url: str | None = None) -> TableListDoc:
    """From the live catalog when `db_url` is given, from the migration SQL otherwise."""
    model = parse_sources(sources)
    muse_files = {s.path for s in sources.muse}
    if db_url is None:
        return TableListDoc.from_model(model, muse_files)
    from wizard.pg import connect, describe_url

    conn = await connect(db_url)  # DatabaseError (never showing the password) when it can't
    async with conn:
        return await _doc_from_catalog(conn, model, muse_files, describe_url(db_url))


async def _doc_from_catalog(
    conn: psycopg.AsyncConnection, model: SchemaModel, muse_files: set[str], where: str
) -> TableListDoc:
    import psycopg

    try:
        return await table_list_from_catalog(conn, model, muse_files)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ReadmeDatabaseError(f"reading the catalog as {where} failed: {reason}") from None


# --- the README file ------------------------------------------------------------------------------

UpdateAction = Literal["created", "added", "replaced", "unchanged"]


@dataclass(frozen=True)
class ReadmeUpdate:
    path: Path
    action: UpdateAction  # created the README / added the marked block / replaced its content / nothing to do
    text: str  # the README as it is (or would be) afterwards

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"


def update_readme(sources: MuseSources, body: str, *, write: bool = True, replace: bool = True) -> ReadmeUpdate:
    """Put `body` between the markers of the README (creating it or the markers if needed).

    replace=False leaves an existing block alone (ensure_readme). write=False only computes."""
    path = sources.readme
    old = _read(path)
    if old is None:
        action: UpdateAction = "created"
        new = _new_readme(sources, body)
    else:
        span = find_block(old, path)
        if span is None:
            action, new = "added", _append_block(old, body)
        elif not replace:
            action, new = "unchanged", old
        else:
            start, end, newline = span
            new = old[:start] + body.replace("\n", newline) + old[end:]
            action = "replaced" if new != old else "unchanged"
    if write and action != "unchanged":
        _write(path, new)
    return ReadmeUpdate(path, action, new)


def find_block(text: str, path: Path) -> tuple[int, int, str] | None:
    """(start, end, newline): offsets of the text between the marker lines, and the start marker's
    line ending. None when there are no markers. Raises ReadmeMarkersError when they are broken."""
    markers: list[tuple[str, int, int, int, str]] = []  # (kind, line, line start, line end, ending)
    for number, m in enumerate(_LINES.finditer(text), 1):
        line = m.group()
        kind = {START: "start", END: "end"}.get(line.strip())
        if kind:
            ending = "\r\n" if line.endswith("\r\n") else "\n"
            markers.append((kind, number, m.start(), m.end(), ending))
    if not markers:
        return None
    _check_markers(markers, path)
    (_, _, _, body_start, newline), (_, _, body_end, _, _) = markers
    return body_start, body_end, newline


def _check_markers(markers: list[tuple[str, int, int, int, str]], path: Path) -> None:
    opened: int | None = None
    block: tuple[int, int] | None = None
    for kind, line, *_ in markers:
        if kind == "start":
            if opened is not None:
                raise ReadmeMarkersError(
                    path, line, f"a second `{START}` inside the block opened at line {opened}: markers can't be nested."
                )
            if block is not None:
                raise ReadmeMarkersError(
                    path,
                    line,
                    f"a second table-list block (the first is lines {block[0]}-{block[1]}); a README has one.",
                )
            opened = line
        elif opened is None:
            later = next((ln for k, ln, *_ in markers if k == "start" and ln > line), None)
            if block is not None:
                problem = f"a second `{END}` (the block is lines {block[0]}-{block[1]})."
            elif later is not None:
                problem = f"`{END}` comes before `{START}` (line {later})."
            else:
                problem = f"`{END}` without a `{START}` before it."
            raise ReadmeMarkersError(path, line, problem)
        else:
            block, opened = (opened, line), None
    if opened is not None:
        raise ReadmeMarkersError(path, opened, f"`{START}` without a `{END}` after it.")


def _append_block(text: str, body: str) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    sep = "" if not text or text.endswith("\n") else newline
    if text.strip():
        sep += newline
    return text + sep + (START + "\n" + body + END + "\n").replace("\n", newline)


def _new_readme(sources: MuseSources, body: str) -> str:
    return "\n".join([f"# {sources.name}", "", sources.description, "", _intro(sources), "", START, body + END, ""])


def _intro(s: MuseSources) -> str:
    if s.is_template:
        return (
            "This is a MuseKit Muse template: a SaaS built on the MuseKit foundation (auth, organizations, "
            "billing, admin, metrics, API keys). `migrations/` holds the Muse's own migrations; they run "
            "after the MuseKit core migrations and never change a core table. Clone it onto a new Supabase "
            "project with `musekit clone --muse <this folder>`, or copy the core migrations and these into a "
            "Supabase project's `supabase/migrations/` and apply them with the Supabase CLI "
            "(`supabase link --project-ref <ref>`, then `supabase db push`)."
        )
    return (
        "This is a MuseKit Muse: a SaaS cloned from the MuseKit foundation (auth, organizations, billing, "
        "admin, metrics, API keys) onto its own Supabase project. `supabase/migrations/` holds the MuseKit "
        "core migrations followed by this Muse's own; apply them with the Supabase CLI:\n\n"
        f"```sh\nsupabase link --project-ref {s.project_ref or '<project-ref>'}\nsupabase db push\n```\n\n"
        "The tables this Muse adds are listed below; `musekit readme` keeps the list up to date."
    )


def _read(path: Path) -> str | None:
    from wizard.fs import inside

    inside(path.parent, path.name)  # never through a link: its target's text would be written back here
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReadmeError(f"{path}: can't read it ({exc.strerror}). Nothing was written.") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReadmeError(
            f"{path}:{line}: not UTF-8 text ({exc.reason}). Save it as UTF-8; nothing was written."
        ) from None


def _write(path: Path, text: str) -> None:
    from wizard.fs import inside, write_atomic

    target = inside(path.parent, path.name)  # a link is refused, never followed (it may lead anywhere)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    write_atomic(target, text.encode("utf-8"), mode=mode)


# --- the API the clone engine calls ----------------------------------------------------------------


def ensure_readme(folder: Path, template: MuseTemplate, project_ref: str | None = None) -> bool:
    """Create the README (title, description, how to apply the migrations, the table list from the
    SQL) if it is missing, or add the marked block at its end if it has no markers. Returns
    whether it wrote. An existing block is left as it is."""
    sources = MuseSources.for_template(folder, template, project_ref)
    if sources.readme.exists() and find_block(_read(sources.readme) or "", sources.readme) is not None:
        return False
    body = render_table_list(TableListDoc.from_model(parse_sources(sources), {s.path for s in sources.muse}))
    return update_readme(sources, body, replace=False).changed


async def write_table_list(folder: Path, template: MuseTemplate, db_url: str | None = None) -> bool:
    """Write the table list (from the catalog at `db_url`, or the SQL). Returns whether the README changed."""
    sources = MuseSources.for_template(folder, template)
    body = render_table_list(await build_doc(sources, db_url))
    return update_readme(sources, body).changed


async def write_table_list_in(folder: Path, template: MuseTemplate, conn: psycopg.AsyncConnection) -> bool:
    """write_table_list() from the catalog on an open connection. Returns whether the README changed."""
    sources = MuseSources.for_template(folder, template)
    return update_readme(sources, render_table_list(await _doc_on(conn, sources))).changed


async def table_list_is_current_in(folder: Path, template: MuseTemplate, conn: psycopg.AsyncConnection) -> bool:
    """table_list_is_current() against the catalog on an open connection. Writes nothing."""
    sources = MuseSources.for_template(folder, template)
    return not update_readme(sources, render_table_list(await _doc_on(conn, sources)), write=False).changed


async def _doc_on(conn: psycopg.AsyncConnection, sources: MuseSources) -> TableListDoc:
    from wizard.pg import describe_target

    where = describe_target(conn.info.get_parameters())  # never holds the password
    return await _doc_from_catalog(conn, parse_sources(sources), {s.path for s in sources.muse}, where)


async def table_list_is_current(folder: Path, template: MuseTemplate, db_url: str | None = None) -> bool:
    """Whether write_table_list would leave the README as it is. Writes nothing."""
    sources = MuseSources.for_template(folder, template)
    body = render_table_list(await build_doc(sources, db_url))
    return not update_readme(sources, body, write=False).changed
