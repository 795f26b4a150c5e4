"""Apply a folder of `<version>_<name>.sql` files the way the Supabase CLI does, with more safety.

History goes to `supabase_migrations.schema_migrations` exactly as `supabase db push` writes it
(same columns, version/name values, statements split as the CLI splits them), so the official
CLI sees every file as applied. Beside it, `supabase_migrations.musekit_checksums` keeps a
sha256 per applied file (drift detection). Each file runs in one transaction with its history
row; a session advisory lock keeps two runs from applying anything twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wizard.errors import ExitCode, MusekitError
from wizard.migrations.split import Statement, split_statements

if TYPE_CHECKING:
    import psycopg

FILENAME = re.compile(r"^([0-9]+)_(.*)\.sql$")  # the CLI's pattern
LOCK_KEY = 0x6D7573656B6974  # "musekit": one lock per database for every musekit migrate run

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


# -- errors ------------------------------------------------------------------------------
class MigrationError(MusekitError):
    """Base class: every message says what went wrong, where, and what to do."""


class MigrationFolderError(MigrationError):
    exit_code = ExitCode.USAGE

    pass


class StatementFailed(MigrationError):
    def __init__(
        self,
        file: MigrationFile,
        line: int,
        statement: str,
        pg_message: str,
        sqlstate: str | None,
        atomic: bool = False,
    ):
        self.file, self.line, self.statement, self.pg_message, self.sqlstate = (
            file,
            line,
            statement,
            pg_message,
            sqlstate,
        )
        shown = statement if len(statement) <= 400 else statement[:400] + " …"
        outcome = (
            "Everything this run applied was rolled back."
            if atomic
            else "The whole file was rolled back; files before it stay applied."
        )
        super().__init__(
            f"{file.path}, line {line}: {pg_message}"
            f"{f' (SQLSTATE {sqlstate})' if sqlstate else ''}\n"
            f"  statement: {shown}\n"
            f"  {outcome} Fix the file and run again: it continues from {file.path.name}."
        )


class DriftError(MigrationError):
    exit_code = ExitCode.USAGE

    pass


class HistoryMismatch(MigrationError):
    exit_code = ExitCode.USAGE

    pass


class LockTimeout(MigrationError):
    pass


class GuardViolation(MigrationError):
    exit_code = ExitCode.FINDINGS

    def __init__(self, differences: list[str]):
        self.differences = differences
        super().__init__(
            "the migrations changed core objects, so everything they applied was rolled back:\n"
            + "\n".join(f"  - {d}" for d in differences)
        )


# -- files -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path
    text: str

    @cached_property
    def statements(self) -> list[Statement]:
        return split_statements(self.text)

    @cached_property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return self.path.name


def parse_filename(path: Path) -> tuple[str, str]:
    match = FILENAME.match(path.name)
    if not match:
        raise MigrationFolderError(
            f"{path}: not a migration file name. Expected <version>_<name>.sql, where <version> is digits "
            f"(`supabase migration new` uses a 14-digit UTC timestamp, e.g. 20260101120000_add_tables.sql). "
            f"Rename the file; nothing was applied."
        )
    return match.group(1), match.group(2)


def load_files(paths: Sequence[Path]) -> list[MigrationFile]:
    """Read and order migration files; refuse bad names and duplicate versions before anything runs."""
    files: list[MigrationFile] = []
    seen: dict[str, Path] = {}
    for path in paths:
        version, name = parse_filename(path)
        if version in seen:
            raise MigrationFolderError(
                f"duplicate migration version {version}: {seen[version]} and {path}. Each file needs its own "
                f"version; rename one (e.g. bump its timestamp). Nothing was applied."
            )
        seen[version] = path
        try:
            text = path.read_bytes().decode("utf-8")  # exact bytes: no newline translation (CRLF stays CRLF)
        except UnicodeDecodeError as exc:
            raise MigrationFolderError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}). Nothing was applied."
            ) from exc
        files.append(MigrationFile(version=version, name=name, path=path, text=text))
    return sorted(files, key=lambda f: (len(f.version), f.version))


def load_folder(folder: Path) -> list[MigrationFile]:
    folder = Path(folder)
    if not folder.is_dir():
        raise MigrationFolderError(
            f"{folder}: no such folder. Pass the folder holding your <version>_<name>.sql files."
        )
    return load_files([p for p in folder.iterdir() if p.suffix == ".sql" and not p.name.startswith(".")])


# -- progress ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MigrationEvent:
    kind: str  # "file_started" | "statement" | "file_applied" | "file_skipped" | "waiting_for_lock"
    file: MigrationFile | None = None
    index: int = 0  # file index (1-based) among the pending files, or statement index within a file
    total: int = 0
    seconds: float = 0.0


Progress = Callable[[MigrationEvent], None]


class Guard(Protocol):
    """Checks taken around a whole (atomic) apply, e.g. the core-purity fingerprint."""

    async def snapshot(self, conn: psycopg.AsyncConnection) -> Any: ...

    def compare(self, before: Any, after: Any) -> list[str]: ...


# -- plan --------------------------------------------------------------------------------
@dataclass
class Plan:
    applied: list[str]  # versions recorded in the database
    pending: list[MigrationFile]
    backfill: list[MigrationFile] = field(default_factory=list)  # applied by another tool: checksum not yet known


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


# -- database side -----------------------------------------------------------------------
async def connect(url: str) -> psycopg.AsyncConnection:
    from wizard.pg import connect as db_connect

    return await db_connect(url)


async def read_history(conn: psycopg.AsyncConnection) -> dict[str, str | None]:
    cur = await conn.execute(
        "select to_regclass('supabase_migrations.schema_migrations') is not null, "
        "to_regclass('supabase_migrations.musekit_checksums') is not null"
    )
    has_history, has_sums = await cur.fetchone()
    if not has_history:
        return {}
    if has_sums:
        cur = await conn.execute(
            "select m.version, c.sha256 from supabase_migrations.schema_migrations m "
            "left join supabase_migrations.musekit_checksums c using (version)"
        )
    else:
        cur = await conn.execute("select version, null from supabase_migrations.schema_migrations")
    return {v: s for v, s in await cur.fetchall()}


async def acquire_lock(conn: psycopg.AsyncConnection, timeout: float, progress: Progress | None) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        cur = await conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,))
        if (await cur.fetchone())[0]:
            return
        if not told and progress:
            progress(MigrationEvent("waiting_for_lock"))
            told = True
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"another migration run holds the lock on this database and did not finish within {timeout:.0f} s. "
                "Wait for it to finish (or stop it), then run again; nothing was applied by this run."
            )
        await asyncio.sleep(0.2)


async def ensure_history_tables(conn: psycopg.AsyncConnection) -> None:
    async with conn.transaction():
        for ddl in HISTORY_DDL:
            await conn.execute(ddl)


def _error_line(file: MigrationFile, stmt: Statement, exc: Exception) -> int:
    diag = getattr(exc, "diag", None)
    pos = getattr(diag, "statement_position", None)
    if pos:
        try:
            return stmt.line + stmt.text[: int(pos) - 1].count("\n")
        except ValueError:
            pass
    return stmt.line


async def _run_file(
    conn: psycopg.AsyncConnection, file: MigrationFile, progress: Progress | None, atomic: bool = False
) -> None:
    import psycopg

    total = len(file.statements)
    t0 = time.monotonic()
    await conn.execute("reset all")
    for i, stmt in enumerate(file.statements, 1):
        try:
            await conn.execute(stmt.text)
        except psycopg.Error as exc:
            diag = exc.diag
            message = diag.message_primary or str(exc).strip()
            extra = "".join(
                f"\n  {label}: {val}"
                for label, val in (("detail", diag.message_detail), ("hint", diag.message_hint))
                if val
            )
            raise StatementFailed(
                file, _error_line(file, stmt, exc), stmt.text, message + extra, diag.sqlstate, atomic
            ) from None
        if progress:
            progress(MigrationEvent("statement", file, i, total))
    await conn.execute(
        "insert into supabase_migrations.schema_migrations (version, name, statements) values (%s, %s, %s)",
        (file.version, file.name, [s.text for s in file.statements]),
    )
    await conn.execute(
        "insert into supabase_migrations.musekit_checksums (version, sha256, duration_ms) values (%s, %s, %s)",
        (file.version, file.checksum, int((time.monotonic() - t0) * 1000)),
    )


@dataclass
class ApplyResult:
    applied: list[MigrationFile]
    already_applied: list[str]
    pending: list[MigrationFile]  # what a dry run would apply
    dry_run: bool
    seconds: float


async def apply(
    url: str,
    files: Sequence[MigrationFile],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    include_all: bool = False,
    atomic: bool = False,
    guard: Guard | None = None,
    before_file: Callable[[MigrationFile], Awaitable[None] | None] | None = None,
    only: set[str] | None = None,
) -> ApplyResult:
    """Apply the pending `files` to the database at `url`.

    atomic=False: one transaction per file (a failure keeps earlier files, a rerun continues).
    atomic=True: all pending files in one transaction (each still gets its history row); with a
    `guard`, a snapshot before and after must compare equal, else everything is rolled back.
    `before_file` runs before each file (the clone uses it as a failpoint / cancellation point).
    `only`: apply just these versions now (the others must still be present: they are part of the
    folder the database history is compared with).
    Nothing is written when nothing is pending: a finished database is only read.
    """
    t0 = time.monotonic()
    conn = await connect(url)
    try:
        plan = _select(make_plan(files, await read_history(conn), include_all=include_all), only)
        if dry_run or not (plan.pending or plan.backfill):
            return ApplyResult([], plan.applied, plan.pending, dry_run, time.monotonic() - t0)
        await acquire_lock(conn, lock_timeout, progress)
        await ensure_history_tables(conn)
        plan = _select(make_plan(files, await read_history(conn), include_all=include_all), only)
        await _backfill(conn, plan.backfill)
        applied = await (
            _apply_atomic(conn, plan.pending, progress, guard, before_file)
            if atomic
            else _apply_files(conn, plan.pending, progress, before_file, atomic=False)
        )
        return ApplyResult(applied, plan.applied, [], False, time.monotonic() - t0)
    finally:
        await conn.close()  # closing the session releases the advisory lock


def _select(plan: Plan, only: set[str] | None) -> Plan:
    if only is not None:
        plan.pending = [f for f in plan.pending if f.version in only]
    return plan


async def _backfill(conn: psycopg.AsyncConnection, files: list[MigrationFile]) -> None:
    """Files applied by another tool (e.g. `supabase db push`): trust their current content once."""
    for f in files:
        await conn.execute(
            "insert into supabase_migrations.musekit_checksums (version, sha256) values (%s, %s) "
            "on conflict (version) do nothing",
            (f.version, f.checksum),
        )


async def _maybe_await(value: Awaitable[None] | None) -> None:
    if value is not None:
        await value


async def _apply_files(conn, pending, progress, before_file, *, atomic: bool) -> list[MigrationFile]:
    """Run the files in order: each in its own transaction, or (atomic) inside the caller's."""
    done: list[MigrationFile] = []
    for n, file in enumerate(pending, 1):
        if before_file:
            await _maybe_await(before_file(file))
        if progress:
            progress(MigrationEvent("file_started", file, n, len(pending)))
        t = time.monotonic()
        if atomic:
            await _run_file(conn, file, progress, atomic=True)
        else:
            async with conn.transaction():
                await _run_file(conn, file, progress)
        done.append(file)
        if progress:
            progress(MigrationEvent("file_applied", file, n, len(pending), time.monotonic() - t))
    return done


async def _apply_atomic(conn, pending, progress, guard, before_file) -> list[MigrationFile]:
    if not pending:
        return []
    async with conn.transaction():
        before = await guard.snapshot(conn) if guard else None
        done = await _apply_files(conn, pending, progress, before_file, atomic=True)
        if guard:
            differences = guard.compare(before, await guard.snapshot(conn))
            if differences:
                raise GuardViolation(differences)
    return done


async def history(url: str) -> dict[str, str | None]:
    """Applied versions (-> checksum or None) of the database at `url`."""
    conn = await connect(url)
    try:
        return await read_history(conn)
    finally:
        await conn.close()
