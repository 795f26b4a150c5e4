"""Done: what was made and where, how to connect (never the password), and what to do next."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from wizard.clone import DB_PASSWORD_ENV
from wizard.screens.base import WizardScreen
from wizard.widgets import plain

if TYPE_CHECKING:
    from wizard.clone import Journal


class DoneScreen(WizardScreen[None]):
    BINDINGS = [
        Binding("escape,enter", "home", "Start screen"),
        Binding("c", "copy_link", "Copy `supabase link`"),
    ]

    def __init__(self, folder: Path, journal: Journal, *, muse_name: str = "", checked: bool = False) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.journal = journal
        self.muse_name = muse_name
        self.checked = checked

    @property
    def link_command(self) -> str:
        return f"supabase link --project-ref {self.journal.project_ref}"

    def compose(self) -> ComposeResult:
        j, inputs = self.journal, self.journal.inputs
        title = "This Muse was already finished: checked, nothing changed" if self.checked else "Your Muse is ready"
        conn = j.connection
        database = (
            f"postgresql://{conn.user}@{conn.host}:{conn.port}/{conn.dbname}" if conn else "(no connection recorded)"
        )
        where = "the local sandbox (nothing hosted)" if inputs.sandbox else "Supabase"
        summary = "\n".join(
            [
                f"Muse       {self.muse_name or inputs.muse}",
                f"Project    {inputs.name}  ref {j.project_ref}  on {where}",
                f"           organization {inputs.organization}, region {inputs.region}",
                f"Folder     {self.folder}",
                "           supabase/migrations/  the core's and the Muse's migrations",
                "           README.md             what the Muse adds (its table list)",
                f"Database   {database}",
                "           session mode; the password is not shown here: it is in your OS keyring,",
                f"           ${DB_PASSWORD_ENV}, or where you saved it when it was shown once",
            ]
        )
        steps = "\n".join(
            [
                f"cd {self.folder}",
                self.link_command,
                "supabase migration new <name>     # your next schema change",
                "supabase db push                  # later, to apply new migrations",
            ]
        )
        yield Header()
        with VerticalScroll(classes="page"):
            yield Static(plain(title), classes="title")
            yield Static(plain(summary), id="summary", classes="summary")
            yield Static("Next steps", classes="section")
            yield Static(plain(steps), id="next-steps", classes="commands")
        yield Footer()

    def action_copy_link(self) -> None:
        self.app.copy_to_clipboard(self.link_command)
        self.notify("Copied: " + self.link_command, markup=False)

    async def action_home(self) -> None:
        await self.host.go_home()
