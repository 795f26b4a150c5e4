"""Many queries in one round trip: libpq's pipeline mode, driven by psycopg's own wait loop.

A migration file's statements go out together, so a file costs one round trip (plus one for
its history row and commit) where executing statement by statement costs one per statement,
and no Python runs between two statements on the server. The server sends the results at the
Sync, together: asking it to flush after each statement would make progress events live, but
costs a client wake-up per statement (about 10% more time for small files)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from psycopg import errors
    from psycopg.abc import PQGen
    from psycopg.pq.abc import PGconn, PGresult


# libpq's ExecStatusType values of a query that succeeded: EMPTY_QUERY, COMMAND_OK, TUPLES_OK
# (plain ints: this is checked for every statement, and psycopg is imported only when applying)
_SUCCESS = frozenset((0, 1, 2))


class Query(NamedTuple):
    sql: bytes
    params: Sequence[bytes | None] | None = None
    types: Sequence[int] | None = None  # parameter type OIDs


def batch(
    pgconn: PGconn,
    queries: Sequence[Query],
    encoding: str,
    on_result: Callable[[int], None] | None = None,
) -> PQGen[None]:
    """Send `queries` in one pipeline ending with a Sync, then read their results in order,
    calling on_result(i) once query i has succeeded. The first error (a psycopg error, as
    `cursor.execute` raises it) is raised once every result is read: the server skipped the
    queries after it. Either way the connection leaves pipeline mode, ready for the next query,
    unless a COPY to or from the client got it stuck (then it stays in pipeline mode: close it)."""
    from psycopg.generators import fetch_many, send

    pgconn.enter_pipeline_mode()
    for q in queries:
        pgconn.send_query_params(q.sql, q.params, q.types)
    pgconn.pipeline_sync()
    yield from send(pgconn)
    error: errors.Error | None = None
    for i in range(len(queries)):
        results = yield from fetch_many(pgconn)
        if error is None:
            error = _error(results, encoding)
            if error is None and on_result:
                on_result(i)
    yield from fetch_many(pgconn)  # the Sync's own result
    pgconn.exit_pipeline_mode()
    if error is not None:
        raise error


def _error(results: list[PGresult], encoding: str) -> errors.Error | None:
    for result in results:
        if result.status not in _SUCCESS:
            return _error_of(result, encoding)
    return None


def _error_of(result: PGresult, encoding: str) -> errors.Error:
    from psycopg import errors, pq

    status = pq.ExecStatus(result.status)
    if status == pq.ExecStatus.FATAL_ERROR:
        return errors.error_from_result(result, encoding=encoding)
    if status.name.startswith("COPY"):  # the session now waits for COPY data: it is left for the caller to close
        raise errors.NotSupportedError(
            "COPY to or from the client cannot run in a migration file: no client sends or reads its data"
        )
    return errors.InterfaceError(f"unexpected result from the server: {status.name}")
