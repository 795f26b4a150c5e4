"""Connecting with a temporary login role (wizard.api.connect_login_role) against the real embedded
PostgreSQL: the login is retried while the role is not known yet (as a pooler that has not picked it up),
then the session steps down to `postgres`, so what it creates is owned by `postgres`."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from psycopg import sql

from wizard.api import DatabaseConnection, LoginRole, Retrying, connect_login_role
from wizard.pg import DatabaseConnectError

REF = "abcdefghijklmnopqrst"


def login_for(pg, db_url: str, role: str, password: str) -> tuple[LoginRole, DatabaseConnection]:
    dbname = db_url.rsplit("/", 1)[1]
    connection = DatabaseConnection(
        user="postgres", host="127.0.0.1", dbname=dbname, session_port=pg.port, transaction_port=pg.port
    )
    return LoginRole.issued(REF, role, password, 300), connection


def create_role(pg, role: str, password: str) -> None:
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("create role {} login password {} in role postgres").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )


def drop_role(pg, role: str) -> None:
    with psycopg.connect(pg.admin_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


async def test_the_login_is_retried_until_the_role_is_known_then_steps_down_to_postgres(pg, db_url):
    role, password = f"cli_login_{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    login, connection = login_for(pg, db_url, role, password)
    events: list[object] = []
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # the "pooler" learns the role after two refused logins
            create_role(pg, role, password)

    try:
        conn = await connect_login_role(login.session_url(connection), sleep=sleep, on_event=events.append)
        async with conn:
            assert await (await conn.execute("select current_user, session_user")).fetchone() == ("postgres", role)
            await conn.execute("create table made_by_login_role (id int)")
            owner = await (
                await conn.execute("select tableowner from pg_tables where tablename = 'made_by_login_role'")
            ).fetchone()
            assert owner == ("postgres",)
    finally:
        drop_role(pg, role)
    assert waits == [1.0, 2.0]
    assert [(e.attempt, e.max_attempts) for e in events if isinstance(e, Retrying)] == [(2, 6), (3, 6)]
    assert all(password not in str(e) for e in events) and all(
        "password authentication failed" in str(e) for e in events
    )


async def test_a_role_the_database_never_learns_fails_after_the_bounded_tries(pg, db_url):
    password = secrets.token_urlsafe(18)
    login, connection = login_for(pg, db_url, f"cli_login_{secrets.token_hex(4)}", password)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(DatabaseConnectError) as err:
        await connect_login_role(login.session_url(connection), delays_s=(0.1, 0.2), sleep=sleep)
    assert waits == [0.1, 0.2] and password not in str(err.value)
    assert "password authentication failed" in str(err.value)


async def test_staying_the_login_role_is_possible(pg, db_url):
    role, password = f"cli_login_{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    login, connection = login_for(pg, db_url, role, password)
    create_role(pg, role, password)
    try:
        conn = await connect_login_role(login.session_url(connection), session_role=None)
        async with conn:
            assert await (await conn.execute("select current_user")).fetchone() == (role,)
    finally:
        drop_role(pg, role)
