"""Scaffold: describe a new Muse (tables, columns, types, references, enums, who owns the rows) and
watch the generated SQL and the problems with the spec update as you go (wizard.scaffold does both).
Every table, column and enum can be edited in place (Enter on its row). Saving writes the template
into your template folder, where the Muse list finds it again, and makes it the Muse of this clone.

Leaving a changed form asks first; a kept draft comes back the next time the scaffold opens in this
session (the app makes a new screen each time, so drafts are kept per app, here)."""

from __future__ import annotations

import asyncio
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Header, Label, RadioButton, RadioSet, Static

from wizard.messages import MuseChosen, ScaffoldPreview, StartFailed
from wizard.widgets import FOCUS_KEYS, FlowStepper, FormInput, KeysFooter, SqlView, error_text, plain

if TYPE_CHECKING:
    from wizard.scaffold import SpecProblem
    from wizard.screens.scaffold_dialogs import ColumnValues, EnumValues, LeaveChoice, TableEntry, TableValues

_INDEX = re.compile(r"tables\[(\d+)\]\.columns\[(\d+)\]|(tables|enums)\[(\d+)\]")
TABLE_ROW = "-"  # the column part of a table's own row key ("<table index>:-")


@dataclass
class ScaffoldDraft:
    """What the form holds; `dest` is None while the destination follows the slug."""

    slug: str = ""
    name: str = ""
    description: str = ""
    organization: bool = False
    user_view: bool = False
    tables: list[TableEntry] = field(default_factory=list)
    enums: list[EnumValues] = field(default_factory=list)
    dest: str | None = None


_DRAFTS: WeakKeyDictionary[App[object], ScaffoldDraft] = WeakKeyDictionary()


