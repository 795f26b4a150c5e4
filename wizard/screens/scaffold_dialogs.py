"""The small forms the scaffold screen opens: a table, a column, an enum (to add one or edit it in
place), and the question asked before a changed scaffold is left. They only collect text; the
scaffold screen's live validation (wizard.scaffold.validate_spec) says what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select, Static

from wizard.screens.confirm import ConfirmScreen
from wizard.widgets import FOCUS_KEYS, FormInput, plain


class TableValues(TypedDict):
    name: str
    comment: str


class ColumnValues(TypedDict):
    name: str
    type: str
    nullable: bool
    default: str | None
    references: NotRequired[str | None]
    on_delete: NotRequired[str]


class EnumValues(TypedDict):
    name: str
    values: list[str]


class TableEntry(TableValues):
    """A table as the scaffold screen keeps it (the fields of wizard.scaffold.TableSpec)."""

    columns: list[ColumnValues]


class _Dialog[V: Mapping[str, object]](ModalScreen[V | None]):
    """A form that adds a thing, or edits it in place when opened with its current values.
    Escape on a changed form asks before the changes are dropped."""

    BINDINGS = [*FOCUS_KEYS, Binding("escape", "cancel", "Cancel")]
    WHAT = ""

    def __init__(self, initial: V | None = None) -> None:
        super().__init__()
        self.initial = initial
        self._opened: V | None = None  # the values as the form opened, to tell a change

    @property
    def editing(self) -> bool:
        return self.initial is not None

    @property
    def heading(self) -> str:
        if self.initial is not None:
            return f"Edit the {self.WHAT} {self.initial.get('name', '')}".rstrip()
        return f"Add a{'n' if self.WHAT[:1] in 'aeiou' else ''} {self.WHAT}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.heading), classes="dialog-title")
            yield from self.fields()
            yield Static("", id="dialog-problem", classes="hint invalid")
            with Horizontal(classes="buttons"):
                yield Button("Save" if self.editing else "Add", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._opened = self.values()

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def values(self) -> V:
        raise NotImplementedError

    @on(FormInput.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        values = self.values()
        if not values.get("name"):
            self.query_one("#dialog-problem", Static).update("Give it a name.")
            return
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.values() == self._opened:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                f"Drop your changes to this {self.WHAT}?",
                "What you typed in this form is lost; the rest of the Muse stays as it is.",
                yes="Drop them",
                no="Keep editing",
            ),
            answered,
        )


class TableDialog(_Dialog[TableValues]):
    WHAT = "table"
    AUTO_FOCUS = "#table-name"

    def fields(self) -> ComposeResult:
        initial = self.initial or TableValues(name="", comment="")
        yield Label("Name (lowercase, e.g. post_queue)")
        yield FormInput(initial["name"], id="table-name")
        yield Label("What it holds (the table's comment)")
        yield FormInput(initial["comment"], id="table-comment")

    def values(self) -> TableValues:
        return {
            "name": self.query_one("#table-name", FormInput).value.strip(),
            "comment": self.query_one("#table-comment", FormInput).value.strip(),
        }


NO_REFERENCE = ""
ON_DELETE_LABELS = {
    "restrict": "restrict: refuse to delete it while rows point at it",
    "cascade": "cascade: delete these rows with it",
    "set null": "set null: empty the reference (nullable columns)",
}


class ColumnDialog(_Dialog[ColumnValues]):
    WHAT = "column"
    AUTO_FOCUS = "#column-name"

    def __init__(
        self,
        table: str,
        types: tuple[str, ...],
        targets: Mapping[str, tuple[str, ...]] | None = None,
        initial: ColumnValues | None = None,
    ) -> None:
        """`targets`: the tables a column may reference, by kind ("this Muse", "core")."""
        super().__init__(initial)
        self.table = table
        self.types = types
        self.targets = targets or {}

    @property
    def heading(self) -> str:
        return (
            f"Edit the column {self.initial['name']} of {self.table}"
            if self.initial
            else f"Add a column to {self.table}"
        )

    def fields(self) -> ComposeResult:
        initial = self.initial or ColumnValues(
            name="", type=self.types[0], nullable=True, default=None, references=None, on_delete="restrict"
        )
        types = self.types if initial["type"] in self.types else (*self.types, initial["type"])
        yield Label("Name")
        yield FormInput(initial["name"], id="column-name")
        yield Label("Type (the curated Postgres types, then this Muse's enums)")
        yield Select([(t, t) for t in types], allow_blank=False, value=initial["type"], id="column-type")
        yield Checkbox("May be empty (nullable)", value=initial["nullable"], id="column-nullable")
        yield Label("Default (optional: 'text', 12.5, true, now(), gen_random_uuid())")
        yield FormInput(initial["default"] or "", id="column-default")
        yield Label("References (optional: the column then holds the id of a row of that table)")
        options = [(f"{name}  ({kind})", name) for kind, names in self.targets.items() for name in names]
        reference = initial.get("references")
        if reference and reference not in {value for _, value in options}:
            options.append((f"{reference}  (unknown)", reference))
        yield Select(options, prompt="no reference", value=reference or Select.NULL, id="column-references")
        yield Select(
            [(label, value) for value, label in ON_DELETE_LABELS.items()],
            allow_blank=False,
            value=initial.get("on_delete") if initial.get("on_delete") in ON_DELETE_LABELS else "restrict",
            id="column-on-delete",
        )

    def on_mount(self) -> None:
        self._show_on_delete()
        super().on_mount()

    @on(Select.Changed, "#column-references")
    def _reference_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and "uuid" in self.types:
            self.query_one("#column-type", Select).value = "uuid"  # what every referenced key is
        self._show_on_delete()

    def _show_on_delete(self) -> None:
        self.query_one("#column-on-delete").display = isinstance(
            self.query_one("#column-references", Select).value, str
        )

    def values(self) -> ColumnValues:
        default = self.query_one("#column-default", FormInput).value.strip()
        column_type = self.query_one("#column-type", Select).value  # never blank (allow_blank=False)
        reference = self.query_one("#column-references", Select).value
        on_delete = self.query_one("#column-on-delete", Select).value
        return {
            "name": self.query_one("#column-name", FormInput).value.strip(),
            "type": column_type if isinstance(column_type, str) else "",
            "nullable": self.query_one("#column-nullable", Checkbox).value,
            "default": default or None,
            "references": reference if isinstance(reference, str) and reference else None,
            "on_delete": on_delete if isinstance(on_delete, str) else "restrict",
        }


class EnumDialog(_Dialog[EnumValues]):
    WHAT = "enum"
    AUTO_FOCUS = "#enum-name"

    def fields(self) -> ComposeResult:
        initial = self.initial or EnumValues(name="", values=[])
        yield Label("Name (e.g. post_status)")
        yield FormInput(initial["name"], id="enum-name")
        yield Label("Values, separated by commas (e.g. draft, scheduled, posted)")
        yield FormInput(", ".join(initial["values"]), id="enum-values")

    def values(self) -> EnumValues:
        raw = self.query_one("#enum-values", FormInput).value
        return {
            "name": self.query_one("#enum-name", FormInput).value.strip(),
            "values": [v.strip() for v in raw.split(",") if v.strip()],
        }


LeaveChoice = Literal["keep", "discard"]


class LeaveDialog(ModalScreen[LeaveChoice | None]):
    """Asked when a changed scaffold is left: keep the draft for later, drop it, or stay."""

    BINDINGS = [
        *FOCUS_KEYS,
        Binding("k", "answer('keep')", "Keep the draft"),
        Binding("d", "answer('discard')", "Discard"),
        Binding("escape,s", "answer(None)", "Stay"),
    ]
    AUTO_FOCUS = "#stay"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Leave this Muse unsaved?", classes="dialog-title")
            yield Static(
                "Keep the draft and it is back, as you left it, the next time you scaffold in this session. "
                "Discard it and the form starts empty.",
                classes="dialog-body",
            )
            with Horizontal(classes="buttons"):
                yield Button("Stay (s)", id="stay", variant="primary")
                yield Button("Keep the draft (k)", id="keep")
                yield Button("Discard (d)", id="discard", variant="warning")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id if event.button.id in ("keep", "discard") else None)

    def action_answer(self, choice: str | None) -> None:
        self.dismiss("keep" if choice == "keep" else "discard" if choice == "discard" else None)
