"""What the API does inside a project's own cluster (clusters.py): the SQL endpoint, the health
check, the temporary login roles, the advisors.

The SQL endpoint and the advisors log in as the project's `postgres` through the cluster's
private Unix socket (trusted there for that one role, into database `postgres`): a plain
non-superuser session, exactly the role a hosted project's SQL runs as. It cannot become anyone
else: PostgreSQL itself refuses SET SESSION AUTHORIZATION to a non-superuser (also through
set_config or inside a DO block), and no superuser session is ever opened for a request's SQL."""

from __future__ import annotations

import asyncio
import json
import secrets
import string
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

from wizard.sandbox.clusters import MIGRATOR, ClusterError, ProjectClusters

if TYPE_CHECKING:
    from wizard.lints import Report

# Postgres' own text for these types, as the real endpoint (node-postgres in pg-meta) returns them.
_AS_TEXT = ("date", "time", "timetz", "timestamp", "timestamptz", "interval", "numeric", "bytea")
_MAX_SAFE_INT = 2**53 - 1
# The platform's names: `cli_login_postgres` is recorded (supabase/cli#5091); the read-only
# role's name is not, so that one is a guess.
LOGIN_ROLE = "cli_login_postgres"
READ_ONLY_LOGIN_ROLE = "cli_login_read_only"
LOGIN_ROLE_TTL = 300  # seconds, as in the official CLI's tests


class QueryError(Exception):
    """SQL the database refused; str() is the real API's message."""


@dataclass
class ProjectDatabases:
    clusters: ProjectClusters

    # -- lifecycle (blocking; the app runs them in a worker thread) ------------------------
    def create(self, ref: str, db_pass: str | None) -> None:
        self.clusters.create(ref, db_pass)

    def drop(self, ref: str) -> None:
        self.clusters.drop(ref)

    def jwt_secret(self, ref: str) -> str:
        return self.clusters.jwt_secret(ref)

    def reachable(self, ref: str) -> str | None:
        """None if the project's `postgres` can log in and query, else why not."""
        try:
            pg = self.clusters.cluster(ref)
            with psycopg.connect(pg.socket_conninfo(MIGRATOR), autocommit=True) as conn:
                conn.execute("select 1")
            return None
        except ClusterError as exc:
            return str(exc)
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[0]

    # -- temporary login roles ----------------------------------------------------------------
    def create_login_role(self, ref: str, read_only: bool, ttl: int) -> tuple[str, str]:
        """(Re)create the CLI's login role with a new password valid for `ttl` seconds; returns
        (role, password). `cli_login_postgres` may only SET ROLE postgres (it inherits nothing, so
        SET SESSION ROLE postgres is what makes it useful); the read-only one reads everything."""
        role = READ_ONLY_LOGIN_ROLE if read_only else LOGIN_ROLE
        password = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        until = (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat()
        ident = sql.Identifier(role)
        with self.clusters.admin(ref) as conn:
            verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
            exists = conn.execute("select from pg_roles where rolname = %s", (role,)).fetchone() is not None
            attributes = "login nosuperuser nocreatedb nocreaterole nobypassrls noreplication"
            attributes += " inherit" if read_only else " noinherit"
            conn.execute(
                sql.SQL("{} role {} " + attributes + " password {} valid until {}").format(
                    sql.SQL("alter" if exists else "create"), ident, sql.Literal(verifier), sql.Literal(until)
                )
            )
            if read_only:
                conn.execute(sql.SQL("grant pg_read_all_data to {}").format(ident))
                conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(ident))
            else:
                conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(MIGRATOR), ident))
        return role, password

    def set_password(self, ref: str, password: str) -> None:
        """`postgres`'s new password (hashed here: the plain text never reaches the server, nor its log)."""
        with self.clusters.admin(ref) as conn:
            verifier = conn.pgconn.encrypt_password(password.encode(), MIGRATOR.encode(), b"scram-sha-256").decode()
            conn.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(MIGRATOR), sql.Literal(verifier)))

    def delete_login_roles(self, ref: str) -> None:
        """Drop the login roles; PostgreSQL refuses while one of them still owns something."""
        with self.clusters.admin(ref) as conn:
            conn.execute(
                sql.SQL("drop role if exists {}, {}").format(
                    sql.Identifier(LOGIN_ROLE), sql.Identifier(READ_ONLY_LOGIN_ROLE)
                )
            )

    # -- advisors -------------------------------------------------------------------------------
    async def advisors(self, ref: str) -> Report:
        """The lints `musekit verify` runs, on the project's database as its `postgres`, with the
        Data API's schemas read as splinter reads them."""
        from wizard.lints import report_url

        pg = await asyncio.to_thread(self.clusters.cluster, ref)
        return await report_url(pg.socket_conninfo(MIGRATOR))

    # -- SQL endpoint ---------------------------------------------------------------------
    async def run_query(
        self, ref: str, query: str, parameters: list[object] | None, read_only: bool
    ) -> list[dict[str, object]]:
        """Run `query` as the project's `postgres`; returns the rows of the last statement that has any."""
        pg = await asyncio.to_thread(self.clusters.cluster, ref)
        conn = await psycopg.AsyncConnection.connect(
            pg.socket_conninfo(MIGRATOR), autocommit=True, prepare_threshold=None
        )
        async with conn:
            for name in _AS_TEXT:
                conn.adapters.register_loader(name, TextLoader)
            if read_only:
                await conn.execute("set default_transaction_read_only = on")
            cur = psycopg.AsyncRawCursor(conn) if parameters else conn.cursor()
            try:
                await cur.execute(query, parameters or None)
                rows: list[dict[str, object]] = []
                while True:
                    if cur.description is not None:
                        names = [c.name for c in cur.description]
                        rows = [dict(zip(names, map(_jsonable, r), strict=False)) for r in await cur.fetchall()]
                    if not cur.nextset():
                        return rows
            except psycopg.Error as exc:
                raise QueryError(_error_message(exc)) from None


def server_version() -> str:
    """The version of the bundled PostgreSQL (`17.5`), without starting a server."""
    from wizard.pg.embedded import bin_dir

    out = subprocess.run([str(bin_dir() / "postgres"), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[-1]


def _error_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    if diag.sqlstate is None:
        return f"Failed to run sql query: {str(exc).strip()}"
    return f"Failed to run sql query: {diag.severity or 'ERROR'}:  {diag.sqlstate}: {diag.message_primary}"


def _jsonable(value: object) -> object:
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= _MAX_SAFE_INT else str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return "\\x" + bytes(value).hex()
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)
