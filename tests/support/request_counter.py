"""A real httpx transport that records every request a client sends, to assert how many it made
(no hammering). Pass it as `transport=` to ManagementAPI (or httpx.AsyncClient)."""

from __future__ import annotations

from collections.abc import Callable

import httpx


class CountingTransport(httpx.AsyncHTTPTransport):
    """Real HTTP; `sent` lists each request as "METHOD /path" (query string left out), in order,
    including requests that got no answer. `before(request)`, if given, runs just before each one is
    sent: a test can arm a fault on the server for exactly that request."""

    def __init__(self, *, before: Callable[[httpx.Request], None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sent: list[str] = []
        self._before = before

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        if self._before is not None:
            self._before(request)
        return await super().handle_async_request(request)

    def count(self, label: str | None = None) -> int:
        """Requests sent, all of them or those labelled e.g. "POST /v1/projects"."""
        return len(self.sent) if label is None else self.sent.count(label)

    def reset(self) -> None:
        self.sent.clear()
