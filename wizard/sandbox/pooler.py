"""The sandbox's Supavisor: a small PostgreSQL-protocol proxy in front of the projects' clusters.

As on the platform, it listens on one pooler host with two ports, session mode on 5432 and
transaction mode on 6543; the host is a loopback address of its own (127.x.y.z), so both ports
are free even when a local PostgreSQL holds 127.0.0.1:5432. A login as `<role>.<ref>` reaches
role `<role>` in project `<ref>`'s cluster (Supavisor's tenant routing; `options=reference=<ref>`
works too); anything else is refused with Supavisor's `Tenant or user not found`. The password
exchange (SCRAM) passes through untouched: the pooler never sees a password. TLS is declined
(the host is local), as is GSS encryption; cancel requests reach the right cluster.

Transaction mode hands each transaction to "some" server connection, as a real transaction
pooler does: between transactions the session state is reset (session authorization, SET ROLE,
settings), so `SET SESSION ROLE postgres` does not outlive its transaction there. Prepared
statements survive (Supavisor supports them)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger("musekit.sandbox")

Mode = Literal["session", "transaction"]
SESSION_PORT = 5432
TRANSACTION_PORT = 6543
PROTOCOL_3 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
NOT_FOUND = "Tenant or user not found"  # Supavisor's text (the official CLI matches on it)
# A fresh server connection's state: who logged in, no SET ROLE, the login's settings.
TRANSACTION_RESET = "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL"
MAX_STARTUP = 10_000


@dataclass(frozen=True)
class Route:
    port: int  # the project's cluster, on 127.0.0.1


Resolver = Callable[[str], "Route | str"]  # blocking: a project ref -> its route, or why it cannot be reached
Pump = Coroutine[Any, Any, None]


class PoolerError(RuntimeError):
    pass


def bind_pair(host: str, ports: tuple[int, int]) -> tuple[socket.socket, socket.socket] | None:
    """Listening sockets on host:ports[0] and host:ports[1], or None if either is taken."""
    bound: list[socket.socket] = []
    for port in ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            for s in bound:
                s.close()
            return None
        sock.listen(128)
        bound.append(sock)
    return bound[0], bound[1]


@dataclass
class Pooler:
    """Serves the two listening sockets from a thread of its own until `stop()`."""

    session_sock: socket.socket
    transaction_sock: socket.socket
    resolve: Resolver
    logins: Counter[Mode] = field(default_factory=Counter)  # successful routes per mode (tests read it)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _cancel_keys: dict[tuple[int, bytes], int] = field(default_factory=dict)  # (pid, key) -> cluster port

    @property
    def host(self) -> str:
        return str(self.session_sock.getsockname()[0])

    @property
    def session_port(self) -> int:
        return int(self.session_sock.getsockname()[1])

    @property
    def transaction_port(self) -> int:
        return int(self.transaction_sock.getsockname()[1])

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="musekit-sandbox-pooler", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise PoolerError("the sandbox's pooler did not start")

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
        self.session_sock.close()
        self.transaction_sock.close()

    # -- the event loop -----------------------------------------------------------------
    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            servers = [
                loop.run_until_complete(asyncio.start_server(self._handler("session"), sock=self.session_sock)),
                loop.run_until_complete(asyncio.start_server(self._handler("transaction"), sock=self.transaction_sock)),
            ]
            ready.set()
            loop.run_forever()
            for server in servers:
                server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def _handler(self, mode: Mode) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await self._serve(mode, reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, PoolerError):
                pass
            except Exception as exc:
                log.warning("sandbox pooler: %s: %s", type(exc).__name__, exc)
            finally:
                writer.close()

        return handle

    async def _serve(self, mode: Mode, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        code, payload = await _read_startup(reader, writer)
        if code == CANCEL_REQUEST:
            await self._forward_cancel(payload)
            return
        params, ref = _tenant(_parse_params(payload))
        route = await asyncio.to_thread(self.resolve, ref) if ref else NOT_FOUND
        if isinstance(route, str):
            writer.write(_fatal(route))
            await writer.drain()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", route.port)
        try:
            up_writer.write(_startup(code, params))
            self.logins[mode] += 1
            pumps: tuple[Pump, Pump] = (
                (_copy(reader, up_writer), self._server_messages(up_reader, writer, route.port, None))
                if mode == "session"
                else _transaction_pumps(reader, up_writer, up_reader, writer, self, route.port)
            )
            await _until_either_ends(*pumps)
        finally:
            up_writer.close()

    async def _server_messages(
        self,
        up: asyncio.StreamReader,
        client: asyncio.StreamWriter,
        port: int,
        on_message: Callable[[bytes, bytes], bool] | None,
    ) -> None:
        """Server -> client: note the cancel key; with `on_message`, parse every message (it
        returns False to swallow one), else copy raw bytes once the session is ready."""
        keys: list[tuple[int, bytes]] = []
        try:
            while True:
                kind, body = await _read_message(up)
                if kind == b"K":
                    key = (struct.unpack("!i", body[:4])[0], body[4:])
                    self._cancel_keys[key] = port
                    keys.append(key)
                if on_message is None or on_message(kind, body):
                    client.write(kind + struct.pack("!i", len(body) + 4) + body)
                    await client.drain()
                if kind == b"Z" and on_message is None:
                    await _copy(up, client)
                    return
        finally:
            for key in keys:
                self._cancel_keys.pop(key, None)

    async def _forward_cancel(self, payload: bytes) -> None:
        key = (struct.unpack("!i", payload[:4])[0], payload[4:])
        port = self._cancel_keys.get(key)
        if port is None:
            return
        _, up = await asyncio.open_connection("127.0.0.1", port)
        up.write(struct.pack("!ii", 8 + len(payload), CANCEL_REQUEST) + payload)
        await up.drain()
        up.close()


# -- transaction mode ---------------------------------------------------------------------
@dataclass
class _TransactionState:
    outstanding: int = 0  # client sync points (Query, Sync, FunctionCall) not yet answered by ReadyForQuery
    in_batch: bool = False  # extended-protocol messages sent since the last Sync
    idle_since_work: bool = False  # the server went idle (no transaction) after answering the client
    swallowing: int = 0  # our own reset queries whose answers the client must not see


def _transaction_pumps(
    client_in: asyncio.StreamReader,
    server_out: asyncio.StreamWriter,
    server_in: asyncio.StreamReader,
    client_out: asyncio.StreamWriter,
    pooler: Pooler,
    port: int,
) -> tuple[Pump, Pump]:
    st = _TransactionState()
    started = False

    async def client_to_server() -> None:
        while True:
            kind, body = await _read_message(client_in)
            if kind == b"X":
                server_out.write(_message(kind, body))
                await server_out.drain()
                return
            if st.idle_since_work and st.outstanding == 0 and not st.in_batch:
                st.idle_since_work = False
                st.swallowing += 1
                server_out.write(_message(b"Q", TRANSACTION_RESET.encode() + b"\0"))
            server_out.write(_message(kind, body))
            if kind in (b"Q", b"S", b"F"):
                st.outstanding += 1
                st.in_batch = False
            elif kind in (b"P", b"B", b"E", b"D", b"C", b"H"):
                st.in_batch = True
            await server_out.drain()

    def on_server_message(kind: bytes, body: bytes) -> bool:
        nonlocal started
        if st.swallowing:
            if kind == b"Z":
                st.swallowing -= 1
            elif kind == b"E":
                log.warning("sandbox pooler: the transaction-mode reset failed: %r", body)
            return kind in (b"S", b"A")  # parameter changes and notifications still reach the client
        if kind == b"Z":
            if not started:  # the end of the login
                started = True
            elif st.outstanding > 0:
                st.outstanding -= 1
                st.idle_since_work = st.outstanding == 0 and body[:1] == b"I"
        return True

    return client_to_server(), pooler._server_messages(server_in, client_out, port, on_server_message)


# -- protocol helpers ---------------------------------------------------------------------
async def _read_startup(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[int, bytes]:
    """The startup (or cancel) packet, after declining TLS and GSS encryption."""
    while True:
        length, code = struct.unpack("!ii", await reader.readexactly(8))
        if not 8 <= length <= MAX_STARTUP:
            raise PoolerError(f"bad startup packet length {length}")
        payload = await reader.readexactly(length - 8)
        if code in (SSL_REQUEST, GSSENC_REQUEST):
            writer.write(b"N")
            await writer.drain()
            continue
        return code, payload


def _parse_params(payload: bytes) -> dict[str, str]:
    parts = payload.split(b"\0")
    pairs = parts[: len(parts) - len(parts) % 2]
    return {pairs[i].decode(): pairs[i + 1].decode() for i in range(0, len(pairs), 2) if pairs[i]}


def _tenant(params: dict[str, str]) -> tuple[dict[str, str], str]:
    """The startup parameters for the project's cluster, and the project ref: from a user
    `<role>.<ref>`, or from `options=reference=<ref>` (which the pooler consumes)."""
    user = params.get("user", "")
    role, dot, ref = user.rpartition(".")
    if dot and role:
        return {**params, "user": role}, ref
    options = params.get("options", "").replace(",", " ").split()
    for option in options:
        key, _, value = option.partition("=")
        if key == "reference":
            rest = " ".join(o for o in options if o != option)
            cleaned = {k: v for k, v in params.items() if k != "options"}
            return (cleaned | {"options": rest} if rest else cleaned), value
    return params, ""


def _startup(code: int, params: dict[str, str]) -> bytes:
    body = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params.items()) + b"\0"
    return struct.pack("!ii", len(body) + 8, code) + body


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    header = await reader.readexactly(5)
    (length,) = struct.unpack("!i", header[1:])
    return header[:1], await reader.readexactly(length - 4)


def _fatal(message: str) -> bytes:
    fields = b"SFATAL\0VFATAL\0CXX000\0M" + message.encode() + b"\0\0"
    return _message(b"E", fields)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


async def _until_either_ends(*pumps: Pump) -> None:
    tasks = [asyncio.ensure_future(p) for p in pumps]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
                await task
