"""Done: what was made and where, what the verification found, how to connect (never the password), and
what to do next. Everything shown comes from the journal: opening a finished Muse from the Welcome list
needs no connection and no secret. Only the actions that need the project ask for the access token
(if none is stored): checking it again, and setting a new database password (the way forward when
the one shown once is lost; musekit itself never needs it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Static

from wizard.screens.base import WizardScreen
from wizard.widgets import ErrorPanel, FlowStepper, KeysFooter, VerifyResults, age, error_text, plain

if TYPE_CHECKING:
    from wizard.api import ManagementAPI
    from wizard.clone import CloneListing, Journal
    from wizard.readme import NextStep


class DoneScreen(WizardScreen[str | None]):
    """`from_run`: opened by the run screen below it, which is this run's log: "run log" and "check again"
    dismiss this screen with that action for the run screen to take. `listing`: opened from the Welcome
    list."""

    DEFAULT_CSS = """
    DoneScreen #done-status {
        height: auto;
        padding: 1 0 0 0;
    }

    DoneScreen #done-status.busy {
        color: $text-warning;
    }
    """
    BINDINGS = [
        Binding("escape", "home", "Start screen"),
        Binding("c", "copy_steps", "Copy next steps"),
        Binding("l", "run_log", "Run log"),
        Binding("k", "check", "Check again"),
        Binding("p", "new_password", "New DB password"),
    ]

    def __init__(
        self,
        folder: Path,
        journal: Journal,
        *,
        muse_name: str = "",
        checked: bool = False,
        from_run: bool = False,
        listing: CloneListing | None = None,
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.journal = journal
        self.muse_name = muse_name
        self.checked = checked
        self.from_run = from_run
        self.listing = listing
        self.busy = False

    @property
    def steps(self) -> list[NextStep]:
        """What to run next (the same list the CLI prints after a clone)."""
        from wizard.readme import next_steps

        j, conn = self.journal, self.journal.connection
        url = f"postgresql://{conn.user}@{conn.host}:{conn.port}/{conn.dbname}" if conn else None
        return next_steps(self.folder, j.project_ref or "", sandbox=j.inputs.sandbox, database_url=url)

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowStepper("done", id="flow")
        with VerticalScroll(classes="page"):
            yield Static(plain(self._title()), classes="title")
            yield Static(plain(self._summary()), id="summary", classes="summary")
            yield Static("Verification", classes="section")
            yield Static(plain(VerifyResults.from_journal(self.journal).summary_text()), id="verify", classes="summary")
            yield Static("Next steps", classes="section")
            yield Static(plain(self._next_steps()), id="next-steps", classes="commands")
            yield Static("", id="done-status")
            yield ErrorPanel(id="error")
            with Horizontal(classes="buttons"):
                yield Button("Run log (l)", id="run-log")
                yield Button("Check again (k)", id="check")
                yield Button("New database password (p)", id="new-password")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#done-status").display = False

    def _title(self) -> str:
        if self.checked:
            return "This Muse was already finished: checked, nothing changed"
        if self.from_run:
            return "Your Muse is ready"
        finished = self.journal.steps["readme"].finished_at or self.journal.updated_at
        return f"Your Muse {self.journal.inputs.name} (finished {age(finished, self.host.clock())})"

    def _summary(self) -> str:
        j, inputs = self.journal, self.journal.inputs
        conn = j.connection
        database = (
            f"postgresql://{conn.user}@{conn.host}:{conn.port}/{conn.dbname}" if conn else "(no connection recorded)"
        )
        where = "the local sandbox (nothing hosted)" if inputs.sandbox else "Supabase"
        return "\n".join(
            [
                f"Muse       {self.muse_name or inputs.muse}",
                f"Project    {inputs.name}  ref {j.project_ref}  on {where}",
                f"           organization {inputs.organization}, region {inputs.region}",
                f"Folder     {self.folder}",
                "           supabase/migrations/  the core's and the Muse's migrations",
                "           README.md             what the Muse adds (its table list)",
                f"Database   {database}",
                "           session mode. The password is not shown: musekit never needs it",
                "           (temporary login roles). Lost it? Press p to set a new one.",
            ]
        )

    def _next_steps(self) -> str:
        from wizard.readme import render_next_steps

        return render_next_steps(self.steps)

    # -- actions -----------------------------------------------------------------------------
    def action_copy_steps(self) -> None:
        self.app.copy_to_clipboard("\n".join(step.command for step in self.steps) + "\n")
        self.notify("Copied the next steps' commands", markup=False)

    async def action_home(self) -> None:
        await self.host.go_home()

    @on(Button.Pressed, "#run-log")
    def action_run_log(self) -> None:
        from wizard.screens.run_log import RunLogScreen

        if self.from_run:
            self.dismiss("run_log")  # the run screen below is this run's log, with every stage
            return
        self.app.push_screen(RunLogScreen(self.folder, self.journal))

    @on(Button.Pressed, "#check")
    def action_check(self) -> None:
        """Check the finished clone again against the project (read-only): the run screen does it."""
        from wizard.messages import ResumeRequested

        if self.busy:
            return
        if self.from_run:
            self.dismiss("check")
        elif self.listing is not None:
            self.post_message(ResumeRequested(self.listing))  # the app asks for the token if none is stored
        else:
            self.notify("Open this Muse from the start screen to check it.", markup=False)

    @on(Button.Pressed, "#new-password")
    def action_new_password(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        if self.busy:
            return
        ref = self.journal.project_ref

        def answer(yes: bool | None) -> None:
            if yes:
                self._set_new_password()

        self.app.push_screen(
            ConfirmScreen(
                "Set a new database password?",
                f"Project {self.journal.inputs.name} ({ref}) gets a new, generated password, shown once. The old "
                "one stops working at once, wherever it is used (your app's server, tools you connected with "
                "it). musekit itself does not need it.",
                yes="Set a new password",
                no="Not now",
            ),
            answer,
        )

    @work(exclusive=True, group="password", exit_on_error=False)
    async def _set_new_password(self) -> None:
        from wizard.clone import credentials, generate_db_password
        from wizard.screens.password import NewPasswordScreen

        ref = self.journal.project_ref
        self.query_one(ErrorPanel).clear()
        self.busy = True
        try:
            if ref is None:
                raise RuntimeError("this clone has no project yet: there is no database password to set")
            api = await self._api()
            if api is None:
                self._status("No new password was set (no access token was given).")
                return
            self._status(f"Setting a new database password for project {ref}…", busy=True)
            password = generate_db_password()
            await api.reset_database_password(ref, password)
            stored = self.host.store.set(credentials.db_password_key(ref), password)
        except Exception as exc:
            self._status("")
            self.query_one(ErrorPanel).show_error(
                "Could not set a new database password",
                error_text(exc),
                "Nothing changed: the old password still works. Press p to try again.",
            )
            return
        finally:
            self.busy = False
        self._status(f"✓ Project {ref} has a new database password (shown once; the old one no longer works).")
        await self.app.push_screen_wait(
            NewPasswordScreen(password, stored, title=f"The new database password of project {ref}")
        )
        del password

    async def _api(self) -> ManagementAPI | None:
        """The client for this clone's API; when no token is stored, the Connect screen asks for one (None if
        the founder goes back)."""
        from wizard.clone import NoAccessToken, api_url_for
        from wizard.screens.connect import ConnectScreen

        self._status(
            "Starting the local sandbox…" if self.journal.inputs.sandbox else "Connecting to the Management API…",
            busy=True,
        )
        try:
            return await self.host.api_for(self.journal)
        except NoAccessToken:
            api_url = api_url_for(self.journal, self.host.connection.api_url)
            connect = ConnectScreen(sandbox=False, base_url=api_url, token_only=True)
            if not await self.app.push_screen_wait(connect):
                return None
            return await self.host.api_for(self.journal)

    def _status(self, text: str, *, busy: bool = False) -> None:
        status = self.query_one("#done-status", Static)
        status.update(plain(f"▶ {text}" if busy else text))
        status.set_classes("busy" if busy else "")
        status.display = bool(text)
