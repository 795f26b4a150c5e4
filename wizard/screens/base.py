"""What the wizard's screens share: the founder's choices so far, and what they may ask of the app
they run in. Screens sit below wizard.app (they never import it), so the app is seen through the
`WizardHost` protocol; wizard.app checks that MuseKitApp provides it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.screen import Screen

if TYPE_CHECKING:
    from wizard.api import ManagementAPI
    from wizard.clone import CloneCallbacks, Connection, Journal, SecretStore


@dataclass
class Choices:
    """What the founder chose so far for a new clone (no secrets)."""

    organization: str | None = None
    region: str | None = None
    muse_ref: str | None = None
    muse_name: str | None = None


@runtime_checkable
class WizardHost(Protocol):
    """The app's services the screens use (wizard.app.MuseKitApp)."""

    connection: Connection
    store: SecretStore
    clock: Callable[[], datetime]  # wall time, for ages
    ticks: Callable[[], float]  # for elapsed times
    template_dirs: tuple[Path, ...]  # more folders of templates (`musekit --templates DIR`)

    async def go_home(self) -> None: ...

    async def api_for(self, journal: Journal) -> ManagementAPI: ...

    def clone_callbacks(self) -> CloneCallbacks: ...


class WizardScreen[ResultT](Screen[ResultT]):
    """A screen that uses the app's services (`self.host`)."""

    @property
    def host(self) -> WizardHost:
        app = self.app
        if not isinstance(app, WizardHost):
            raise TypeError(f"{type(self).__name__} runs inside the MuseKit wizard, not {type(app).__name__}")
        return app

    def connected_api(self) -> ManagementAPI:
        """The Management API client the Connect screen set up."""
        api = self.host.connection.api
        if api is None:
            raise RuntimeError("not connected to the Management API")
        return api
