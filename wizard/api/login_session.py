"""A project's database with only the access token: temporary login roles made on first need,
renewed before they expire, removed when done — what `supabase db push --linked` does, so resume,
verify, status and the portfolio never need the database password."""

from __future__ import annotations

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
    ) -> None:
        self.api, self.ref, self.connection = api, ref, connection
        self._on_event = on_event
        self._keep_probe = keep_probe  # for a caller that will connect() at once; else no idle connection
        self._role: LoginRole | None = None
        self._url: RoleUrl | None = None
        self._spare: psycopg.AsyncConnection | None = None  # the connection that proved the login

    async def connect(self) -> psycopg.AsyncConnection:
        """A connection as `postgres` (autocommit), for the caller to close: with `keep_probe`, the one that
        proved the login while it is unused (a Muse looked at once needs no second login), else a new one."""
        from wizard.pg import connect

        url = await self.url()
        spare, self._spare = self._spare, None
        return spare if spare is not None else await connect(url)

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
            self._spare = probe  # for connect()
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
