"""The wizard's link to the Management API: one client at a time, for a typed token or for the
local sandbox. The sandbox starts in a thread (starting Postgres takes seconds and must not freeze
the UI) and is stopped when the wizard ends, even if it ends while the sandbox is still starting."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.api_events import ApiEvent
    from wizard.management_api import ManagementAPI
    from wizard.sandbox.server import SandboxHandle


class Connection:
    def __init__(self, *, api_url: str | None, on_event: Callable[["ApiEvent"], None],
                 sandbox_health_delay: float | None = None) -> None:
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

    async def use_token(self, token: str, base_url: str | None = None) -> "ManagementAPI":
        """A client for `token` (raises InvalidAccessToken/InvalidInput before sending anything)."""
        from wizard.management_api import ManagementAPI

        api = ManagementAPI(token, base_url=base_url or self.api_url, on_event=self._on_event)
        del token
        await self._replace(api)
        return api

    async def use_sandbox(self) -> "ManagementAPI":
        """The local sandbox (started once; later calls reuse it) and a client for it."""
        from wizard.management_api import ManagementAPI

        handle = await asyncio.to_thread(self._start_sandbox)
        if self.api is not None and self.api.base_url == handle.url:
            return self.api
        api = ManagementAPI(handle.token, base_url=handle.url, on_event=self._on_event)
        await self._replace(api)
        return api

    def _start_sandbox(self) -> "SandboxHandle":
        from wizard.clone_session import start_local_sandbox

        with self._sandbox_lock:
            if self._closed:
                raise RuntimeError("the wizard is closing")
            if self.sandbox is None:
                self.sandbox = start_local_sandbox(self._health_delay)
            return self.sandbox

    async def _replace(self, api: "ManagementAPI") -> None:
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
