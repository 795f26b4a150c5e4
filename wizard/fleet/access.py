"""What an upgrade keeps from its plan to the end of its roll-out when something comes in between (the
wizard shows the plan and asks first): the Management API clients and one login role (and session) per
Muse, as `musekit fleet upgrade` keeps them within one `async with`. Without it the roll-out would make
every Muse's login role again: twice the requests on the endpoint whose budget sets a portfolio's pace."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from wizard.fleet.database import MuseLogins
from wizard.fleet.portfolio import ApiKey, FleetMuse, management_apis

if TYPE_CHECKING:
    from wizard.api import ManagementAPI
    from wizard.clone import SecretStore


class UpgradeAccess:
    """Open with `open()`, hand `apis` and `logins` to plan_fleet and run_rollout, `close()` at the end
    (it removes the login roles; they would expire on their own after their ttl)."""

    def __init__(self, stack: AsyncExitStack, apis: dict[ApiKey, ManagementAPI | str], logins: MuseLogins) -> None:
        self._stack, self.apis, self.logins = stack, apis, logins

    @classmethod
    async def open(cls, muses: Sequence[FleetMuse], store: SecretStore, *, interactive: bool) -> UpgradeAccess:
        stack = AsyncExitStack()
        try:
            apis = await stack.enter_async_context(management_apis(muses, store, interactive=interactive))
            logins = await stack.enter_async_context(MuseLogins())
        except BaseException:
            await stack.aclose()
            raise
        return cls(stack, apis, logins)

    async def close(self) -> None:
        await self._stack.aclose()
