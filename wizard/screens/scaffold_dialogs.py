"""The small forms the scaffold screen opens: a table, a column, an enum. They only collect text;
the scaffold screen's live validation (wizard.scaffold.writer.validate_spec) says what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from wizard.widgets import plain


class TableValues(TypedDict):
    name: str
    comment: str


class ColumnValues(TypedDict):
    name: str
    type: str
    nullable: bool
    default: str | None


class EnumValues(TypedDict):
    name: str
    values: list[str]


class TableEntry(TableValues):
    """A table as the scaffold screen keeps it (the fields of wizard.scaffold.TableSpec)."""

    columns: list[ColumnValues]


class _Dialog[V: Mapping[str, object]](ModalScreen[V | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    TITLE_TEXT = ""

    @property
    def heading(self) -> str:
        return self.TITLE_TEXT

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.heading), classes="dialog-title")
            yield from self.fields()
            yield Static("", id="dialog-problem", classes="hint invalid")
            with Horizontal(classes="buttons"):
                yield Button("Add", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def values(self) -> V:
        raise NotImplementedError

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        values = self.values()
        if not values.get("name"):
            self.query_one("#dialog-problem", Static).update("Give it a name.")
            return
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class TableDialog(_Dialog[TableValues]):
    TITLE_TEXT = "Add a table"
    AUTO_FOCUS = "#table-name"

    def fields(self) -> ComposeResult:
        yield Label("Name (lowercase, e.g. post_queue)")
        yield Input(id="table-name")
        yield Label("What it holds (the table's comment)")
        yield Input(id="table-comment")

    def values(self) -> TableValues:
        return {
            "name": self.query_one("#table-name", Input).value.strip(),
            "comment": self.query_one("#table-comment", Input).value.strip(),
        }


class ColumnDialog(_Dialog[ColumnValues]):
    AUTO_FOCUS = "#column-name"

    def __init__(self, table: str, types: tuple[str, ...]) -> None:
        super().__init__()
        self.table = table
        self.types = types

    @property
    def heading(self) -> str:
        return f"Add a column to {self.table}"

    def fields(self) -> ComposeResult:
        yield Label("Name")
        yield Input(id="column-name")
        yield Label("Type (the curated Postgres types, then this Muse's enums)")
        yield Select([(t, t) for t in self.types], allow_blank=False, value=self.types[0], id="column-type")
        yield Checkbox("May be empty (nullable)", value=True, id="column-nullable")
        yield Label("Default (optional: 'text', 12.5, true, now(), gen_random_uuid())")
        yield Input(id="column-default")

    def values(self) -> ColumnValues:
        default = self.query_one("#column-default", Input).value.strip()
        column_type = self.query_one("#column-type", Select).value  # never blank (allow_blank=False)
        return {
            "name": self.query_one("#column-name", Input).value.strip(),
            "type": column_type if isinstance(column_type, str) else "",
            "nullable": self.query_one("#column-nullable", Checkbox).value,
            "default": default or None,
        }


class EnumDialog(_Dialog[EnumValues]):
    TITLE_TEXT = "Add an enum"
    AUTO_FOCUS = "#enum-name"

    def fields(self) -> ComposeResult:
        yield Label("Name (e.g. post_status)")
        yield Input(id="enum-name")
        yield Label("Values, separated by commas (e.g. draft, scheduled, posted)")
        yield Input(id="enum-values")

    def values(self) -> EnumValues:
        raw = self.query_one("#enum-values", Input).value
        return {
            "name": self.query_one("#enum-name", Input).value.strip(),
            "values": [v.strip() for v in raw.split(",") if v.strip()],
        }
