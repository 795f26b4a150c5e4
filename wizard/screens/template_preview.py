"""A Muse template's preview on its own (from the command palette): what its SQL creates, read-only,
whether or not a clone is under way. Escape closes it; choosing a Muse happens on the Muse screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header

from wizard.messages import PreviewReady
from wizard.widgets import KeysFooter, SchemaPreview, error_text

if TYPE_CHECKING:
    from wizard.muses import MuseTemplate


class TemplatePreviewScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Close")]
    AUTO_FOCUS = "#pv-tables"

    def __init__(self, template: MuseTemplate) -> None:
        super().__init__()
        self.template = template

    def compose(self) -> ComposeResult:
        yield Header()
        yield SchemaPreview(id="preview", classes="page")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, thread=True, exit_on_error=False)
    def _load(self) -> None:
        from wizard.muses import static_findings, template_model

        template = self.template
        try:
            model, findings = template_model(template), static_findings(template)
        except Exception as exc:  # SqlParseError names the file and line
            self.post_message(PreviewReady(template.slug, template, None, "", error_text(exc)))
            return
        sql = "\n".join(f"-- {f.path.name}\n{f.text.rstrip()}\n" for f in template.files)
        self.post_message(PreviewReady(template.slug, template, model, sql, None, findings))

    @on(PreviewReady)
    def _ready(self, message: PreviewReady) -> None:
        preview = self.query_one(SchemaPreview)
        title = f"{message.template.name}: {message.template.manifest.description}"
        if message.model is None:
            preview.show_problem(title, message.problem or "")
        else:
            preview.show_model(title, message.model, message.sql, message.findings)

    def action_close(self) -> None:
        self.dismiss(None)
