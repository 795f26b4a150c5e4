"""Start and stop a sandbox: one embedded cluster (its data dir inside the sandbox's) and the
Starlette app on uvicorn, in a background thread with its own event loop.

    handle = start_sandbox(tmp_path, health_delay=0)
    handle.url, handle.token            # http://127.0.0.1:PORT, sbp_...
    handle.set_faults(error_burst=2)    # change faults while it runs
    handle.stop()                       # stops uvicorn, then the cluster
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from wizard.errors import MusekitError
from wizard.fs import write_atomic
from wizard.sandbox.faults import FaultInjector, Faults
from wizard.sandbox.ratelimit import DEFAULT_LIMIT
from wizard.sandbox.state import SandboxState

TOKEN_RE = re.compile(r"^sbp_(oauth_)?[a-f0-9]{40}$")  # what the Supabase CLI accepts
STATE_FILE = "state.json"
PROFILE_FILE = "supabase-profile.yaml"
CLUSTER_DIR = "postgres"
START_TIMEOUT = 30.0

if TYPE_CHECKING:
    import asyncio

    import uvicorn
    from starlette.types import ASGIApp, Receive, Scope, Send
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from wizard.pg import EmbeddedPostgres


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
    pg: EmbeddedPostgres = field(repr=False)  # the cluster holding every project's database
    organization_slug: str
    _faults: FaultInjector = field(repr=False)
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _lock_file: TextIO = field(repr=False)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def faults(self) -> Faults:
        return self._faults.get()

    def set_faults(self, faults: Faults | None = None, **changes: float) -> Faults:
        """Replace all faults (`set_faults(Faults(...))`) or change some (`set_faults(latency=0.5)`)."""
        return self._faults.set(faults, **changes)

    def stop(self) -> None:
        """Stop serving, then stop the cluster. Idempotent."""
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self.pg.stop()
        if not self._lock_file.closed:
            self._lock_file.close()

    def banner(self) -> str:
        env = f"SUPABASE_ACCESS_TOKEN={self.token}"
        return "\n".join(
            [
                "MuseKit SANDBOX: a local emulator of the Supabase Management API. Nothing here is hosted or billed;",
                "every project is a database on one embedded PostgreSQL 17 on this machine.",
                f"  API:          {self.url}",
                f"  access token: {self.token}   (the only token it accepts)",
                f"  organization: {self.organization_slug}",
                f"  data:         {self.data_dir}  (state.json; cluster in {CLUSTER_DIR}/ on 127.0.0.1:{self.pg.port})",
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
    from wizard.pg import EmbeddedPostgres
    from wizard.sandbox.app import Sandbox, build_app
    from wizard.sandbox.databases import ProjectDatabases
    from wizard.sandbox.ratelimit import RateLimiter

    state = SandboxState.load(data_dir / STATE_FILE)
    sock = _listen(port, fallback=state.api_port)
    pg = EmbeddedPostgres(data_dir=data_dir / CLUSTER_DIR, port=state.pg_port if _port_free(state.pg_port) else 0)
    try:
        pg.start()  # a cluster left running by a killed sandbox is adopted, and stopped at our stop
        dbs = ProjectDatabases(pg)
        dbs.prepare_cluster()
        state.api_port, state.pg_port = sock.getsockname()[1], pg.port
        state.save()
        injector = FaultInjector(faults)
        sandbox = Sandbox(
            state=state,
            dbs=dbs,
            faults=injector,
            limiter=RateLimiter(rate_limit),
            token=token,
            health_delay=health_delay,
            pg_version=dbs.server_version(),
        )
        server, thread = _serve(build_app(sandbox), sock, access_log)
    except BaseException:
        sock.close()
        pg.stop()
        raise
    url = f"http://127.0.0.1:{state.api_port}"
    profile = write_profile(data_dir / PROFILE_FILE, url)
    return SandboxHandle(
        url=url,
        token=token,
        data_dir=data_dir,
        profile_path=profile,
        pg=pg,
        organization_slug=state.organizations[0].slug,
        _faults=injector,
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


def _port_free(port: int) -> bool:
    if not port:
        return False
    with socket.socket() as s:
        # as postgres binds: connections of the last run may linger in TIME_WAIT on this port
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


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
