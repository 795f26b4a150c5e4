"""Start and stop a sandbox: the Starlette app on uvicorn and the pooler, each in a background
thread with its own event loop, and the projects' clusters (started as needed, in the data dir).

    handle = start_sandbox(tmp_path, health_delay=0)
    handle.url, handle.token            # http://127.0.0.1:PORT, sbp_...
    handle.pooler_host, handle.session_port, handle.transaction_port   # 127.x.y.z, 5432, 6543
    handle.cluster(ref)                 # a project's EmbeddedPostgres (started), for tests
    handle.set_faults(error_burst=2)    # change faults while it runs
    handle.finish_provisioning()        # projects still coming up are ready now (tests)
    handle.stop()                       # stops uvicorn, the pooler, then every cluster
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wizard.errors import MusekitError
from wizard.fs import write_atomic
from wizard.sandbox.faults import FaultInjector, Faults
from wizard.sandbox.pooler import NOT_FOUND, SESSION_PORT, TRANSACTION_PORT, Pooler, Route, bind_pair
from wizard.sandbox.ratelimit import DEFAULT_LIMIT
from wizard.sandbox.state import SandboxState, set_aside_v1

log = logging.getLogger("musekit.sandbox")
TOKEN_RE = re.compile(r"^sbp_(oauth_)?[a-f0-9]{40}$")  # what the Supabase CLI accepts
STATE_FILE = "state.json"
PROFILE_FILE = "supabase-profile.yaml"
START_TIMEOUT = 30.0
POOLER_PORTS = (SESSION_PORT, TRANSACTION_PORT)

if TYPE_CHECKING:
    import asyncio

    import uvicorn
    from starlette.types import ASGIApp, Receive, Scope, Send
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from wizard.pg import EmbeddedPostgres
    from wizard.sandbox.clusters import ProjectClusters


class SandboxError(MusekitError, RuntimeError):
    """The sandbox could not start (the message says why and what to do)."""


def default_data_dir() -> Path:
    """musekit's data dir (honours $MUSEKIT_DATA_DIR) / sandbox: where `clone --sandbox` looks too."""
    from wizard.settings import data_dir

    return data_dir() / "sandbox"


def new_token() -> str:
    return "sbp_" + secrets.token_hex(20)


@dataclass
class SandboxHandle:
    """A running sandbox. `url` is the API base URL; `token` the one access token it accepts."""

    url: str
    token: str = field(repr=False)
    data_dir: Path
    profile_path: Path
    clusters: ProjectClusters = field(repr=False)  # one cluster per project
    pooler: Pooler = field(repr=False)
    organization_slug: str
    _faults: FaultInjector = field(repr=False)
    _state: SandboxState = field(repr=False)
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _lock_file: TextIO = field(repr=False)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def pooler_host(self) -> str:
        return self.pooler.host

    @property
    def session_port(self) -> int:
        return self.pooler.session_port

    @property
    def transaction_port(self) -> int:
        return self.pooler.transaction_port

    def cluster(self, ref: str) -> EmbeddedPostgres:
        """Project `ref`'s cluster, started if it was not (its superuser: `.admin_conninfo()`)."""
        return self.clusters.cluster(ref)

    def faults(self) -> Faults:
        return self._faults.get()

    def set_faults(self, faults: Faults | None = None, **changes: float) -> Faults:
        """Replace all faults (`set_faults(Faults(...))`) or change some (`set_faults(latency=0.5)`)."""
        return self._faults.set(faults, **changes)

    def finish_provisioning(self) -> list[str]:
        """For tests: every project still coming up is ready now (ACTIVE_HEALTHY, or INIT_FAILED if it
        was to fail), as if its health delay (`slow_health`, `health_not_found`) had run out; a test that
        needed the delay to act while a project provisions need not wait out the rest. Returns the refs
        it changed."""
        finished = self._state.finish_provisioning(time.time())
        if finished:
            self._state.save()
        return finished

    def stop(self) -> None:
        """Stop serving (API, then pooler), then stop every cluster. Idempotent."""
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self.pooler.stop()
        self.clusters.stop()
        if not self._lock_file.closed:
            self._lock_file.close()

    def banner(self) -> str:
        env = f"SUPABASE_ACCESS_TOKEN={self.token}"
        return "\n".join(
            [
                "MuseKit SANDBOX: a local emulator of the Supabase Management API. Nothing here is hosted or billed;",
                "every project is its own embedded PostgreSQL 17 cluster on this machine.",
                f"  API:          {self.url}",
                f"  access token: {self.token}   (the only token it accepts)",
                f"  organization: {self.organization_slug}",
                f"  pooler:       {self.pooler_host}, session mode on {self.session_port}, "
                f"transaction mode on {self.transaction_port} (user postgres.<ref>)",
                f"  data:         {self.data_dir}  (state.json; clusters in projects/<ref>/)",
                f"  faults:       {_describe_faults(self.faults())}",
                "Use it with the official Supabase CLI:",
                f"  {env} supabase --profile {self.profile_path} projects list",
                "Change faults while it runs:",
                f"  curl -X PUT -H 'Authorization: Bearer {self.token}' -d '{{\"error_burst\": 2}}' {self.url}/_sandbox/faults",
            ]
        )

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    data_dir: Path | str,
    port: int = 0,
    token: str | None = None,
    health_delay: float = 0.0,
    faults: Faults | None = None,
    rate_limit: int = DEFAULT_LIMIT,
    access_log: bool = False,
) -> SandboxHandle:
    """Start a sandbox on 127.0.0.1 and return once it answers.

    `port=0` reuses the port of the last run if it is free, else any free port; `token=None`
    makes a new `sbp_` token. State and the cluster persist in `data_dir`. `access_log=True`
    lets uvicorn configure logging and log each request (the CLI does; in-process users don't).
    Raises ValueError for bad arguments, SandboxError if it cannot start."""
    data_dir = Path(data_dir).expanduser().resolve()
    token = token or new_token()
    if not TOKEN_RE.fullmatch(token):
        raise ValueError(
            "the sandbox token must look like a Supabase access token: 'sbp_' followed by 40 "
            "lowercase hex digits (the Supabase CLI refuses anything else)"
        )
    if health_delay < 0:
        raise ValueError(f"the health delay must be >= 0 seconds, got {health_delay}")
    if rate_limit < 1:
        raise ValueError(f"the rate limit must be at least 1 request per minute, got {rate_limit}")
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_file = _lock(data_dir)
    try:
        return _start(data_dir, lock_file, port, token, health_delay, faults, rate_limit, access_log)
    except BaseException:
        lock_file.close()
        raise


