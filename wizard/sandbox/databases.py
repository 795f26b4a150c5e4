"""The sandbox's projects as real databases on one embedded cluster.

Each project gets a login role `postgres.<ref>` (the pooler user name of a hosted project;
not a superuser, shaped like hosted `postgres`) and a database named `<ref>` that it owns,
with the Supabase platform shim. The role's password is the project's `db_pass`, hashed to a
SCRAM verifier on the client side, so the plain password never reaches the server or a file.
Per-project JWT secrets (for the API keys) live in a superuser-only table of the cluster's
`postgres` database, which projects cannot connect to."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.string import TextLoader

from wizard.pg import EmbeddedPostgres
from wizard.pg import shim as platform_shim

_METADATA_SQL = """
revoke connect on database postgres from public;
create schema if not exists _sandbox;
revoke all on schema _sandbox from public;
create table if not exists _sandbox.project_secrets (ref text primary key, jwt_secret text not null);
"""
# Postgres' own text for these types, as the real endpoint (node-postgres in pg-meta) returns them.
_AS_TEXT = ("date", "time", "timetz", "timestamp", "timestamptz", "interval", "numeric", "bytea")
_MAX_SAFE_INT = 2**53 - 1


class QueryError(Exception):
    """SQL the database refused; str() is the real API's message."""


@dataclass
class ProjectDatabases:
    pg: EmbeddedPostgres

    # -- cluster ------------------------------------------------------------------------
    def prepare_cluster(self) -> None:
        with self._admin() as conn:
            conn.execute(_METADATA_SQL)

    def server_version(self) -> str:
        with self._admin() as conn:
            row = conn.execute("show server_version").fetchone()
        if row is None:
            raise RuntimeError("show server_version returned no row")
        return str(row[0]).split()[0]

    def _admin(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.pg.admin_conninfo(dbname), autocommit=True, prepare_threshold=None)

    # -- lifecycle (blocking; the app runs them in a worker thread) ------------------------
    def create(self, ref: str, role: str, dbname: str, db_pass: str | None) -> None:
        """The project's JWT secret, and (unless `db_pass` is None: a project whose
        initialisation fails) its role and database. All or nothing."""
        try:
            with self._admin() as conn:
                conn.execute(
                    "insert into _sandbox.project_secrets (ref, jwt_secret) values (%s, %s)",
                    (ref, secrets.token_urlsafe(48)),
                )
                if db_pass is None:
                    return
                verifier = conn.pgconn.encrypt_password(db_pass.encode(), role.encode(), b"scram-sha-256").decode()
                platform_shim.create_migrator_role(conn, role, verifier)
            platform_shim.create_database(self.pg.admin_conninfo, dbname, owner=role)
        except BaseException:
            self.drop(ref, role, dbname)
            raise

    def drop(self, ref: str, role: str, dbname: str) -> None:
        platform_shim.drop_database(self.pg.admin_conninfo, dbname)
        with self._admin() as conn:
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
            conn.execute("delete from _sandbox.project_secrets where ref = %s", (ref,))

    def jwt_secret(self, ref: str) -> str:
        with self._admin() as conn:
            row = conn.execute("select jwt_secret from _sandbox.project_secrets where ref = %s", (ref,)).fetchone()
        if row is None:
            raise LookupError(f"no JWT secret for project {ref}")
        return str(row[0])

    def reachable(self, dbname: str) -> str | None:
        """None if the database answers, else why not."""
        try:
            with self._admin(dbname) as conn:
                conn.execute("select 1")
            return None
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[0]

    # -- SQL endpoint ---------------------------------------------------------------------
    async def run_query(
        self, role: str, dbname: str, query: str, parameters: list[object] | None, read_only: bool
    ) -> list[dict[str, object]]:
        """Run `query` as `role` (session and current user), like the real endpoint runs it
        as the project's `postgres`; returns the rows of the last statement that has any."""
        _refuse_session_authorization(query)
        conn = await psycopg.AsyncConnection.connect(
            self.pg.admin_conninfo(dbname), autocommit=True, prepare_threshold=None
        )
        async with conn:
            for name in _AS_TEXT:
                conn.adapters.register_loader(name, TextLoader)
            await conn.execute(sql.SQL("set session authorization {}").format(sql.Identifier(role)))
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


def _error_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    if diag.sqlstate is None:
        return f"Failed to run sql query: {str(exc).strip()}"
    return f"Failed to run sql query: {diag.severity or 'ERROR'}:  {diag.sqlstate}: {diag.message_primary}"


def _refuse_session_authorization(query: str) -> None:
    """On a hosted project `postgres` cannot change its session user; here the connection
    starts as the cluster superuser, so a top-level SET/RESET SESSION AUTHORIZATION would
    escape the project's role. Refuse it with the error a hosted project gives."""
    import pglast
    from pglast import ast

    try:
        statements = pglast.parse_sql(query)
    except pglast.parser.ParseError:
        return  # let PostgreSQL report the syntax error
    for raw in statements:
        stmt = raw.stmt
        if isinstance(stmt, ast.VariableSetStmt) and (stmt.name or "").lower() == "session_authorization":
            raise QueryError("Failed to run sql query: ERROR:  42501: permission denied to set session authorization")


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
