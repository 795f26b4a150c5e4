"""Apply a folder of `<version>_<name>.sql` files the way the Supabase CLI does, with more safety.

Each file runs in one transaction with its history row (see `history`); a session advisory
lock keeps two runs from applying anything twice. A file's statements travel in one pipeline
(see `pipeline`): the server runs them back to back, then their `statement` events are
reported, then the history row and the commit follow.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from wizard.migrations.errors import GuardViolation, LockTimeout, StatementFailed, TransactionEscaped
from wizard.migrations.files import MigrationFile
from wizard.migrations.history import Plan, backfill, ensure_history_tables, make_plan, read_history, record_query
from wizard.migrations.pipeline import Query, batch
from wizard.migrations.split import Statement

if TYPE_CHECKING:
    import psycopg
    from psycopg.abc import PQGen

# Before its statements, each file opens its transaction (unless inside the caller's), starts from
# the session defaults, whatever the previous file SET, and notes the transaction's id; after them,
# the same transaction must still be the one in progress. A COMMIT or ROLLBACK among the statements
# ends it: the check then fails, and the queries after the COMMIT, which the server ran in the
# pipeline's implicit transaction, are rolled back with it.
_MARK_TRANSACTION = Query(b"select pg_catalog.set_config('musekit.xact', pg_catalog.txid_current()::text, true)")
# Every operator and type named with its schema: the migration's SQL may have changed the search_path
_SAME_TRANSACTION = Query(
    b"do $musekit$ begin if pg_catalog.current_setting('musekit.xact', true) is null or not "
    b"(pg_catalog.current_setting('musekit.xact', true) operator(pg_catalog.=) "
    b"pg_catalog.txid_current()::pg_catalog.text) then raise exception using errcode = 'MK001', "
    b"message = 'musekit: the migration ended the transaction it runs in'; end if; end $musekit$"
)
_OWN_TRANSACTION = (Query(b"begin"), Query(b"reset all"), _MARK_TRANSACTION)
_CALLERS_TRANSACTION = (Query(b"reset all"), _MARK_TRANSACTION)
_COMMIT, _ROLLBACK = Query(b"commit"), Query(b"rollback")
LOCK_KEY = 0x6D7573656B6974  # "musekit": one lock per database for every musekit migrate run


# -- progress ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MigrationEvent:
    kind: str  # "file_started" | "statement" | "file_applied" | "file_skipped" | "waiting_for_lock"
    file: MigrationFile | None = None
    index: int = 0  # file index (1-based) among the pending files, or statement index within a file
    total: int = 0
    seconds: float = 0.0


Progress = Callable[[MigrationEvent], None]
BeforeFile = Callable[[MigrationFile], Awaitable[None] | None]


class Guard[SnapshotT](Protocol):
    """Checks taken around a whole (atomic) apply, e.g. the core-purity fingerprint."""

    async def snapshot(self, conn: psycopg.AsyncConnection) -> SnapshotT: ...

    def compare(self, before: SnapshotT, after: SnapshotT) -> list[str]: ...


@dataclass
class ApplyResult:
    applied: list[MigrationFile]
    already_applied: list[str]
    pending: list[MigrationFile]  # what a dry run would apply
    dry_run: bool
    seconds: float


# -- apply -------------------------------------------------------------------------------
async def read_plan(
    conn: psycopg.AsyncConnection, files: Sequence[MigrationFile], *, include_all: bool = False
) -> Plan:
    """What `apply(dry_run=True)` reports, read on an open connection (no lock, nothing written)."""
    return make_plan(files, await read_history(conn), include_all=include_all)


async def apply[SnapshotT](
    url: str,
    files: Sequence[MigrationFile],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    include_all: bool = False,
    atomic: bool = False,
    guard: Guard[SnapshotT] | None = None,
    before_file: BeforeFile | None = None,
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
    from wizard.pg import connect  # with the embedded-cluster helpers: loaded only to apply

    t0 = time.monotonic()
    conn = await connect(url)
    try:
        options = _Options(dry_run, progress, lock_timeout, include_all, atomic, before_file, only)
        return await _apply(conn, files, options, guard, t0)
    finally:
        await conn.close()  # closing the session releases the advisory lock


async def apply_on[SnapshotT](
    conn: psycopg.AsyncConnection,
    files: Sequence[MigrationFile],
    *,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    include_all: bool = False,
    atomic: bool = False,
    guard: Guard[SnapshotT] | None = None,
    only: set[str] | None = None,
) -> ApplyResult:
    """apply() on an open connection the caller goes on using (e.g. to verify what was applied): the
    session is discarded afterwards (DISCARD ALL: the lock released, and whatever role, setting or
    temporary object the files left in it gone), so what runs next sees a session as a new one would.
    Use it for trusted files only (the core): a Muse's files are applied and checked on sessions of their own."""
    from wizard.pg import discard_session

    options = _Options(False, progress, lock_timeout, include_all, atomic, None, only)
    t0 = time.monotonic()
    cur = await conn.execute("select current_user::text, session_user::text")
    roles = await cur.fetchone()
    assert roles is not None  # a SELECT without FROM returns exactly one row
    try:
        return await _apply(conn, files, options, guard, t0)
    finally:
        role, login = roles
        await discard_session(conn, role if role != login else None)