def _start(
    data_dir: Path,
    lock_file: TextIO,
    port: int,
    token: str,
    health_delay: float,
    faults: Faults | None,
    rate_limit: int,
    access_log: bool,
) -> SandboxHandle:
    from wizard.sandbox.app import Sandbox, build_app
    from wizard.sandbox.clusters import ProjectClusters
    from wizard.sandbox.databases import ProjectDatabases, server_version
    from wizard.sandbox.ratelimit import RateLimiter

    _set_aside_v1(data_dir)
    state = SandboxState.load(data_dir / STATE_FILE)
    sock = _listen(port, fallback=state.api_port)
    clusters = ProjectClusters(data_dir)
    injector = FaultInjector(faults)
    pooler: Pooler | None = None
    try:
        clusters.prepare()  # clusters a killed sandbox left running are adopted, and stopped at our stop
        pooler = Pooler(*_pooler_sockets(state.pooler_host), resolve=_resolver(state, clusters))
        pooler.start()
        state.api_port, state.pooler_host = sock.getsockname()[1], pooler.host
        state.save()
        sandbox = Sandbox(
            state=state,
            dbs=ProjectDatabases(clusters),
            faults=injector,
            limiter=RateLimiter(rate_limit),
            token=token,
            health_delay=health_delay,
            pg_version=server_version(),
            pooler_host=pooler.host,
            session_port=pooler.session_port,
            transaction_port=pooler.transaction_port,
        )
        server, thread = _serve(build_app(sandbox), sock, access_log)
    except BaseException:
        sock.close()
        if pooler is not None:
            pooler.stop()
        clusters.stop()
        raise
    url = f"http://127.0.0.1:{state.api_port}"
    profile = write_profile(data_dir / PROFILE_FILE, url)
    return SandboxHandle(
        url=url,
        token=token,
        data_dir=data_dir,
        profile_path=profile,
        clusters=clusters,
        pooler=pooler,
        organization_slug=state.organizations[0].slug,
        _faults=injector,
        _state=state,
        _server=server,
        _thread=thread,
        _lock_file=lock_file,
    )


def write_profile(path: Path, api_url: str) -> Path:
    """A Supabase CLI profile (`supabase --profile <path> ...`) pointing at the sandbox."""
    write_atomic(
        path,
        "\n".join(
            [
                "name: musekit-sandbox",
                f"api_url: {api_url}",
                f"dashboard_url: {api_url}/dashboard",
                "project_host: localhost",
            ]
        )
        + "\n",
    )
    return path


