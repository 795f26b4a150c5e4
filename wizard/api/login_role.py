"""Temporary login roles: how the official CLI reaches a project's database with only the access token
(apps/cli-go/internal/utils/flags/db_url.go and internal/utils/connect.go in supabase/cli).

`ManagementAPI.create_login_role` asks the platform for a `cli_login_…` role with a password that expires
after `ttl_seconds`; `LoginRole.session_url` puts it in the session pooler's URL (user `<role>.<ref>`,
TLS for non-local hosts); `connect_login_role` connects, retrying briefly while the pooler picks the new
role up, then steps down with `SET SESSION ROLE postgres` so what it creates is owned by `postgres`.
`ManagementAPI.delete_login_roles` removes the project's login roles when done."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from wizard.api.database_url import DatabaseConnection, SecretUrl
from wizard.api.events import EventCallback, Retrying

if TYPE_CHECKING:
    import psycopg

# Seconds between tries while the pooler learns the new role: about 19 s in all. The CLI allows 8 retries
# of an exponential backoff from 3 s; in practice the first or second try works.
LOGIN_RETRY_DELAYS_S: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 8.0)
SESSION_ROLE = "postgres"


class _Hidden:
    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


@dataclass(frozen=True)
class LoginRole:
    """A temporary login role of project `ref`. Its password is never shown: it leaves this object only
    inside a SecretUrl (masked str and repr)."""

    ref: str
    role: str
    ttl_seconds: int
    expires_at: datetime
    _password: _Hidden = field(repr=False)

    @classmethod
    def issued(cls, ref: str, role: str, password: str, ttl_seconds: int) -> LoginRole:
        expires = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
        return cls(ref, role, ttl_seconds, expires, _Hidden(password))

    @property
    def expired(self) -> bool:
        return datetime.now(UTC) >= self.expires_at

    def session_url(self, connection: DatabaseConnection) -> SecretUrl:
        """The session-pooler URL for this role, from the project's pooler connection (`database_connection`)."""
        return connection.login_url(self.role, self._password.value, self.ref)


Sleep = Callable[[float], Awaitable[None]]


async def connect_login_role(
    url: SecretUrl,
    *,
    session_role: str | None = SESSION_ROLE,
    delays_s: tuple[float, ...] = LOGIN_RETRY_DELAYS_S,
    sleep: Sleep = asyncio.sleep,
    on_event: EventCallback | None = None,
) -> psycopg.AsyncConnection:
    """An autocommit connection (wizard.pg.connect: TLS to non-local hosts, password-safe errors) as the login
    role, then `SET SESSION ROLE <session_role>` (None: stay the login role). A refused login is tried again
    after each of `delays_s` (reported as Retrying events): the pooler needs a moment to learn a new role.
    The last failure is raised (DatabaseConnectError)."""
    from wizard.pg import DatabaseConnectError, RoleUrl, SessionRoleRefused, connect

    target = url.reveal() if session_role is None else RoleUrl(url.reveal(), session_role)
    attempts = len(delays_s) + 1
    for attempt in range(1, attempts + 1):
        try:
            return await connect(target)
        except DatabaseConnectError as exc:
            if attempt == attempts or isinstance(exc, SessionRoleRefused):
                raise
            if on_event is not None:
                why = str(exc).splitlines()[0]
                on_event(Retrying(attempt + 1, attempts, delays_s[attempt - 1], why, f"connect to {url}"))
            await sleep(delays_s[attempt - 1])
    raise AssertionError("unreachable: the last attempt returns or raises")
