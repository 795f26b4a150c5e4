"""What the headless commands (clone, resume, status) and the TUI share around a clone: one
Management API client at a time, for a token or for the local sandbox (started in a thread, since
starting Postgres takes a moment, and stopped at the end even if it was still starting), and the
access token lookup."""

from __future__ import annotations

import asyncio
import getpass
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard import settings
from wizard.clone import credentials
from wizard.errors import ExitCode, MusekitError

if TYPE_CHECKING:
    from wizard.api import ApiEvent, ManagementAPI
    from wizard.clone.journal import Journal
    from wizard.sandbox import SandboxHandle


class NoAccessToken(MusekitError):
    exit_code = ExitCode.USAGE


class UntrustedApiUrl(MusekitError):
    """The journal names another Management API than this configuration does: the token is never
    sent to a host taken from a file."""

    exit_code = ExitCode.USAGE


def api_url_for(journal: Journal, configured: str | None = None) -> str | None:
    """The API a clone is resumed against: None for the sandbox (started locally), else the
    configured one (`configured`, by default $SUPABASE_API_URL or api.supabase.com), which must be
    the one the journal names."""
    if journal.inputs.sandbox:
        return None
    configured = configured or settings.api_url()
    if journal.inputs.api_url.rstrip("/") != configured.rstrip("/"):
        raise UntrustedApiUrl(
            f"this clone was made against the Management API at {journal.inputs.api_url!r}, but musekit is "
            f"configured for {configured!r}. The access token is only sent to the configured API: if you "
            f"trust that address, set SUPABASE_API_URL={journal.inputs.api_url} and run again."
        )
    return configured


def start_local_sandbox(health_delay: float | None = None) -> SandboxHandle:
    """The sandbox a `--sandbox` clone uses: state in musekit's data dir, so a resume finds it."""
    from wizard.sandbox import default_data_dir, start_sandbox

    if health_delay is None:
        health_delay = settings.sandbox_health_delay()
    return start_sandbox(default_data_dir(), health_delay=health_delay)


def access_token(store: credentials.SecretStore, interactive: bool) -> str:
    token, _ = credentials.find_access_token(store)
    if token:
        return token
    if interactive and sys.stdin.isatty():
        token = getpass.getpass("Supabase access token (sbp_…, from https://supabase.com/dashboard/account/tokens): ")
        if token.strip():
            return token.strip()
    raise NoAccessToken(
        f"no Supabase access token: set {credentials.TOKEN_ENV} (create one at "
        "https://supabase.com/dashboard/account/tokens), or try everything locally with --sandbox."
    )


class Connection:
    def __init__(
        self, *, api_url: str | None, on_event: Callable[[ApiEvent], None], sandbox_health_delay: float | None = None
    ) -> None:
        self.api_url = api_url  # None: $SUPABASE_API_URL, else api.supabase.com
        self._on_event = on_event
        self._health_delay = sandbox_health_delay
        self.api: ManagementAPI | None = None
        self.sandbox: SandboxHandle | None = None
        self._sandbox_lock = threading.Lock()
        self._closed = False

    @property
    def base_url(self) -> str:
        if self.api is None:
            raise RuntimeError("not connected")
        return self.api.base_url

    async def use_token(self, token: str, base_url: str | None = None) -> ManagementAPI:
        """A client for `token` (raises InvalidAccessToken/InvalidInput before sending anything)."""
        from wizard.api import ManagementAPI

        api = ManagementAPI(token, base_url=base_url or self.api_url, on_event=self._on_event)
        del token
        await self._replace(api)
        return api

    async def use_sandbox(self) -> ManagementAPI:
        """The local sandbox (started once; later calls reuse it) and a client for it."""
        from wizard.api import ManagementAPI

        handle = await asyncio.to_thread(self._start_sandbox)
        if self.api is not None and self.api.base_url == handle.url:
            return self.api
        api = ManagementAPI(handle.token, base_url=handle.url, on_event=self._on_event)
        await self._replace(api)
        return api

    def _start_sandbox(self) -> SandboxHandle:
        with self._sandbox_lock:
            if self._closed:
                raise RuntimeError("the wizard is closing")
            if self.sandbox is None:
                self.sandbox = start_local_sandbox(self._health_delay)
            return self.sandbox

    async def _replace(self, api: ManagementAPI) -> None:
        old, self.api = self.api, api
        if old is not None:
            await old.aclose()

    async def aclose(self) -> None:
        if self.api is not None:
            api, self.api = self.api, None
            await api.aclose()

    def stop_sandbox(self) -> None:
        """Stop the sandbox (waiting for a start in progress). Safe to call more than once."""
        self._closed = True
        with self._sandbox_lock:
            if self.sandbox is not None:
                self.sandbox.stop()
                self.sandbox = None


@dataclass
class ApiSession:
    api: ManagementAPI
    sandbox: SandboxHandle | None
    organization: str | None  # the sandbox's organization, when the sandbox is used


@asynccontextmanager
async def api_session(
    *,
    sandbox: bool,
    store: credentials.SecretStore,
    interactive: bool,
    on_event: Callable[[ApiEvent], None] | None = None,
    health_delay: float | None = None,
    base_url: str | None = None,
) -> AsyncIterator[ApiSession]:
    """A client for the whole of one command: the sandbox's, or one for the stored/typed token."""
    connection = Connection(api_url=base_url, on_event=on_event or (lambda _: None), sandbox_health_delay=health_delay)
    try:
        if sandbox:
            api = await connection.use_sandbox()
        else:
            api = await connection.use_token(access_token(store, interactive))
        handle = connection.sandbox
        yield ApiSession(api, handle, handle.organization_slug if handle else None)
    finally:
        await connection.aclose()
        await asyncio.to_thread(connection.stop_sandbox)
