"""What one Muse's database holds, read through a temporary login role (only the access token needed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard import migrations
from wizard.errors import MusekitError

if TYPE_CHECKING:
    import psycopg

    from wizard.api import LoginSession, ManagementAPI
    from wizard.fleet.portfolio import FleetMuse
    from wizard.muses import MuseTemplate


class FolderConflict(MusekitError):
    """The Muse folder holds a file whose version the new core or template ships with other content."""


class MuseLogins:
    """One temporary login role per Muse for a whole command (an upgrade's plan, then its roll-out): made on
    first use, renewed before its ttl runs out, every one removed at the end of the `async with`. The first
    REUSED Muses also keep their connection from one block to the next (see muse_connection): one backend,
    its catalog caches warm, per Muse, without holding a connection to every project of a large portfolio."""

    REUSED = 64

    def __init__(self) -> None:
        self._sessions: dict[str, LoginSession] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def url(self, api: ManagementAPI, ref: str) -> str:
        return await (await self.session(api, ref)).url()

    async def session(self, api: ManagementAPI, ref: str) -> LoginSession:
        from wizard.api import LoginSession

        async with self._locks.setdefault(ref, asyncio.Lock()):
            session = self._sessions.get(ref)
            if session is None:
                reuse = len(self._sessions) < self.REUSED
                session = LoginSession(api, ref, await api.database_connection(ref), keep_probe=True, reuse=reuse)
                self._sessions[ref] = session
            return session

    @staticmethod
    @asynccontextmanager
    async def or_new(logins: MuseLogins | None) -> AsyncIterator[MuseLogins]:
        """`logins` as it is, or a new one removed after the block."""
        if logins is not None:
            yield logins
            return
        async with MuseLogins() as own:
            yield own

    async def __aenter__(self) -> MuseLogins:
        return self

    async def __aexit__(self, *exc: object) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))


@asynccontextmanager
async def muse_connection(
    api: ManagementAPI, ref: str, logins: MuseLogins | None = None
) -> AsyncIterator[psycopg.AsyncConnection]:
    """A connection to the project's database as `postgres` for the block (the one that proved the login,
    when the Muse's login role is new). With `logins`, the Muse's login role is kept for the rest of the
    command, and so may the connection be (given back after the block, discarded); without, both are
    removed after the block."""
    from wizard.api import LoginSession

    if logins is not None:
        session = await logins.session(api, ref)
        conn = await session.connect()
        try:
            yield conn
        except BaseException:
            await conn.close()
            raise
        await session.release(conn)  # the Muse's next block (its roll-out after its plan) goes on in it
        return
    async with (
        LoginSession(api, ref, await api.database_connection(ref), keep_probe=True) as login,
        await login.connect() as conn,
    ):
        yield conn


def target_files(
    muse: FleetMuse, core: Sequence[migrations.MigrationFile], template: MuseTemplate
) -> list[migrations.MigrationFile]:
    """The files the Muse should hold: its folder's, plus the core's and the template's it lacks. A version
    in both with different bytes is a FolderConflict (a hand-edited file is never overwritten)."""
    folder = {f.version: f for f in migrations.load_folder(muse.migrations_dir)} if muse.migrations_dir.is_dir() else {}
    files = dict(folder)
    for f in [*core, *template.files]:
        mine = folder.get(f.version)
        if mine is not None and mine.checksum != f.checksum:
            raise FolderConflict(
                f"{mine.path} differs from the shipped {f.filename}: restore it from the template, or move your "
                f"change to a new migration"
            )
        files.setdefault(f.version, f)
    return sorted(files.values(), key=lambda f: (len(f.version), f.version))


@dataclass(frozen=True)
class Holdings:
    """What the database has applied of `files`, split into core and the Muse's own."""

    applied: frozenset[str]
    pending_core: tuple[migrations.MigrationFile, ...]
    pending_own: tuple[migrations.MigrationFile, ...]
    applied_core: tuple[migrations.MigrationFile, ...]


async def holdings(
    conn: psycopg.AsyncConnection, files: Sequence[migrations.MigrationFile], core: Sequence[migrations.MigrationFile]
) -> Holdings:
    plan = await migrations.read_plan(conn, files, include_all=True)
    applied = frozenset(plan.applied)
    core_versions = {f.version for f in core}
    return Holdings(
        applied,
        tuple(f for f in plan.pending if f.version in core_versions),
        tuple(f for f in plan.pending if f.version not in core_versions),
        tuple(f for f in core if f.version in applied),
    )
