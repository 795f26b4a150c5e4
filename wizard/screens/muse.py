"""Muse: the templates (shipped, then yours from your template folder, each marked with where it comes
from) beside a preview of what each creates; or scaffold a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from wizard.messages import MuseChosen, PreviewReady, ScaffoldRequested, TemplatesListed
from wizard.screens.base import WizardScreen
from wizard.widgets import FlowStepper, KeysFooter, SchemaPreview, error_text, plain

if TYPE_CHECKING:
    from wizard.muses import MuseTemplate

SCAFFOLD = "+scaffold"


class MuseScreen(WizardScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Use this Muse"),
        Binding("s", "scaffold", "Scaffold", tooltip="Scaffold a new Muse template"),
        Binding("ctrl+r", "retry", "Reload"),
    ]
    AUTO_FOCUS = "#templates"

    def __init__(self) -> None:
        super().__init__()
        self.templates: dict[str, MuseTemplate] = {}
        self.previewed: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowStepper("muse", id="flow")
        with Horizontal(id="muse", classes="page"):
            with Vertical(id="muse-list"):
                yield Static("Choose the Muse", classes="title")
                yield OptionList(id="templates")
                yield Static("", id="templates-problem", classes="hint invalid")
                yield Static("Enter uses the highlighted Muse. Tab moves to the preview.", classes="hint")
            yield SchemaPreview(id="preview")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#templates-problem").display = False

    def on_screen_resume(self) -> None:
        self._list_templates()  # again on coming back: a template saved by the scaffold is listed

    @work(exclusive=True, group="templates", thread=True, exit_on_error=False)
    def _list_templates(self) -> None:
        from wizard.muses import find_templates

        try:
            catalog = find_templates(self.host.template_dirs)
        except Exception as exc:
            self.post_message(TemplatesListed([], error_text(exc)))
            return
        self.post_message(TemplatesListed(catalog.templates, "\n".join(catalog.warnings) or None))

    @on(TemplatesListed)
    def _templates_listed(self, message: TemplatesListed) -> None:
        options = self.query_one("#templates", OptionList)
        was = options.get_option_at_index(options.highlighted).id if options.highlighted is not None else None
        options.clear_options()
        self.templates = {t.slug: t for t in message.templates}
        options.add_options([Option(_label(t), id=t.slug) for t in message.templates])
        options.add_option(Option("+ Scaffold a new Muse…", id=SCAFFOLD))
        problem = self.query_one("#templates-problem", Static)
        problem.update(plain(message.problem or ""))
        problem.display = bool(message.problem)
        ids = [*(t.slug for t in message.templates), SCAFFOLD]
        options.highlighted = ids.index(was) if was in ids else 0

    @on(OptionList.OptionHighlighted, "#templates")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        key = event.option.id
        if key == SCAFFOLD:
            self.query_one(SchemaPreview).show_problem(
                "Scaffold a new Muse",
                "Press Enter to describe its tables; the SQL is written "
                "for you, with RLS through the core memberships.",
            )
            return
        if key is not None and key in self.templates and key != self.previewed:
            self._preview(key)

    @work(exclusive=True, group="preview", thread=True, exit_on_error=False)
    def _preview(self, key: str) -> None:
        from wizard.muses import static_findings, template_model

        template = self.templates[key]
        try:
            model = template_model(template)
            findings = static_findings(template)
        except Exception as exc:  # SqlParseError names the file and line
            self.post_message(PreviewReady(key, template, None, "", error_text(exc)))
            return
        sql = "\n".join(f"-- {f.path.name}\n{f.text.rstrip()}\n" for f in template.files)
        self.post_message(PreviewReady(key, template, model, sql, None, findings))

    @on(PreviewReady)
    def _preview_ready(self, message: PreviewReady) -> None:
        preview = self.query_one(SchemaPreview)
        title = f"{message.template.name}: {message.template.manifest.description}"
        self.previewed = message.key
        if message.model is None:
            preview.show_problem(title, message.problem or "")
        else:
            preview.show_model(title, message.model, message.sql, message.findings)

    @on(OptionList.OptionSelected, "#templates")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def action_next(self) -> None:
        options = self.query_one("#templates", OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    def _choose(self, key: str | None) -> None:
        if key == SCAFFOLD:
            self.action_scaffold()
        elif key is not None and key in self.templates:
            template = self.templates[key]
            self.post_message(MuseChosen(template.ref, template.name))

    def action_scaffold(self) -> None:
        self.post_message(ScaffoldRequested())

    def action_retry(self) -> None:
        self.previewed = None
        self._list_templates()

    def action_back(self) -> None:
        self.app.pop_screen()


def _label(template: MuseTemplate) -> str:
    """The template's name, and where it comes from unless it is shipped with musekit."""
    if template.shipped:
        return plain(template.name)
    return f"{plain(template.name)} [$text-muted]· {plain(template.source)}[/]"