@dataclass(frozen=True)
class _Options:
    dry_run: bool
    progress: Progress | None
    lock_timeout: float
    include_all: bool
    atomic: bool
    before_file: BeforeFile | None
    only: set[str] | None


async def _apply[SnapshotT](
    conn: psycopg.AsyncConnection,
    files: Sequence[MigrationFile],
    o: _Options,
    guard: Guard[SnapshotT] | None,
    t0: float,
) -> ApplyResult:
    plan = make_plan(files, await read_history(conn), include_all=o.include_all).select(o.only)
    if o.dry_run or not (plan.pending or plan.backfill):
        return ApplyResult([], plan.applied, plan.pending, o.dry_run, time.monotonic() - t0)
    await acquire_lock(conn, o.lock_timeout, o.progress)
    await ensure_history_tables(conn)
    plan = make_plan(files, await read_history(conn), include_all=o.include_all).select(o.only)
    await backfill(conn, plan.backfill)
    runner = _Runner(conn, o.progress, o.before_file, o.atomic)
    applied = await (runner.run_atomic(plan.pending, guard) if o.atomic else runner.run(plan.pending))
    return ApplyResult(applied, plan.applied, [], False, time.monotonic() - t0)


async def acquire_lock(conn: psycopg.AsyncConnection, timeout: float, progress: Progress | None) -> None:
    import asyncio  # loaded with psycopg when applying; reading a folder (load_folder) needs neither

    deadline = time.monotonic() + timeout
    told = False
    while True:
        cur = await conn.execute("select pg_try_advisory_lock(%s)", (LOCK_KEY,))
        row = await cur.fetchone()
        if row is not None and row[0]:
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


