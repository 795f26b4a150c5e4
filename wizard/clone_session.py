"""What the headless commands (clone, resume, status) and the TUI share around a clone: the
Management API client for a clone's inputs (starting the local sandbox when the clone uses it),
and the access token lookup."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, AsyncIterator

from wizard import credentials

if TYPE_CHECKING:
    from wizard.management_api import ManagementAPI
    from wizard.sandbox.server import SandboxHandle

SANDBOX_HEALTH_DELAY_ENV = "MUSEKIT_SANDBOX_HEALTH_DELAY"


class NoAccessToken(Exception):
    pass


def start_local_sandbox(health_delay: float | None = None) -> "SandboxHandle":
    """The sandbox a `--sandbox` clone uses: state in musekit's data dir, so a resume finds it."""
    from wizard.sandbox.server import default_data_dir, start_sandbox

    if health_delay is None:
        health_delay = float(os.environ.get(SANDBOX_HEALTH_DELAY_ENV, "3"))
    return start_sandbox(default_data_dir(), health_delay=health_delay)


def access_token(store: credentials.SecretStore, interactive: bool) -> str:
    token, _ = credentials.find_access_token(store)
    if token:
        return token
    if interactive and sys.stdin.isatty():
        token = getpass.getpass("Supabase access token (sbp_…, from https://supabase.com/dashboard/account/tokens): ")
        if token.strip():
            return token.strip()
    raise NoAccessToken(
        f"no Supabase access token: set {credentials.TOKEN_ENV} (create one at "
        "https://supabase.com/dashboard/account/tokens), or try everything locally with --sandbox.")


@dataclass
class ApiSession:
    api: "ManagementAPI"
    sandbox: "SandboxHandle | None"
    organization: str | None  # the sandbox's organization, when the sandbox is used


@asynccontextmanager
async def api_session(*, sandbox: bool, store: credentials.SecretStore, interactive: bool,
                      on_event: Callable | None = None, health_delay: float | None = None,
                      base_url: str | None = None) -> AsyncIterator[ApiSession]:
    from wizard.management_api import ManagementAPI

    handle = start_local_sandbox(health_delay) if sandbox else None
    try:
        if handle is not None:
            api = ManagementAPI(handle.token, base_url=handle.url, on_event=on_event)
        else:
            api = ManagementAPI(access_token(store, interactive), base_url=base_url, on_event=on_event)
        async with api:
            yield ApiSession(api, handle, handle.organization_slug if handle else None)
    finally:
        if handle is not None:
            handle.stop()