class ScaffoldScreen(Screen[None]):
    BINDINGS = [
        *FOCUS_KEYS,
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "save", "Save and use"),
        Binding("t", "add_table", "Add table"),
        Binding("a", "add_column", "Add column"),
        Binding("e", "add_enum", "Add enum"),
        Binding("delete,x", "remove", "Remove row"),
    ]
    AUTO_FOCUS = "#slug"

    def __init__(self, *, dest_root: Path | None = None) -> None:
        from wizard.settings import user_templates_dir

        super().__init__()
        self.dest_root = Path(dest_root) if dest_root is not None else user_templates_dir()
        self.tables: list[TableEntry] = []
        self.enums: list[EnumValues] = []
        self.problems: list[SpecProblem] = []
        self._dest_edited = False
        self._baseline = ScaffoldDraft()  # the state a change is measured from (as opened, or as saved)
        self._saved_to: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowStepper("muse", id="flow")
        with Horizontal(id="scaffold", classes="page"):
            with VerticalScroll(id="scaffold-form"):
                yield Static("Scaffold a new Muse", classes="title")
                yield Label("Slug (the template's folder name)", classes="field-label")
                yield FormInput(placeholder="e.g. petsitter", id="slug")
                yield Label("Name", classes="field-label")
                yield FormInput(placeholder="e.g. PetSitter", id="name")
                yield Label("Description (one line)", classes="field-label")
                yield FormInput(id="description")
                yield Label("Who owns each row", classes="field-label")
                with RadioSet(id="ownership"):
                    yield RadioButton("a user (user_id)", value=True, id="own-user")
                    yield RadioButton("an organization (org_id; members share it)", id="own-organization")
                yield Checkbox("A view of the first table with its owner's email and name", id="user-view")
                yield Label("Tables (t adds, a adds a column, Enter edits, x removes)", classes="field-label")
                yield DataTable(id="sc-tables", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="buttons"):
                    yield Button("Add table", id="add-table")
                    yield Button("Add column", id="add-column")
                yield Label("Enums (e adds, Enter edits; they become column types)", classes="field-label")
                yield DataTable(id="sc-enums", cursor_type="row")
                with Horizontal(classes="buttons"):
                    yield Button("Add enum", id="add-enum")
                yield Label("Save the template to (your template folder lists it)", classes="field-label")
                yield FormInput(str(self.dest_root) + "/", id="dest")
                with Horizontal(classes="buttons"):
                    yield Button("Save and use this Muse", id="save", variant="primary")
            with Vertical(id="scaffold-preview"):
                yield Static("Problems", classes="section")
                yield Static("", id="sc-problems", classes="hint invalid")
                yield Static("Generated SQL", classes="section")
                yield SqlView(id="sc-sql")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#sc-tables", DataTable).add_columns("Table / column", "Type", "Null", "Default", "References")
        self.query_one("#sc-enums", DataTable).add_columns("Enum", "Values")
        kept = _DRAFTS.get(self.app)
        if kept is not None:
            self._restore(kept)
        self._baseline = self.draft()
        self._refresh()

    # -- the form's state ---------------------------------------------------------------------
    def draft(self) -> ScaffoldDraft:
        return ScaffoldDraft(
            slug=self.query_one("#slug", FormInput).value,
            name=self.query_one("#name", FormInput).value,
            description=self.query_one("#description", FormInput).value,
            organization=self.query_one("#own-organization", RadioButton).value,
            user_view=self.query_one("#user-view", Checkbox).value,
            tables=copy.deepcopy(self.tables),
            enums=copy.deepcopy(self.enums),
            dest=self.query_one("#dest", FormInput).value if self._dest_edited else None,
        )

    def _restore(self, draft: ScaffoldDraft) -> None:
        for field_id in ("slug", "name", "description"):
            self.query_one(f"#{field_id}", FormInput).value = getattr(draft, field_id)
        self.query_one("#own-organization" if draft.organization else "#own-user", RadioButton).value = True
        self.query_one("#user-view", Checkbox).value = draft.user_view
        self.tables, self.enums = copy.deepcopy(draft.tables), copy.deepcopy(draft.enums)
        self._dest_edited = draft.dest is not None
        self.query_one("#dest", FormInput).value = draft.dest if draft.dest is not None else self._auto_dest(draft.slug)

    @property
    def changed(self) -> bool:
        """Whether the form differs from how it opened (or was last saved)."""
        return self.draft() != self._baseline

    def _auto_dest(self, slug: str) -> str:
        return str(self.dest_root / slug.strip()) if slug.strip() else str(self.dest_root) + "/"

    # -- the spec -----------------------------------------------------------------------------
    def spec_data(self) -> dict[str, object]:
        """What wizard.scaffold.MuseSpec validates."""
        return {
            "slug": self.query_one("#slug", FormInput).value.strip(),
            "name": self.query_one("#name", FormInput).value.strip(),
            "description": self.query_one("#description", FormInput).value.strip(),
            "ownership": "organization" if self.query_one("#own-organization", RadioButton).value else "user",
            "user_view": self.query_one("#user-view", Checkbox).value,
            "tables": self.tables,
            "enums": self.enums,
        }

    def _refresh(self, table_row: str | None = None, enum_row: str | None = None) -> None:
        """Show the tables and enums again, the cursors on `table_row` / `enum_row` (row keys) or,
        without one, on the row index they were on; then check the spec again."""
        self._render_tables(table_row)
        self._render_enums(enum_row)
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
        for field_id in ("slug", "name", "description"):
            invalid = any(p.field == field_id for p in message.problems)
            self.query_one(f"#{field_id}", FormInput).set_class(invalid, "-invalid")

    def _where(self, field_name: str) -> str:
        """`tables[1].columns[0].name` → `walks.dog_id.name`, for the founder to find it."""

        def name(m: re.Match[str]) -> str:
            if m.group(1) is not None:
                ti, ci = int(m.group(1)), int(m.group(2))
                if ti < len(self.tables) and ci < len(self.tables[ti]["columns"]):
                    table, column = self.tables[ti], self.tables[ti]["columns"][ci]
                    return f"{table['name'] or f'tables[{ti}]'}.{column['name'] or f'columns[{ci}]'}"
                return m.group(0)
            i = int(m.group(4))
            items = self.tables if m.group(3) == "tables" else self.enums
            return (items[i]["name"] or f"{m.group(3)}[{i}]") if i < len(items) else m.group(0)

        return _INDEX.sub(name, field_name)

    @on(FormInput.Changed)
    def _field_changed(self, event: FormInput.Changed) -> None:
        if event.input.id == "slug" and not self._dest_edited:
            # set without a Changed: a late one would be read against a slug typed further, as the founder's edit
            with self.prevent(FormInput.Changed):
                self.query_one("#dest", FormInput).value = self._auto_dest(event.value)
        if event.input.id == "dest":
            if event.value != event.input.value:
                return  # stale: the founder typed on since, the Changed of the newer value follows
            slug = self.query_one("#slug", FormInput).value
            self._dest_edited = event.value != self._auto_dest(slug)
            return
        self._preview(self.spec_data())

    @on(RadioSet.Changed, "#ownership")
    @on(Checkbox.Changed, "#user-view")
    def _option_changed(self) -> None:
        self._preview(self.spec_data())

    # -- the two grids ----------------------------------------------------------------------------
    def _render_tables(self, row_key: str | None) -> None:
        grid = self.query_one("#sc-tables", DataTable)
        was = grid.cursor_row
        grid.clear()
        for ti, t in enumerate(self.tables):
            empty = "" if t["columns"] else "[dim](no columns yet)[/]"
            grid.add_row(f"[b]{plain(t['name'])}[/]", empty, "", "", "", key=f"{ti}:{TABLE_ROW}")
            for ci, c in enumerate(t["columns"]):
                grid.add_row(
                    f"  {plain(c['name'])}",
                    plain(c["type"]),
                    "" if c["nullable"] else "not null",
                    plain(c["default"] or ""),
                    plain(_reference_text(c)),
                    key=f"{ti}:{ci}",
                )
        _place_cursor(grid, row_key, was)

    def _render_enums(self, row_key: str | None) -> None:
        grid = self.query_one("#sc-enums", DataTable)
        was = grid.cursor_row
        grid.clear()
        for ei, e in enumerate(self.enums):
            grid.add_row(plain(e["name"]), plain(", ".join(e["values"])), key=str(ei))
        _place_cursor(grid, row_key, was)

    def _selected_table(self) -> int | None:
        grid = self.query_one("#sc-tables", DataTable)
        if not self.tables:
            return None
        if grid.row_count:
            return int(_row_key(grid).split(":")[0])
        return len(self.tables) - 1

    # -- add ----------------------------------------------------------------------------------
    @on(Button.Pressed, "#add-table")
    def action_add_table(self) -> None:
        from wizard.screens.scaffold_dialogs import TableDialog

        def added(values: TableValues | None) -> None:
            if values:
                self.tables.append({"name": values["name"], "comment": values["comment"], "columns": []})
                self._refresh(table_row=f"{len(self.tables) - 1}:{TABLE_ROW}")

        self.app.push_screen(TableDialog(), added)

    @on(Button.Pressed, "#add-column")
    def action_add_column(self) -> None:
        from wizard.screens.scaffold_dialogs import ColumnDialog

        ti = self._selected_table()
        if ti is None:
            self.notify("Add a table first (t).", severity="warning", markup=False)
            return

        def added(values: ColumnValues | None) -> None:
            if values:
                self.tables[ti]["columns"].append(values)
                self._refresh(table_row=f"{ti}:{len(self.tables[ti]['columns']) - 1}")

        self.app.push_screen(ColumnDialog(self.tables[ti]["name"], self._types(), self._targets()), added)

    @on(Button.Pressed, "#add-enum")
    def action_add_enum(self) -> None:
        from wizard.screens.scaffold_dialogs import EnumDialog

        def added(values: EnumValues | None) -> None:
            if values:
                self.enums.append(values)
                self._refresh(enum_row=str(len(self.enums) - 1))

        self.app.push_screen(EnumDialog(), added)

    def _types(self) -> tuple[str, ...]:
        from wizard.scaffold import CURATED_TYPES

        return CURATED_TYPES + tuple(e["name"] for e in self.enums if e["name"])

    def _targets(self) -> dict[str, tuple[str, ...]]:
        from wizard.scaffold import core_reference_tables

        return {"this Muse": tuple(t["name"] for t in self.tables if t["name"]), "core": core_reference_tables()}

    # -- edit in place (Enter on a row) ---------------------------------------------------------
    @on(DataTable.RowSelected, "#sc-tables")
    def _edit_table_row(self, event: DataTable.RowSelected) -> None:
        from wizard.screens.scaffold_dialogs import ColumnDialog, TableDialog

        key = event.row_key.value or ""
        ti_text, _, ci_text = key.partition(":")
        ti = int(ti_text)
        table = self.tables[ti]
        if ci_text == TABLE_ROW:

            def edited_table(values: TableValues | None) -> None:
                if values:
                    self._rename(old=table["name"], new=values["name"], kind="table")
                    table["name"], table["comment"] = values["name"], values["comment"]
                    self._refresh(table_row=key)

            initial: TableValues = {"name": table["name"], "comment": table["comment"]}
            self.app.push_screen(TableDialog(initial), edited_table)
            return
        ci = int(ci_text)

        def edited_column(values: ColumnValues | None) -> None:
            if values:
                table["columns"][ci] = values
                self._refresh(table_row=key)

        dialog = ColumnDialog(table["name"], self._types(), self._targets(), copy.copy(table["columns"][ci]))
        self.app.push_screen(dialog, edited_column)

    @on(DataTable.RowSelected, "#sc-enums")
    def _edit_enum_row(self, event: DataTable.RowSelected) -> None:
        from wizard.screens.scaffold_dialogs import EnumDialog

        key = event.row_key.value or ""
        enum = self.enums[int(key)]

        def edited(values: EnumValues | None) -> None:
            if values:
                self._rename(old=enum["name"], new=values["name"], kind="enum")
                self.enums[int(key)] = values
                self._refresh(enum_row=key)

        self.app.push_screen(EnumDialog({"name": enum["name"], "values": list(enum["values"])}), edited)

    def _rename(self, *, old: str, new: str, kind: str) -> None:
        """A renamed table keeps the columns that reference it; a renamed enum, its columns."""
        if not old or old == new:
            return
        for table in self.tables:
            for column in table["columns"]:
                if kind == "table" and column.get("references") == old:
                    column["references"] = new
                if kind == "enum" and column["type"] == old:
                    column["type"] = new

    # -- remove -------------------------------------------------------------------------------
    def action_remove(self) -> None:
        focused = self.focused
        if not isinstance(focused, DataTable) or not focused.row_count:
            return
        key = _row_key(focused)
        if focused.id == "sc-enums":
            del self.enums[int(key)]
            self._refresh()
            return
        ti_text, _, ci_text = key.partition(":")
        ti = int(ti_text)
        if ci_text != TABLE_ROW:
            del self.tables[ti]["columns"][int(ci_text)]
            self._refresh()
        elif not self.tables[ti]["columns"]:
            del self.tables[ti]
            self._refresh()
        else:
            self._confirm_remove_table(ti)

    def _confirm_remove_table(self, ti: int) -> None:
        from wizard.screens.confirm import ConfirmScreen

        table = self.tables[ti]

        def answered(remove: bool | None) -> None:
            if remove:
                del self.tables[ti]
                self._refresh()

        count = len(table["columns"])
        self.app.push_screen(
            ConfirmScreen(
                f"Remove the table {table['name'] or '(unnamed)'}?",
                f"Its {count} column{'s' if count != 1 else ''} go with it.",
                yes="Remove",
                no="Keep it",
            ),
            answered,
        )

    # -- save -------------------------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.problems:
            self.notify("Fix the problems listed on the right first.", severity="error", markup=False)
            return
        self._save(self.spec_data(), Path(self.query_one("#dest", FormInput).value.strip()).expanduser())

    @work(exclusive=True, group="save", exit_on_error=False)
    async def _save(self, data: dict[str, object], dest: Path) -> None:
        from wizard.scaffold import MuseSpec, write_template

        again = self._saved_to is not None and dest.absolute() == self._saved_to  # replace what this form saved
        try:
            spec = MuseSpec.model_validate(data)
            path = await asyncio.to_thread(write_template, spec, dest, force=again)
        except Exception as exc:  # ScaffoldError, SpecError, OSError
            self.post_message(StartFailed(error_text(exc)))
            return
        self._saved_to = path
        self._baseline = self.draft()
        _DRAFTS.pop(self.app, None)  # the template is saved: the next scaffold starts empty
        self.post_message(MuseChosen(str(path), spec.name))

    @on(StartFailed)
    def _save_failed(self, message: StartFailed) -> None:
        self.query_one("#sc-problems", Static).update(plain(message.message))

    # -- leave ------------------------------------------------------------------------------------
    def action_back(self) -> None:
        if not self.changed:
            self.app.pop_screen()
            return
        from wizard.screens.scaffold_dialogs import LeaveDialog

        def answered(choice: LeaveChoice | None) -> None:
            if choice == "keep":
                _DRAFTS[self.app] = self.draft()
            elif choice == "discard":
                _DRAFTS.pop(self.app, None)
            if choice is not None:
                self.app.pop_screen()

        self.app.push_screen(LeaveDialog(), answered)


def _reference_text(column: ColumnValues) -> str:
    """`dogs`, or `dogs, cascade` when deleting a dog does more than refuse (restrict, the default)."""
    reference, on_delete = column.get("references"), column.get("on_delete", "restrict")
    if not reference:
        return ""
    return reference if on_delete == "restrict" else f"{reference}, {on_delete}"


def _place_cursor(grid: DataTable[object], row_key: str | None, fallback_row: int) -> None:
    """The cursor on the row with `row_key`, else on the row index it was on (the last row at most)."""
    if not grid.row_count:
        return
    keys = [row.key.value for row in grid.ordered_rows]
    row = keys.index(row_key) if row_key in keys else min(fallback_row, grid.row_count - 1)
    grid.move_cursor(row=row, animate=False)


def _row_key(table: DataTable[object]) -> str:
    """The key of the row under the cursor: every row of these tables is added with one."""
    key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
    if key is None:
        raise LookupError("a scaffold table row without a key")
    return key