class _Runner:
    """Runs pending files in order on one connection, reporting progress events."""

    def __init__(
        self,
        conn: psycopg.AsyncConnection,
        progress: Progress | None,
        before_file: BeforeFile | None,
        atomic: bool,
    ) -> None:
        self.conn, self.progress, self.before_file, self.atomic = conn, progress, before_file, atomic
        self.encoding = conn.info.encoding
        self.head = _CALLERS_TRANSACTION if atomic else _OWN_TRANSACTION
        self.tail = () if atomic else (_COMMIT,)

    async def run(self, pending: Sequence[MigrationFile]) -> list[MigrationFile]:
        """Each file in its own transaction, or (atomic) inside the caller's."""
        for n, file in enumerate(pending, 1):
            if self.before_file:
                waiting = self.before_file(file)
                if waiting is not None:
                    await waiting
            self._event("file_started", file, n, len(pending))
            t = time.monotonic()
            await self._run_file(file)
            self._event("file_applied", file, n, len(pending), time.monotonic() - t)
        return list(pending)

    async def run_atomic[SnapshotT](
        self, pending: Sequence[MigrationFile], guard: Guard[SnapshotT] | None
    ) -> list[MigrationFile]:
        if not pending:
            return []
        async with self.conn.transaction():
            if guard is None:
                return await self.run(pending)
            before = await guard.snapshot(self.conn)
            done = await self.run(pending)
            differences = guard.compare(before, await guard.snapshot(self.conn))
            if differences:
                raise GuardViolation(differences)
        return done

    async def _run_file(self, file: MigrationFile) -> None:
        import psycopg

        run = _FileRun(file, len(self.head), self._statement_event)
        try:
            await self.conn.wait(self._exchange(run))
        except BaseException as exc:
            if self.conn.pgconn.pipeline_status:  # stopped halfway through a pipeline: the session is unusable
                await self.conn.close()
            if isinstance(exc, psycopg.Error) and run.failed is not None:
                raise self._failure(file, run.failed, exc) from None
            if isinstance(exc, psycopg.Error) and exc.sqlstate == "MK001":
                raise TransactionEscaped(file.path) from None
            raise

    def _exchange(self, run: _FileRun) -> PQGen[None]:
        """One file's two round trips: (begin,) reset all and the statements; then its history row
        (and commit), sent once the statement events are out: a process killed during them leaves
        the file rolled back, as when statements ran one by one."""
        import psycopg
        from psycopg.pq import TransactionStatus

        file, pgconn, enc = run.file, self.conn.pgconn, self.encoding
        t0 = time.monotonic()
        statements = [Query(s.text.encode(enc)) for s in file.statements]
        try:
            yield from batch(pgconn, [*self.head, *statements, _SAME_TRANSACTION], enc, run.succeeded)
            record = record_query(file, int((time.monotonic() - t0) * 1000), enc)
            yield from batch(pgconn, [record, *self.tail], enc)
        except psycopg.Error:
            run.fail()
            # roll back our own transaction if the session can still hear it (atomic: the caller's, by the caller)
            if not self.atomic and not pgconn.pipeline_status and pgconn.transaction_status != TransactionStatus.IDLE:
                yield from batch(pgconn, [_ROLLBACK], enc)
            raise

    def _failure(self, file: MigrationFile, stmt: Statement, exc: psycopg.Error) -> StatementFailed:
        diag = exc.diag
        message = diag.message_primary or str(exc).strip()
        extra = "".join(
            f"\n  {label}: {val}"
            for label, val in (("detail", diag.message_detail), ("hint", diag.message_hint))
            if val
        )
        line = _error_line(stmt, diag.statement_position)
        return StatementFailed(file.path, line, stmt.text, message + extra, diag.sqlstate, self.atomic)

    def _statement_event(self, file: MigrationFile, index: int) -> None:
        self._event("statement", file, index, len(file.statements))

    def _event(self, kind: str, file: MigrationFile, index: int, total: int, seconds: float = 0.0) -> None:
        if self.progress:
            self.progress(MigrationEvent(kind, file, index, total, seconds))


@dataclass
class _FileRun:
    """How far one file got: the queries that succeeded (`head` of them before the statements)."""

    file: MigrationFile
    head: int
    on_statement: Callable[[MigrationFile, int], None]
    ran: int = 0
    failed: Statement | None = None

    def succeeded(self, index: int) -> None:
        self.ran = index + 1
        if self.head <= index < self.head + len(self.file.statements):
            self.on_statement(self.file, index - self.head + 1)

    def fail(self) -> None:
        """The query after the last one that succeeded failed: name it if it is a statement
        (not the ones before the statements, nor the history row after them)."""
        k = self.ran - self.head
        self.failed = self.file.statements[k] if 0 <= k < len(self.file.statements) else None


def _error_line(stmt: Statement, position: str | None) -> int:
    """The file line of the error: where the statement starts, plus the lines before Postgres's position."""
    if position and position.isdigit():
        return stmt.line + stmt.text[: int(position) - 1].count("\n")
    return stmt.line
