"""What `musekit diff` compares, from what the user typed: a Muse folder (its
supabase/migrations/), a folder of migration files, a Muse template (slug or folder), or a
database URL; and each side's snapshot and core files.

In a folder, the files whose versions are core versions are the core; the rest are the Muse's.
A folder or template without core files is read on top of the shipped core (a Muse always runs
on it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from wizard.diff.errors import SIDE_FORMS, DiffSideError
from wizard.diff.from_files import snapshot_from_sources
from wizard.diff.snapshot import CoreScope, SchemaSnapshot
from wizard.migrations import MigrationError, MigrationFile, load_folder
from wizard.muses import SLUG, TemplateError, core_files, load_template
from wizard.sql import SqlParseError, SqlSource

SideKind = Literal["muse folder", "folder", "template", "database"]
URL = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)
CLONE_MIGRATIONS = Path("supabase") / "migrations"


@dataclass(frozen=True)
class Side:
    label: str  # "A", "B", "files", "database"
    kind: SideKind
    shown: str  # what was given, as it may be shown (a URL without its password)
    description: str  # one line: "template realtor (shipped, 3 migration files)"
    core: tuple[SqlSource, ...] = ()
    muse: tuple[SqlSource, ...] = ()
    url: str | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "kind": self.kind, "given": self.shown, "description": self.description}


def resolve_side(label: str, given: str) -> Side:
    """Raises DiffSideError naming the side, what was given and what to pass instead."""
    if URL.match(given):
        return _database(label, given)
    path = Path(given).expanduser()
    if path.exists():
        return _folder(label, given, path)
    if "/" in given or given.startswith(".") or not SLUG.match(given):
        raise DiffSideError(label, given, "no such folder.", f"Pass {SIDE_FORMS}.")
    return _template(label, given, given)


def resolve_live(folder: str, url: str) -> tuple[Side, Side]:
    """`diff DIR --live`: the folder's migration files (A) and its database (B)."""
    files = resolve_side("files", folder)
    if files.kind == "database":
        raise DiffSideError("files", files.shown, "is a database URL.", "--live compares a folder with its database.")
    return files, _database("database", url)


def _database(label: str, url: str) -> Side:
    from wizard.pg import InvalidDatabaseUrl, describe_url, parse_url

    shown = describe_url(url)
    try:
        parse_url(url)
    except InvalidDatabaseUrl as exc:
        raise DiffSideError(label, "a database URL", str(exc)) from None
    return Side(label, "database", shown, f"database {shown}", url=url)


def _folder(label: str, given: str, path: Path) -> Side:
    if not path.is_dir():
        raise DiffSideError(label, given, "is a file, not a folder.", f"Pass {SIDE_FORMS}.")
    if (path / "muse.toml").is_file():
        return _template(label, given, path)
    if (path / CLONE_MIGRATIONS).is_dir():
        return _files_side(label, given, "muse folder", path / CLONE_MIGRATIONS)
    if any(p.suffix == ".sql" for p in path.iterdir()):
        return _files_side(label, given, "folder", path)
    raise DiffSideError(
        label,
        given,
        f"holds no migrations: no {CLONE_MIGRATIONS}/, no muse.toml, no .sql files.",
        f"Pass {SIDE_FORMS}.",
    )


def _files_side(label: str, given: str, kind: SideKind, folder: Path) -> Side:
    try:
        files = load_folder(folder)
    except MigrationError as exc:
        raise DiffSideError(label, given, str(exc)) from None
    core_versions = {f.version for f in _shipped_core()}
    own_core = [f for f in files if f.version in core_versions]
    muse = [f for f in files if f.version not in core_versions]
    core = own_core or _shipped_core()
    on = f"{len(own_core)} core + {len(muse)} Muse migrations" if own_core else f"{len(muse)} migrations, on the core"
    return Side(label, kind, given, f"{kind[0].upper()}{kind[1:]} {given} ({on})", _sources(core), _sources(muse))


def _template(label: str, given: str, ref: str | Path) -> Side:
    try:
        template = load_template(ref, _shipped_core())
    except TemplateError as exc:
        raise DiffSideError(label, given, str(exc)) from None
    origin = "shipped" if template.shipped else str(template.path)
    count = f"{len(template.files)} migration file{'s' if len(template.files) != 1 else ''}"
    return Side(
        label,
        "template",
        given,
        f"template {template.slug} ({origin}, {count})",
        _sources(_shipped_core()),
        _sources(template.files),
    )


def _shipped_core() -> list[MigrationFile]:
    return core_files()


def _sources(files: list[MigrationFile] | tuple[MigrationFile, ...]) -> tuple[SqlSource, ...]:
    return tuple(SqlSource(str(f.path), f.text) for f in files)


# --- snapshots ------------------------------------------------------------------------------------


def files_snapshot(side: Side) -> SchemaSnapshot:
    """The snapshot of a files side (core then Muse files, in order)."""
    try:
        return snapshot_from_sources((*side.core, *side.muse))
    except SqlParseError as exc:
        raise DiffSideError(side.label, side.shown, str(exc)) from None


async def snapshot_of(side: Side) -> SchemaSnapshot:
    if side.url is None:
        return files_snapshot(side)
    import psycopg

    from wizard.diff.from_catalog import read_snapshot
    from wizard.pg import DatabaseError, connect

    try:
        conn = await connect(side.url)
    except DatabaseError as exc:
        raise DiffSideError(side.label, side.shown, str(exc)) from None
    try:
        return await read_snapshot(conn)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DiffSideError(side.label, side.shown, f"reading the catalog failed: {reason}") from None
    finally:
        await conn.close()


def core_scope(*sides: Side) -> CoreScope:
    """The shipped core's objects, and those of every side's own core files."""
    cores = {_sources(_shipped_core())} | {side.core for side in sides if side.core}
    try:
        return CoreScope.of(*(snapshot_from_sources(c) for c in sorted(cores, key=len)))
    except SqlParseError as exc:
        raise DiffSideError("core", "core migrations", str(exc)) from None
