"""Project: the name (checked as typed, and against the organization's projects), the Muse folder,
the database password (generated, or the founder's own), then a confirmation before anything
billable is created. `Clone.start` validates everything and writes the journal (a status line says
so while it asks Supabase); nothing is created before the run screen takes over, pushed above this
screen so nothing else is drawn in between."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Input, Label, RadioButton, RadioSet, Static

from wizard.clone import MAX_PROJECT_NAME, folder_slug, project_name_problem
from wizard.messages import CloneCreated, ConnectFailed, ProjectsLoaded, StartFailed
from wizard.screens.base import Choices, WizardScreen
from wizard.widgets import ErrorPanel, FlowStepper, FormInput, KeysFooter, error_text, plain

TYPING_PAUSE_S = 0.35


class ProjectScreen(WizardScreen[None]):
    DEFAULT_CSS = """
    ProjectScreen #start-status {
        height: auto;
        color: $text-warning;
    }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "create", "Create project"),
        Binding("ctrl+r", "retry", "Retry"),
    ]
    AUTO_FOCUS = "#name"

    def __init__(self, choices: Choices, *, workdir: Path, sandbox: bool) -> None:
        super().__init__()
        self.choices = choices
        self.workdir = workdir
        self.sandbox = sandbox
        self.taken: str | None = None  # message when the name is already used in the organization
        self.checked_name: str | None = None
        self._folder_edited = False
        self._auto_folder = str(self.workdir) + "/"  # what the screen itself last put in the folder field
        self._starting = False

    def compose(self) -> ComposeResult:
        c = self.choices
        yield Header()
        yield FlowStepper("project", id="flow")
        with VerticalScroll(classes="page"):
            yield Static("Name the project", classes="title")
            yield Static(
                plain(f"Muse {c.muse_name} · organization {c.organization} · region {c.region}"),
                id="summary",
                classes="lead",
            )
            yield Label("Project name", classes="field-label")
            yield FormInput(placeholder="e.g. my-muse", id="name", max_length=MAX_PROJECT_NAME)
            yield Static(
                "The Supabase project's name; also the folder's, unless you change it.", id="name-check", classes="hint"
            )
            yield Label("Muse folder", classes="field-label")
            yield FormInput(value=self._auto_folder, id="folder")
            yield Label("Database password", classes="field-label")
            with RadioSet(id="password-mode"):
                yield RadioButton("Generate a strong one (shown once)", value=True, id="generate")
                yield RadioButton("Enter my own", id="own")
            yield FormInput(password=True, id="own-password", placeholder="your database password")
            yield ErrorPanel(id="error")
            with Horizontal(classes="buttons"):
                yield Button("Create project…", id="create", variant="primary")
            yield Static("", id="start-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#own-password").display = False
        self.query_one("#start-status").display = False

    # -- name, checked as typed -------------------------------------------------------------
    @on(Input.Changed, "#name")
    def _name_changed(self, event: Input.Changed) -> None:
        name = event.value
        if not self._folder_edited:
            self._auto_folder = str(self._default_folder(name))
            with self.prevent(Input.Changed):  # the screen's own write is no edit: no Changed for it
                self.query_one("#folder", Input).value = self._auto_folder
        self.taken, self.checked_name = None, None
        problem = project_name_problem(name)
        hint = self.query_one("#name-check", Static)
        if problem:
            hint.update(plain(problem))
            hint.set_classes("hint invalid")
            self.workers.cancel_group(self, "name")
            return
        hint.update(plain(f"Checking {self.choices.organization} for a project named {name!r}…"))
        hint.set_classes("hint")
        self._check_name(name)

    @on(Input.Changed, "#folder")
    def _folder_changed(self, event: Input.Changed) -> None:
        if event.value != event.input.value:
            return  # stale: the field changed since (a name typed fast sets it again), its own event follows
        # edited when it is not what the screen put there (the name may have changed again meanwhile)
        self._folder_edited = event.value != self._auto_folder

    @work(exclusive=True, group="name", exit_on_error=False)
    async def _check_name(self, name: str) -> None:
        await asyncio.sleep(TYPING_PAUSE_S)
        organization = self.choices.organization
        try:
            if organization is None:  # the Connect screen chose it before this screen opened
                raise RuntimeError("no organization was chosen")
            found = await self.connected_api().find_project(name, organization)
        except Exception as exc:
            self.post_message(ConnectFailed("projects", error_text(exc)))
            return
        self.post_message(ProjectsLoaded([found] if found else []))

    @on(ProjectsLoaded)
    def _checked(self, message: ProjectsLoaded) -> None:
        name = self.query_one("#name", Input).value
        hint = self.query_one("#name-check", Static)
        self.checked_name = name
        if message.projects:
            p = message.projects[0]
            self.taken = (
                f"{self.choices.organization} already has a project named {name!r} ({p.ref}, "
                f"{p.status}). Choose another name."
            )
            hint.update(plain(self.taken))
            hint.set_classes("hint invalid")
        else:
            hint.update(plain(f"✓ {name!r} is free in {self.choices.organization}."))
            hint.set_classes("hint valid")

    @on(ConnectFailed)
    def _check_failed(self, message: ConnectFailed) -> None:
        self.query_one("#name-check", Static).update("Could not check the name (see below).")
        self.query_one(ErrorPanel).show_error(
            "Could not list the organization's projects", message.message, "Press ctrl+r to retry."
        )

    # -- password -----------------------------------------------------------------------------
    @on(RadioSet.Changed, "#password-mode")
    def _mode_changed(self, event: RadioSet.Changed) -> None:
        own = event.pressed.id == "own"
        field = self.query_one("#own-password", Input)
        field.display = own
        if own:
            field.focus()

    @property
    def own_password(self) -> str | None:
        if self.query_one("#own", RadioButton).value:
            return self.query_one("#own-password", Input).value or ""
        return None

    # -- create ---------------------------------------------------------------------------------
    def _problem(self) -> str | None:
        name = self.query_one("#name", Input).value
        if problem := project_name_problem(name):
            return problem
        if self.taken:
            return self.taken
        if not self.query_one("#folder", Input).value.strip():
            return "Choose the folder the Muse is written to."
        if self.own_password == "":
            return "Enter your database password, or choose to generate one."
        return None

    @on(Button.Pressed, "#create")
    @on(Input.Submitted)
    def action_create(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        if self._starting:
            return
        problem = self._problem()
        if problem:
            self.query_one(ErrorPanel).show_error("Not yet", problem, "Fix it above, then press ctrl+n.")
            return
        self.query_one(ErrorPanel).clear()
        c, name = self.choices, self.query_one("#name", Input).value
        if self.sandbox:
            title, body = (
                "Create the project in the sandbox?",
                (f"Project {name!r} in {c.organization} ({c.region}), on the local sandbox: nothing is billed."),
            )
        else:
            title, body = (
                "Create a billable Supabase project?",
                (
                    f"Supabase will create project {name!r} in organization {c.organization} ({c.region}). "
                    "Projects are billable (see your organization's plan)."
                ),
            )

        def answer(yes: bool | None) -> None:
            if yes:
                self._start(name, Path(self.query_one("#folder", Input).value.strip()).expanduser(), self.own_password)

        self.app.push_screen(ConfirmScreen(title, body, yes="Create", no="Not now"), answer)

    @work(exclusive=True, group="start", exit_on_error=False)
    async def _start(self, name: str, folder: Path, password: str | None) -> None:
        from wizard.clone import Clone, CloneInputs

        self._starting = True
        self.query_one("#create", Button).disabled = True
        status = self.query_one("#start-status", Static)
        status.update(
            plain(
                f"▶ Checking the token, organization {self.choices.organization}, region {self.choices.region} and "
                f"the name {name!r} with {'the sandbox' if self.sandbox else 'Supabase'}, then writing the clone's "
                f"journal in {folder}…"
            )
        )
        status.display = True
        c = self.choices
        try:
            inputs = CloneInputs(
                muse=c.muse_ref,
                name=name,
                organization=c.organization,
                region=c.region,
                api_url=self.host.connection.base_url,
                sandbox=self.sandbox,
            )
            clone = await Clone.start(
                folder,
                inputs,
                self.connected_api(),
                store=self.host.store,
                db_password=password,
                **self.host.clone_callbacks(),
            )
        except Exception as exc:  # every refusal is the engine's message, shown here
            self.post_message(StartFailed(error_text(exc)))
            return
        finally:
            self._starting = False
        self.post_message(CloneCreated(clone, db_password=password))

    @on(StartFailed)
    def _start_failed(self, message: StartFailed) -> None:
        self.query_one("#start-status").display = False
        self.query_one("#create", Button).disabled = False
        self.query_one(ErrorPanel).show_error(
            "The clone could not start",
            message.message,
            "Nothing was created. Fix it above, then press ctrl+n (or ctrl+r).",
        )

    def action_retry(self) -> None:
        self.query_one(ErrorPanel).clear()
        name = self.query_one("#name", Input).value
        if not project_name_problem(name):
            self._check_name(name)

    def action_back(self) -> None:
        self.app.pop_screen()

    def _default_folder(self, name: str) -> str:
        """`workdir/<slug of the name>`, or `workdir/` while the name has no usable letter yet."""
        slug = folder_slug(name)
        return str(self.workdir / slug) if slug else str(self.workdir) + "/"
