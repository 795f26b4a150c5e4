"""Scaffold: describe a new Muse (tables, columns, types, enums, who owns the rows) and watch the
generated SQL and the problems with the spec update as you go (wizard.scaffold.writer does both).
Saving writes the template folder, which then becomes the Muse of this clone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Header, Input, Label, RadioButton, RadioSet, Static

from wizard.messages import MuseChosen, ScaffoldPreview, StartFailed
from wizard.widgets import SqlView, error_text, plain

if TYPE_CHECKING:
    from wizard.scaffold import SpecProblem
    from wizard.screens.scaffold_dialogs import ColumnValues, EnumValues, TableEntry, TableValues

REFRESH_PAUSE_S = 0.2
_INDEX = re.compile(r"(tables|enums)\[(\d+)\]")


class ScaffoldScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "save", "Save and use"),
        Binding("t", "add_table", "Add table"),
        Binding("a", "add_column", "Add column"),
        Binding("e", "add_enum", "Add enum"),
        Binding("delete,x", "remove", "Remove row"),
    ]
    AUTO_FOCUS = "#slug"

    def __init__(self, *, dest_root: Path) -> None:
        super().__init__()
        self.dest_root = Path(dest_root)
        self.tables: list[TableEntry] = []
        self.enums: list[EnumValues] = []
        self.problems: list[SpecProblem] = []
        self._dest_edited = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="scaffold", classes="page"):
            with VerticalScroll(id="scaffold-form"):
                yield Static("Scaffold a new Muse", classes="title")
                yield Label("Slug (the template's folder name)", classes="field-label")
                yield Input(placeholder="e.g. petsitter", id="slug")
                yield Label("Name", classes="field-label")
                yield Input(placeholder="e.g. PetSitter", id="name")
                yield Label("Description (one line)", classes="field-label")
                yield Input(id="description")
                yield Label("Who owns each row", classes="field-label")
                with RadioSet(id="ownership"):
                    yield RadioButton("a user (user_id)", value=True, id="own-user")
                    yield RadioButton("an organization (org_id; members share it)", id="own-organization")
                yield Checkbox("A view of the first table with its owner's email and name", id="user-view")
                yield Label("Tables and columns (t adds a table, a a column, x removes)", classes="field-label")
                yield DataTable(id="sc-tables", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="buttons"):
                    yield Button("Add table", id="add-table")
                    yield Button("Add column", id="add-column")
                yield Label("Enums (e adds one; they become column types)", classes="field-label")
                yield DataTable(id="sc-enums", cursor_type="row")
                with Horizontal(classes="buttons"):
                    yield Button("Add enum", id="add-enum")
                yield Label("Save the template to", classes="field-label")
                yield Input(value=str(self.dest_root) + "/", id="dest")
                with Horizontal(classes="buttons"):
                    yield Button("Save and use this Muse", id="save", variant="primary")
            with Vertical(id="scaffold-preview"):
                yield Static("Problems", classes="section")
                yield Static("", id="sc-problems", classes="hint invalid")
                yield Static("Generated SQL", classes="section")
                yield SqlView(id="sc-sql")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sc-tables", DataTable).add_columns("Table", "Column", "Type", "Null", "Default")
        self.query_one("#sc-enums", DataTable).add_columns("Enum", "Values")
        self._refresh()

    # -- the spec -----------------------------------------------------------------------------
    def spec_data(self) -> dict[str, object]:
        """What wizard.scaffold.MuseSpec validates."""
        return {
            "slug": self.query_one("#slug", Input).value.strip(),
            "name": self.query_one("#name", Input).value.strip(),
            "description": self.query_one("#description", Input).value.strip(),
            "ownership": "organization" if self.query_one("#own-organization", RadioButton).value else "user",
            "user_view": self.query_one("#user-view", Checkbox).value,
            "tables": self.tables,
            "enums": self.enums,
        }

    def _refresh(self) -> None:
        self._render_tables()
        self._preview(self.spec_data())

    @work(exclusive=True, group="preview", thread=True, exit_on_error=False)
    def _preview(self, data: dict[str, object]) -> None:
        from wizard.scaffold import MuseSpec, SpecProblem, render_migration, validate_spec

        sql = ""
        try:
            spec = MuseSpec.model_validate(data)
            problems = validate_spec(spec)
            if not problems:
                sql = render_migration(spec)
        except Exception as exc:  # SpecError (a ValueError) or a bug: shown as a problem, never swallowed
            problems = [SpecProblem(field="spec", message=error_text(exc))]
        self.post_message(ScaffoldPreview(sql, problems))

    @on(ScaffoldPreview)
    def _show_preview(self, message: ScaffoldPreview) -> None:
        self.problems = message.problems
        text = "\n".join(f"• {self._where(p.field)}: {p.message}" for p in message.problems)
        self.query_one("#sc-problems", Static).update(plain(text) if text else "[$text-success]✓ none[/]")
        if message.sql or not message.problems:
            self.query_one("#sc-sql", SqlView).load_text(message.sql)
        elif not self.query_one("#sc-sql", SqlView).text:
            self.query_one("#sc-sql", SqlView).load_text("-- the SQL appears here once the problems are fixed")
        for field in ("slug", "name", "description"):
            self.query_one(f"#{field}", Input).set_class(any(p.field == field for p in message.problems), "-invalid")

    def _where(self, field: str) -> str:
        """`tables[1].columns[0].name` → `post_queue.columns[0].name`, for the founder to find it."""

        def name(m: re.Match[str]) -> str:
            items = self.tables if m.group(1) == "tables" else self.enums
            i = int(m.group(2))
            return (items[i]["name"] or f"{m.group(1)}[{i}]") if i < len(items) else m.group(0)

        return _INDEX.sub(name, field)

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        if event.input.id == "slug" and not self._dest_edited:
            self.query_one("#dest", Input).value = (
                str(self.dest_root / event.value.strip()) if event.value.strip() else str(self.dest_root) + "/"
            )
        if event.input.id == "dest":
            slug = self.query_one("#slug", Input).value.strip()
            self._dest_edited = event.value not in (str(self.dest_root / slug), str(self.dest_root) + "/")
            return
        self._preview(self.spec_data())

    @on(RadioSet.Changed, "#ownership")
    @on(Checkbox.Changed, "#user-view")
    def _option_changed(self) -> None:
        self._preview(self.spec_data())

    # -- tables, columns, enums ------------------------------------------------------------------
    def _render_tables(self) -> None:
        table = self.query_one("#sc-tables", DataTable)
        table.clear()
        for ti, t in enumerate(self.tables):
            if not t["columns"]:
                table.add_row(plain(t["name"]), "(no columns yet)", "", "", "", key=f"{ti}:-")
            for ci, c in enumerate(t["columns"]):
                table.add_row(
                    plain(t["name"]) if ci == 0 else "",
                    plain(c["name"]),
                    plain(c["type"]),
                    "" if c["nullable"] else "not null",
                    plain(c["default"] or ""),
                    key=f"{ti}:{ci}",
                )
        enums = self.query_one("#sc-enums", DataTable)
        enums.clear()
        for ei, e in enumerate(self.enums):
            enums.add_row(plain(e["name"]), plain(", ".join(e["values"])), key=str(ei))

    def _selected_table(self) -> int | None:
        table = self.query_one("#sc-tables", DataTable)
        if not self.tables:
            return None
        if table.row_count and table.cursor_row is not None:
            return int(_row_key(table).split(":")[0])
        return len(self.tables) - 1

    @on(Button.Pressed, "#add-table")
    def action_add_table(self) -> None:
        from wizard.screens.scaffold_dialogs import TableDialog

        def added(values: TableValues | None) -> None:
            if values:
                self.tables.append({"name": values["name"], "comment": values["comment"], "columns": []})
                self._refresh()
                table = self.query_one("#sc-tables", DataTable)
                table.move_cursor(row=table.row_count - 1)

        self.app.push_screen(TableDialog(), added)

    @on(Button.Pressed, "#add-column")
    def action_add_column(self) -> None:
        from wizard.scaffold import MuseSpec, column_types
        from wizard.screens.scaffold_dialogs import ColumnDialog

        ti = self._selected_table()
        if ti is None:
            self.notify("Add a table first (t).", severity="warning", markup=False)
            return
        types = column_types(MuseSpec.model_validate({**self.spec_data(), "tables": []}))

        def added(values: ColumnValues | None) -> None:
            if values:
                self.tables[ti]["columns"].append(values)
                self._refresh()

        self.app.push_screen(ColumnDialog(self.tables[ti]["name"], types), added)

    @on(Button.Pressed, "#add-enum")
    def action_add_enum(self) -> None:
        from wizard.screens.scaffold_dialogs import EnumDialog

        def added(values: EnumValues | None) -> None:
            if values:
                self.enums.append(values)
                self._refresh()

        self.app.push_screen(EnumDialog(), added)

    def action_remove(self) -> None:
        focused = self.focused
        if isinstance(focused, DataTable) and focused.row_count:
            key = _row_key(focused)
            if focused.id == "sc-enums":
                del self.enums[int(key)]
            else:
                ti, ci = key.split(":")
                if ci == "-":
                    del self.tables[int(ti)]
                else:
                    del self.tables[int(ti)]["columns"][int(ci)]
            self._refresh()

    # -- save -------------------------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.problems:
            self.notify("Fix the problems listed on the right first.", severity="error", markup=False)
            return
        self._save(self.spec_data(), Path(self.query_one("#dest", Input).value.strip()).expanduser())

    @work(exclusive=True, group="save", thread=True, exit_on_error=False)
    def _save(self, data: dict[str, object], dest: Path) -> None:
        from wizard.scaffold import MuseSpec, write_template

        try:
            spec = MuseSpec.model_validate(data)
            path = write_template(spec, dest)
        except Exception as exc:  # ScaffoldError, SpecError, OSError
            self.post_message(StartFailed(error_text(exc)))
            return
        self.post_message(MuseChosen(str(path), spec.name))

    @on(StartFailed)
    def _save_failed(self, message: StartFailed) -> None:
        self.query_one("#sc-problems", Static).update(plain(message.message))

    def action_back(self) -> None:
        self.app.pop_screen()


def _row_key(table: DataTable[object]) -> str:
    """The key of the row under the cursor: every row of these tables is added with one."""
    key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
    if key is None:
        raise LookupError("a scaffold table row without a key")
    return key
