"""Acting as a Supabase API role in tests, the way PostgREST does it: inside a transaction,
`set local role <role>` and the JWT claims in `request.jwt.claims`.

Connections passed here are psycopg connections of the migrating role `postgres` in
autocommit mode; every `acting_as` block is a transaction that is rolled back at the end,
so tests can share one seeded database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

INSUFFICIENT_PRIVILEGE = "42501"  # raised both for a missing GRANT and for an RLS WITH CHECK failure


@contextmanager
def acting_as(conn: psycopg.Connection, role: str, user_id: str | None = None) -> Iterator[psycopg.Connection]:
    """Run the block as API role `role` (signed in as `user_id`, if given); rolled back at the end."""
    claims: dict[str, str] = {"role": role}
    if user_id is not None:
        claims["sub"] = user_id
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield conn


def as_user(conn: psycopg.Connection, user_id: str) -> Iterator[psycopg.Connection]:
    """Signed in as `user_id` (role authenticated)."""
    return acting_as(conn, "authenticated", user_id)


@contextmanager
def as_migrator(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """Inside an `acting_as` block: look at the data as `postgres` (no RLS), then switch back."""
    role = conn.execute("select current_user").fetchone()[0]
    conn.execute("reset role")
    try:
        yield conn
    finally:
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))


@dataclass(frozen=True)
class Outcome:
    """What one write attempt did: rows affected, or the error it raised."""

    rowcount: int | None = None
    sqlstate: str | None = None
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.sqlstate is None and self.rowcount == 1

    @property
    def refused(self) -> bool:
        """Denied by a missing privilege or an RLS check, or silently filtered to 0 rows."""
        return self.sqlstate == INSUFFICIENT_PRIVILEGE or (self.sqlstate is None and self.rowcount == 0)


def attempt(conn: psycopg.Connection, query: str | sql.Composable, params: object = None) -> Outcome:
    """Run one statement in a savepoint and report what happened, without raising."""
    try:
        with conn.transaction():
            cur = conn.execute(query, params)
            return Outcome(rowcount=cur.rowcount)
    except psycopg.Error as exc:
        return Outcome(sqlstate=exc.sqlstate, message=str(exc))


def visible_ids(conn: psycopg.Connection, table: str) -> set[str]:
    """Ids of the rows of public.`table` the current role can see."""
    query = sql.SQL("select id::text from public.{}").format(sql.Identifier(table))
    return {row[0] for row in conn.execute(query)}


def row_text(conn: psycopg.Connection, table: str, row_id: str) -> str | None:
    """The whole row as text (seen without RLS), or None if it does not exist."""
    with as_migrator(conn):
        query = sql.SQL("select t::text from public.{} t where id = %s").format(sql.Identifier(table))
        row = conn.execute(query, (row_id,)).fetchone()
    return None if row is None else row[0]


def create_auth_user(conn: psycopg.Connection, email: str, full_name: str | None = None) -> str:
    """Insert an auth.users row as the auth server would (fires the core new-user trigger)."""
    user_id = str(uuid.uuid4())
    meta = {"full_name": full_name} if full_name else {}
    conn.execute(
        "insert into auth.users (id, aud, role, email, raw_user_meta_data, created_at, updated_at) "
        "values (%s, 'authenticated', 'authenticated', %s, %s, now(), now())",
        (user_id, email, json.dumps(meta)),
    )
    return user_id


def sha256_hex(conn: psycopg.Connection, text: str) -> str:
    """Hex sha256 computed by the database, as core stores token and key hashes."""
    return conn.execute("select encode(sha256(convert_to(%s, 'UTF8')), 'hex')", (text,)).fetchone()[0]
