"""Connect: the access token (masked, checked as typed, offered from the keyring), the
organization (from the API) and the region (the API's recommendation first). In sandbox mode the
local sandbox starts here and supplies the token itself."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Header, Input, Label, Select, Static

from wizard.api import TOKENS_PAGE, check_access_token
from wizard.clone import credentials
from wizard.messages import Connected, ConnectFailed, OrganizationsLoaded, RegionsLoaded
from wizard.screens.base import WizardScreen
from wizard.widgets import ErrorPanel, FlowStepper, FormInput, KeysFooter, error_text, plain

if TYPE_CHECKING:
    from wizard.api import Organization

DEFAULT_REGION = "us-east-1"
TYPING_PAUSE_S = 0.35  # wait this long after the last key before asking the API about a token
NO_KEYRING = (
    f"No OS keyring here, so no secret is stored: musekit reads ${credentials.TOKEN_ENV} and "
    f"${credentials.DB_PASSWORD_ENV}, or asks."
)


class ConnectScreen(WizardScreen[bool]):
    """Dismissed with True once connected when `token_only` (resuming); otherwise it posts Connected."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+r", "retry", "Retry"),
    ]
    AUTO_FOCUS = "#token, #org"  # the token; in sandbox mode (no token field) the organization

    def __init__(self, *, sandbox: bool, base_url: str | None = None, token_only: bool = False) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.base_url = base_url
        self.token_only = token_only
        self.token_source = "typed"  # or "keyring", "$SUPABASE_ACCESS_TOKEN"
        self._found: tuple[str, str] | None = None  # (token, where) found in the keyring or environment
        self.organizations: list[Organization] = []
        self.connected_token: str | None = None  # the token the organizations were loaded with
        self._failed: str | None = None  # what to retry (and what blocks the way on)
        self._failed_regions = False  # the region advice failed: not blocking, but retryable

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowStepper("connect", id="flow")
        with VerticalScroll(classes="page"):
            if self.sandbox:
                yield Static("Connect to the local sandbox", classes="title")
                yield Static(
                    "An emulator of the Supabase Management API with an embedded PostgreSQL 17 on this "
                    "machine: the whole flow, nothing hosted or billed.",
                    classes="lead",
                )
                yield Static("Starting the local sandbox…", id="sandbox-status", classes="muted")
            else:
                yield Static(
                    "Resume: enter your access token" if self.token_only else "Connect to Supabase", classes="title"
                )
                yield Label("Personal access token", classes="field-label")
                yield FormInput(placeholder="sbp_…", password=True, id="token")
                yield Static(f"Create one at {TOKENS_PAGE}", id="token-check", classes="hint")
                yield Checkbox("Store it in the OS keyring (service musekit)", value=True, id="store-token")
                yield Static(NO_KEYRING, id="no-keyring", classes="hint")
            if not self.token_only:
                yield Label("Organization", classes="field-label")
                yield Select([], prompt="(waiting for the organizations)", id="org")
                yield Label("Region", classes="field-label")
                yield Select([], prompt="(choose the organization first)", id="region")
            yield ErrorPanel(id="error")
            with Horizontal(classes="buttons"):
                yield Button("Continue", id="next", variant="primary", disabled=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.sandbox:
            self._connect_sandbox()
            return
        store = self.host.store
        app_notice, store.notify = store.notify, lambda _text: None  # said here, not in a toast over the form
        try:
            token, source = credentials.find_access_token(store)
        finally:
            store.notify = app_notice
        store_box = self.query_one("#store-token", Checkbox)
        store_box.display = store.available
        self.query_one("#no-keyring").display = not store.available
        if token:
            self._found = (token, source)
            store_box.display = source != "keyring" and store.available
            self.query_one("#token", Input).value = token

    # -- token ------------------------------------------------------------------------------
    @on(Input.Changed, "#token")
    def _token_changed(self, event: Input.Changed) -> None:
        check = check_access_token(event.value)
        hint = self.query_one("#token-check", Static)
        self.token_source = self._found[1] if self._found and self._found[0] == event.value else "typed"
        self.connected_token = None
        self._clear_error()
        self._update_next()
        if not event.value.strip():
            hint.update(f"Create one at {TOKENS_PAGE}")
            hint.set_classes("hint")
            return
        if not check.accepted:
            hint.update(plain(check.message))
            hint.set_classes("hint invalid")
            self.workers.cancel_group(self, "orgs")
            return
        source = {"keyring": " (from your OS keyring)", "typed": ""}.get(
            self.token_source, f" (from {self.token_source})"
        )
        hint.update(
            plain(
                f"✓ {check.kind.value}{source}"
                + (f". {check.warning}" if check.warning else "")
                + ". Checking it with Supabase…"
            )
        )
        hint.set_classes("hint valid")
        self._load_organizations(event.value)

    @on(Input.Submitted, "#token")
    def _token_submitted(self) -> None:
        self.action_next()

    # -- workers: all API calls -----------------------------------------------------------------
    @work(exclusive=True, group="orgs", exit_on_error=False)
    async def _load_organizations(self, token: str) -> None:
        await asyncio.sleep(TYPING_PAUSE_S)
        try:
            api = await self.host.connection.use_token(token, base_url=self.base_url)
            organizations = await api.list_organizations()
        except Exception as exc:
            self.post_message(ConnectFailed("organizations", error_text(exc)))
            return
        self.post_message(OrganizationsLoaded(organizations, token=token))

    @work(exclusive=True, group="orgs", exit_on_error=False)
    async def _connect_sandbox(self) -> None:
        try:
            api = await self.host.connection.use_sandbox()
            organizations = await api.list_organizations()
        except Exception as exc:  # SandboxError (a RuntimeError), API errors, ...
            self.post_message(ConnectFailed("sandbox", error_text(exc)))
            return
        self.post_message(OrganizationsLoaded(organizations))

    @work(exclusive=True, group="regions", exit_on_error=False)
    async def _load_regions(self, organization: str) -> None:
        try:
            regions = await self.connected_api().available_regions(organization)
        except Exception as exc:
            self.post_message(ConnectFailed("regions", error_text(exc)))
            return
        self.post_message(RegionsLoaded(organization, regions))

    # -- results ----------------------------------------------------------------------------------
    @on(OrganizationsLoaded)
    def _organizations_loaded(self, message: OrganizationsLoaded) -> None:
        self._clear_error()
        self.organizations = message.organizations
        self.connected_token = message.token or None
        if self.sandbox:
            sb = self.host.connection.sandbox
            slug = sb.organization_slug if sb is not None else "?"
            self.query_one("#sandbox-status", Static).update(
                f"✓ Sandbox running (organization {plain(slug)}); its token is used for you."
            )
        else:
            source = (
                ""
                if self.token_source == "typed"
                else (" from your OS keyring" if self.token_source == "keyring" else f" from {self.token_source}")
            )
            self.query_one("#token-check", Static).update(
                plain(f"✓ Supabase accepted the token{source}: {len(message.organizations)} organization(s).")
            )
        if self.token_only:
            self._update_next()
            return
        if not message.organizations:
            self._show_error(
                "organizations",
                "This token's account belongs to no organization. Create one at "
                "https://supabase.com/dashboard, then try again.",
            )
            return
        select = self.query_one("#org", Select)
        select.set_options([(f"{o.name} ({o.slug})", o.slug) for o in message.organizations])
        select.value = message.organizations[0].slug
        self._update_next()

    @on(Select.Changed, "#org")
    def _org_changed(self, event: Select.Changed) -> None:
        region = self.query_one("#region", Select)
        region.set_options([])
        if isinstance(event.value, str):
            region.prompt = "(loading the regions…)"
            self._load_regions(event.value)
        self._update_next()

    @on(RegionsLoaded)
    def _regions_loaded(self, message: RegionsLoaded) -> None:
        self._clear_error()
        info = message.regions
        if not info.all.specific:
            self._regions_unavailable("Supabase listed no region musekit could read for this organization.")
            return
        select = self.query_one("#region", Select)
        # the API's list, new codes included: musekit keeps no list of its own to check it against
        select.set_options([(f"{r.name} ({r.code})", str(r.code)) for r in info.all.specific])
        recommended = [str(r.code) for r in info.recommendations.specific] if info.recommendations else []
        codes = [str(r.code) for r in info.all.specific]
        default = next((c for c in recommended if c in codes), DEFAULT_REGION if DEFAULT_REGION in codes else None)
        if default:
            select.value = default
        self._update_next()

    @on(Select.Changed, "#region")
    def _region_changed(self) -> None:
        self._update_next()

    @on(ConnectFailed)
    def _failed_to_connect(self, message: ConnectFailed) -> None:
        if message.what == "regions":
            self._regions_unavailable(message.message)
            return
        if message.what == "sandbox":
            self.query_one("#sandbox-status", Static).update("The sandbox did not start.")
        elif message.what == "organizations":
            self.query_one("#token-check", Static).update("✗ Supabase did not accept this token (see below).")
            self.query_one("#token-check", Static).set_classes("hint invalid")
        self._show_error(message.what, message.message)

    def _regions_unavailable(self, message: str) -> None:
        """Without the regions endpoint, offer the codes documented when musekit was built (us-east-1 first
        chosen), unchecked: Supabase's answer to the create says if one is gone. Say why, without blocking."""
        from wizard.api import Region

        select = self.query_one("#region", Select)
        select.set_options([(r.value, r.value) for r in Region])
        select.value = DEFAULT_REGION
        self.query_one(ErrorPanel).show_error(
            "Could not ask Supabase for the recommended regions",
            message,
            f"Every region is listed instead ({DEFAULT_REGION} chosen); ctrl+r asks again.",
        )
        self._failed_regions = True
        self._update_next()

    def _show_error(self, what: str, message: str) -> None:
        self._failed = what
        titles = {
            "sandbox": "Could not start the sandbox",
            "organizations": "Could not list your organizations",
            "regions": "Could not list the regions",
        }
        actions = (
            "Fix the token (typing re-checks it), or press ctrl+r to retry."
            if what == "organizations"
            else "Press ctrl+r to retry."
        )
        self.query_one(ErrorPanel).show_error(titles[what], message, actions)
        self._update_next()

    def _clear_error(self) -> None:
        self._failed = None
        self._failed_regions = False
        self.query_one(ErrorPanel).clear()

    # -- actions ------------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        if self._failed or (not self.sandbox and not self.connected_token) or (self.sandbox and not self.organizations):
            return False
        if self.token_only:
            return True
        return self._chosen("#org") is not None and self._chosen("#region") is not None

    def _chosen(self, select: str) -> str | None:
        """The value of the organization or region Select (their values are slugs and codes)."""
        value = self.query_one(select, Select).value
        return value if isinstance(value, str) else None

    def _update_next(self) -> None:
        self.query_one("#next", Button).disabled = not self.ready

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        if not self.ready:
            self.app.bell()
            return
        token = self.connected_token
        if (
            not self.sandbox
            and token
            and self.token_source != "keyring"
            and self.query_one("#store-token", Checkbox).value
        ):
            if self.host.store.set(credentials.TOKEN_KEY, token):
                self.notify("The access token is stored in your OS keyring.", markup=False)
        if self.token_only:
            self.dismiss(True)
            return
        organization, region = self._chosen("#org"), self._chosen("#region")
        if organization is not None and region is not None:
            self.post_message(Connected(organization, region))

    def action_retry(self) -> None:
        failed, self._failed = self._failed, None
        if failed is None and self._failed_regions:
            failed = "regions"
        if failed == "sandbox":
            self.query_one("#sandbox-status", Static).update("Starting the local sandbox…")
            self._connect_sandbox()
        elif failed == "organizations":
            self._load_organizations(self.query_one("#token", Input).value)
        elif failed == "regions" and (organization := self._chosen("#org")) is not None:
            self._load_regions(organization)
        self.query_one(ErrorPanel).clear()

    def action_back(self) -> None:
        if self.token_only:
            self.dismiss(False)
        else:
            self.app.pop_screen()