# -- internals -------------------------------------------------------------------------------
def _lock(data_dir: Path) -> TextIO:
    import fcntl

    f = open(data_dir / ".lock", "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        pid = f.read().strip() or "?"
        f.close()
        raise SandboxError(
            f"another sandbox (pid {pid}) is already running on {data_dir}; stop it first, "
            "or give this one another --data-dir"
        ) from None
    f.truncate(0)
    f.write(str(os.getpid()))
    f.flush()
    return f


def _set_aside_v1(data_dir: Path) -> None:
    """A sandbox from before per-project clusters: stop its shared cluster if a killed sandbox
    left it running, and move it aside (its projects cannot be served any more)."""
    from wizard.pg import EmbeddedPostgres

    shared = data_dir / "postgres"
    if (shared / "postmaster.pid").exists():
        EmbeddedPostgres(data_dir=shared, manage_roles=False).stop_leftover()
    aside = set_aside_v1(data_dir, STATE_FILE)
    if aside is not None:
        log.warning(
            "sandbox: %s held a sandbox whose projects shared one cluster; it was moved to %s and a new, "
            "empty sandbox starts (each project now has a cluster of its own)",
            data_dir,
            aside,
        )


def _random_loopback() -> str:
    """127.a.b.c with a >= 1: clear of 127.0.0.1 and of what resolvers use (127.0.0.53, 127.0.1.1)."""
    a, b, c = (secrets.randbelow(254) + 1 for _ in range(3))
    return f"127.{a}.{b}.{c}"


def _pooler_sockets(previous: str) -> tuple[socket.socket, socket.socket]:
    """Listening sockets for the pooler: ports 5432 and 6543 as on the platform, on a loopback
    address of the sandbox's own (the last run's if free), so a local PostgreSQL on 127.0.0.1:5432
    is no obstacle. Where only 127.0.0.1 exists (macOS), any two free ports on it."""
    candidates = ([previous] if previous else []) + [_random_loopback() for _ in range(20)]
    for host in candidates:
        pair = bind_pair(host, POOLER_PORTS)
        if pair is not None:
            return pair
    pair = bind_pair("127.0.0.1", POOLER_PORTS) or bind_pair("127.0.0.1", (0, 0))
    if pair is None:
        raise SandboxError("no free TCP ports for the sandbox's pooler on 127.0.0.1")
    return pair


def _resolver(state: SandboxState, clusters: ProjectClusters) -> Callable[[str], Route | str]:
    """What the pooler asks (in a worker thread) for a login to `<role>.<ref>`."""
    from wizard.sandbox.clusters import ClusterError

    def resolve(ref: str) -> Route | str:
        project = state.project(ref)
        if project is None or not project.provisioned or not project.pooler_ready():
            return NOT_FOUND
        try:
            return Route(clusters.cluster(ref).port)
        except ClusterError as exc:
            log.warning("sandbox pooler: %s", exc)
            return NOT_FOUND

    return resolve


def _listen(port: int, fallback: int) -> socket.socket:
    """A listening socket on 127.0.0.1: `port`, or (port 0) `fallback` if free, else any."""
    candidates = [port] if port else ([fallback, 0] if fallback else [0])
    for candidate in candidates:
        # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only for
        # TCP-proto sockets; without it every keep-alive request waits ~40 ms (Nagle + delayed ACK)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", candidate))
        except OSError as exc:
            sock.close()
            if candidate == port and port:
                raise SandboxError(
                    f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port"
                ) from None
            continue
        sock.listen(128)
        sock.set_inheritable(True)
        return sock
    raise SandboxError("no free TCP port on 127.0.0.1")


def _protocol_class() -> type[H11Protocol]:
    """uvicorn's h11 protocol, also handing the connection's transport to the app (scope
    extension), so the drop-connection fault can close it without answering."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from wizard.sandbox.app import TRANSPORT_KEY

    class SandboxH11Protocol(H11Protocol):
        # narrower than asyncio's BaseTransport, exactly as H11Protocol's own override
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            app = self.app

            async def app_with_transport(scope: Scope, receive: Receive, send: Send) -> None:
                scope.setdefault("extensions", {})[TRANSPORT_KEY] = transport
                await app(scope, receive, send)

            self.app = app_with_transport

    return SandboxH11Protocol


def _serve(app: ASGIApp, sock: socket.socket, access_log: bool) -> tuple[uvicorn.Server, threading.Thread]:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    config = uvicorn.Config(
        app,
        http=_protocol_class(),
        lifespan="off",
        timeout_graceful_shutdown=5,
        server_header=False,
        log_config=LOGGING_CONFIG if access_log else None,  # None: leave the host's logging alone
        log_level="info" if access_log else "warning",
        access_log=access_log,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="musekit-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise SandboxError("the sandbox's web server stopped while starting (see the messages above)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise SandboxError(f"the sandbox's web server did not start within {START_TIMEOUT:.0f} s")
        time.sleep(0.01)
    return server, thread


def _describe_faults(f: Faults) -> str:
    on = {k: v for k, v in f.to_dict().items() if v and k != "error_status"}
    if "error_burst" in on:
        on["error_status"] = f.error_status
    return ", ".join(f"{k}={v}" for k, v in on.items()) or "none"
