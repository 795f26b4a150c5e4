"""The founder's Muses, as the registry knows them, and the Management API each one lives behind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.clone import MIGRATIONS_DIR, CloneListing, Journal, list_clones

if TYPE_CHECKING:
    from wizard.api import ManagementAPI
    from wizard.clone import SecretStore

ApiKey = tuple[bool, str | None]  # (sandbox, API base URL): Muses behind the same API share one client


@dataclass(frozen=True)
class FleetMuse:
    """One Muse of the portfolio: its registry entry and, when readable, its journal."""

    name: str
    clone_id: str
    folder: Path
    template: str
    journal: Journal | None
    problem: str | None  # why it cannot be looked at (folder gone, unreadable journal, never created)

    @property
    def ref(self) -> str | None:
        return self.journal.project_ref if self.journal else None

    @property
    def migrations_dir(self) -> Path:
        return self.folder / MIGRATIONS_DIR

    @property
    def api_key(self) -> ApiKey:
        assert self.journal is not None
        inputs = self.journal.inputs
        return (inputs.sandbox, None if inputs.sandbox else inputs.api_url.rstrip("/"))


def _muse(listing: CloneListing) -> FleetMuse:
    entry, journal = listing.entry, listing.journal
    problem = listing.problem
    if problem is None and journal is not None and not journal.project_ref:
        problem = "no project yet: the clone stopped before creating it (musekit resume)"
    return FleetMuse(entry.name, entry.clone_id, Path(entry.folder), entry.muse, journal, problem)


def reachable(muse: FleetMuse, apis: dict[ApiKey, ManagementAPI | str]) -> ManagementAPI | str:
    """The client for the Muse's API, or why the Muse cannot be looked at (its own problem, no project,
    its API unreachable)."""
    if muse.problem is not None or muse.ref is None or muse.journal is None:
        return muse.problem or "no project recorded"
    api = apis.get(muse.api_key)
    if api is None or isinstance(api, str):
        return f"the Management API is unavailable: {api}"
    return api


async def bounded[T, R](items: Sequence[T], fn: Callable[[T], Awaitable[R]], concurrency: int) -> list[R]:
    """`fn` of every item, `concurrency` at a time, the results in the items' order."""
    import asyncio

    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(item: T) -> R:
        async with gate:
            return await fn(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


def portfolio(only: Sequence[str] = ()) -> list[FleetMuse]:
    """Every registered Muse, by name; `only`: names or template slugs to keep."""
    muses = sorted((_muse(listing) for listing in list_clones()), key=lambda m: (m.name, m.clone_id))
    wanted = set(only)
    return [m for m in muses if not wanted or m.name in wanted or m.template in wanted]


@asynccontextmanager
async def management_apis(
    muses: Sequence[FleetMuse], store: SecretStore, *, interactive: bool
) -> AsyncIterator[dict[ApiKey, ManagementAPI | str]]:
    """One client per distinct API the Muses live behind (the sandbox, api.supabase.com, ...). An API that
    cannot be reached maps to the reason, so its Muses get a row saying so instead of failing the command."""
    from wizard.clone import api_session, api_url_for
    from wizard.errors import MusekitError

    apis: dict[ApiKey, ManagementAPI | str] = {}
    async with AsyncExitStack() as stack:
        for muse in muses:
            if muse.journal is None or muse.api_key in apis:
                continue
            try:
                session = await stack.enter_async_context(
                    api_session(
                        sandbox=muse.journal.inputs.sandbox,
                        store=store,
                        interactive=interactive,
                        base_url=api_url_for(muse.journal),
                    )
                )
                apis[muse.api_key] = session.api
            except MusekitError as exc:
                apis[muse.api_key] = str(exc).splitlines()[0]
        yield apis
