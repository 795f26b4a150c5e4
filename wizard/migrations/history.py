"""The database's record of applied migrations, and how the folder compares with it.

History goes to `supabase_migrations.schema_migrations` exactly as `supabase db push` writes it
(same columns, version/name values, statements split as the CLI splits them), so the official
CLI sees every file as applied. Beside it, `supabase_migrations.musekit_checksums` keeps a
sha256 per applied file: a file changed after it was applied is refused (drift)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.migrations.errors import DriftError, HistoryMismatch
from wizard.migrations.files import MigrationFile
from wizard.migrations.pipeline import Query

if TYPE_CHECKING:
    import psycopg

HISTORY_DDL = (
    "create schema if not exists supabase_migrations",
    "create table if not exists supabase_migrations.schema_migrations (version text not null primary key)",
    "alter table supabase_migrations.schema_migrations add column if not exists statements text[]",
    "alter table supabase_migrations.schema_migrations add column if not exists name text",
    """create table if not exists supabase_migrations.musekit_checksums (
         version text primary key references supabase_migrations.schema_migrations (version) on delete cascade,
         sha256 text not null,
         applied_at timestamptz not null default now(),
         applied_by text not null default current_user,
         duration_ms integer
       )""",
    "comment on table supabase_migrations.musekit_checksums is "
    "'musekit: sha256 of each applied migration file, to refuse files edited after they were applied'",
)

# One statement records a file: its history row and its checksum (the checksum's foreign key is
# checked at the end of the statement, when the history row exists).
_RECORD = (
    b"with m as (insert into supabase_migrations.schema_migrations (version, name, statements) "
    b"values ($1, $2, $3) returning version) "
    b"insert into supabase_migrations.musekit_checksums (version, sha256, duration_ms) "
    b"select version, $4, $5 from m"
)
_RECORD_TYPES = (25, 25, 1009, 25, 23)  # OIDs of text, text, text[], text, integer


def record_query(file: MigrationFile, duration_ms: int, encoding: str) -> Query:
    """The statement that records `file` as applied, and how many milliseconds it took."""
    statements = _text_array([s.text for s in file.statements])
    values = (file.version, file.name, statements, file.checksum, str(duration_ms))
    return Query(_RECORD, [v.encode(encoding) for v in values], _RECORD_TYPES)


def _text_array(items: list[str]) -> str:
    """A text[] literal: every element double-quoted, with `\\` and `"` backslash-escaped."""
    quoted = ('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in items)
    return "{" + ",".join(quoted) + "}"


@dataclass
class Plan:
    applied: list[str]  # versions recorded in the database
    pending: list[MigrationFile]
    backfill: list[MigrationFile] = field(default_factory=list)  # applied by another tool: checksum not yet known

    def select(self, only: set[str] | None) -> Plan:
        """Keep only the pending files whose versions are in `only` (None: all of them)."""
        if only is not None:
            self.pending = [f for f in self.pending if f.version in only]
        return self


def make_plan(files: Sequence[MigrationFile], history: dict[str, str | None], *, include_all: bool = False) -> Plan:
    """Compare the folder with the database history. `history` maps version -> checksum (None if unknown)."""
    local = {f.version: f for f in files}
    unknown = [v for v in history if v not in local]
    if unknown:
        raise HistoryMismatch(
            "the database has migrations that this folder lacks: " + ", ".join(sorted(unknown)) + ".\n"
            "  Restore those files into the folder, or, if they were deliberately removed, mark them reverted with "
            f"`supabase migration repair --status reverted {' '.join(sorted(unknown))}`. Nothing was applied."
        )
    drifted = [f for f in files if history.get(f.version) not in (None, f.checksum) and f.version in history]
    if drifted:
        raise DriftError(
            "applied migration files were changed afterwards: " + ", ".join(f.filename for f in drifted) + ".\n"
            "  An applied migration is never re-run. Restore the original content and put the change in a new "
            "migration file (`supabase migration new <name>`). Nothing was applied."
        )
    pending = [f for f in files if f.version not in history]
    if pending and history and not include_all:
        last = max(history, key=lambda v: (len(v), v))
        early = [f.filename for f in pending if (len(f.version), f.version) < (len(last), last)]
        if early:
            raise HistoryMismatch(
                f"{', '.join(early)} would be inserted before {last}, the last migration already applied. "
                "Give them later versions, or pass --include-all to apply them anyway. Nothing was applied."
            )
    backfill = [f for f in files if f.version in history and history[f.version] is None]
    return Plan(applied=sorted(history), pending=pending, backfill=backfill)


async def read_history(conn: psycopg.AsyncConnection) -> dict[str, str | None]:
    """Applied versions -> checksum (None when another tool applied the file); {} on a new database."""
    cur = await conn.execute(
        "select to_regclass('supabase_migrations.schema_migrations') is not null, "
        "to_regclass('supabase_migrations.musekit_checksums') is not null"
    )
    found = await cur.fetchone()
    if found is None or not found[0]:
        return {}
    if found[1]:
        cur = await conn.execute(
            "select m.version, c.sha256 from supabase_migrations.schema_migrations m "
            "left join supabase_migrations.musekit_checksums c using (version)"
        )
    else:
        cur = await conn.execute("select version, null from supabase_migrations.schema_migrations")
    return {v: s for v, s in await cur.fetchall()}


async def ensure_history_tables(conn: psycopg.AsyncConnection) -> None:
    async with conn.transaction():
        for ddl in HISTORY_DDL:
            await conn.execute(ddl)


async def backfill(conn: psycopg.AsyncConnection, files: list[MigrationFile]) -> None:
    """Files applied by another tool (e.g. `supabase db push`): trust their current content once."""
    for f in files:
        await conn.execute(
            "insert into supabase_migrations.musekit_checksums (version, sha256) values (%s, %s) "
            "on conflict (version) do nothing",
            (f.version, f.checksum),
        )
