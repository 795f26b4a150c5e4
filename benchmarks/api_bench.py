"""Issue 4: create -> healthy -> connection info against the sandbox with a 10 s health delay."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import report, verdict

HEALTH_DELAY = 10.0


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(f"{request.method} {request.url.path}")
        return await super().handle_async_request(request)


async def warm_up(url: str, token: str, org: str) -> None:
    """A first create, not counted: a new sandbox makes its template cluster (initdb) then, a cost of the
    emulator's start, not of the platform nor of the client's waiting."""
    from wizard.api import ManagementAPI

    async with ManagementAPI(token, base_url=url) as api:
        await api.create_project("bench-warm-up", organization=org, db_pass="BenchPassw0rd1234", region="us-east-1")


async def provision(url: str, token: str, org: str) -> tuple[float, CountingTransport]:
    from wizard.api import ManagementAPI

    transport = CountingTransport()
    async with ManagementAPI(token, base_url=url, transport=transport) as api:
        t0 = time.perf_counter()
        project = await api.create_project(
            "bench-provision", organization=org, db_pass="BenchPassw0rd1234", region="us-east-1"
        )
        await api.wait_until_healthy(project.ref)
        await api.database_connection(project.ref)
        return time.perf_counter() - t0, transport


def main() -> None:
    from wizard.sandbox.server import start_sandbox

    with start_sandbox(Path(tempfile.mkdtemp(prefix="musekit-bench-api-")), health_delay=HEALTH_DELAY) as sandbox:
        asyncio.run(warm_up(sandbox.url, sandbox.token, sandbox.organization_slug))
        elapsed, transport = asyncio.run(provision(sandbox.url, sandbox.token, sandbox.organization_slug))
    # a poll is a read of the project's status or of its services' health while waiting
    polls = sum(
        1 for p in transport.paths if p.startswith("GET /v1/projects/") and (p.count("/") == 3 or p.endswith("/health"))
    )
    overhead = elapsed - HEALTH_DELAY
    report(
        f"Management API: create -> healthy -> connection info (sandbox health delay {HEALTH_DELAY:g} s, after a warm-up project)",
        [
            ("wall time", f"{elapsed:.2f} s", ""),
            ("health polls (project status and service health)", f"{polls}", verdict(polls, 6, "")),
            ("overhead beyond the delay", f"{overhead:.2f} s", verdict(overhead, 1.5, " s")),
            ("requests in all", f"{len(transport.paths)}", ", ".join(sorted(set(transport.paths)))[:90]),
        ],
    )


if __name__ == "__main__":
    main()
