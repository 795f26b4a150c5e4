"""A project's database with only the access token: temporary login roles made on first need,
renewed before they expire, removed when done — what `supabase db push --linked` does, so resume,
verify, status and the portfolio never need the database password."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from wizard.api.login_role import SESSION_ROLE, LoginRole, connect_login_role

if TYPE_CHECKING:
    import psycopg

    from wizard.api.client import ManagementAPI
    from wizard.api.database_url import DatabaseConnection
    from wizard.api.events import EventCallback
    from wizard.pg import RoleUrl

# A role is renewed when less than this is left of its ttl: a migration run started on it must not
# outlive it (the ttl bounds logins, but a pooler may re-authenticate a session-mode client).
RENEW_MARGIN_S = 120
# A connection given back (release) is handed out again only this long: an older one may have been
# closed by the pooler meanwhile (e.g. while a roll-out waited for its confirmation).
SPARE_IDLE_S = 30.0


class LoginSession:
    """URLs for project `ref`'s database that log in as a temporary `cli_login_…` role and step down to
    `postgres`. The first `url()` creates the role and proves the login works (retrying while the
    pooler learns it); `close()` removes the project's login roles if this session made any."""

    def __init__(
        self,
        api: ManagementAPI,
        ref: str,
        connection: DatabaseConnection,
        *,
        on_event: EventCallback | None = None,
        keep_probe: bool = False,
        reuse: bool = False,
    ) -> None:
        self.api, self.ref, self.connection = api, ref, connection
        self._on_event = on_event
        self._keep_probe = keep_probe  # for a caller that will connect() at once; else no idle connection
        self._reuse = reuse  # keep a connection given back by release() for the next connect()
        self._role: LoginRole | None = None
        self._url: RoleUrl | None = None
        self._spare: psycopg.AsyncConnection | None = None  # the probe, or a connection given back
        self._spare_since = 0.0
        self._lent: dict[int, LoginRole] = {}  # id of a connection handed out -> the role it logged in as

    async def connect(self) -> psycopg.AsyncConnection:
        """A connection as `postgres` (autocommit), for the caller to close or release(): with `keep_probe`, the
        one that proved the login while it is unused (a Muse looked at once needs no second login); with
        `reuse`, one given back a moment ago (its catalog caches warm); else a new one."""
        from wizard.pg import connect

        url = await self.url()
        spare, self._spare = self._spare, None
        if spare is not None and time.monotonic() - self._spare_since > SPARE_IDLE_S:
            await spare.close()
            spare = None
        conn = spare if spare is not None and not spare.closed else await connect(url)
        assert self._role is not None  # url() made it
        self._lent[id(conn)] = self._role
        return conn

    async def release(self, conn: psycopg.AsyncConnection) -> None:
        """Give back a connection from connect(): with `reuse`, kept (its session discarded: see
        pg.discard_session) for the next connect() while it logged in as the current role; else closed."""
        from psycopg.pq import TransactionStatus

        from wizard.pg import discard_session

        role = self._lent.pop(id(conn), None)
        idle = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
        if not (self._reuse and idle and role is not None and role is self._role and self._spare is None):
            await conn.close()
            return
        await discard_session(conn, SESSION_ROLE)
        if not conn.closed:
            self._spare, self._spare_since = conn, time.monotonic()

    async def url(self) -> RoleUrl:
        if self._url is None or self._role is None or self._expires_soon(self._role):
            self._url = await self._new_url()
        return self._url

    async def close(self) -> None:
        """Remove the login roles (best effort: they expire on their own after their ttl)."""
        from wizard.api.errors import ManagementApiError

        await self._drop_spare()
        if self._role is None:
            return
        self._role, self._url = None, None
        try:
            await self.api.delete_login_roles(self.ref)
        except ManagementApiError:
            pass

    async def __aenter__(self) -> LoginSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _new_url(self) -> RoleUrl:
        from wizard.pg import RoleUrl

        await self._drop_spare()  # it logged in as the role being replaced
        role = await self.api.create_login_role(self.ref)
        self._role = role
        url = role.session_url(self.connection)
        probe = await connect_login_role(url, on_event=self._on_event)  # waits for the pooler to know the role
        if self._keep_probe:
            self._spare, self._spare_since = probe, time.monotonic()  # for connect()
        else:
            await probe.close()
        return RoleUrl(url.reveal(), SESSION_ROLE)

    async def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            await spare.close()

    @staticmethod
    def _expires_soon(role: LoginRole) -> bool:
        from datetime import UTC, datetime, timedelta

        margin = min(RENEW_MARGIN_S, role.ttl_seconds / 4)
        return datetime.now(UTC) + timedelta(seconds=margin) >= role.expires_at
