"""The preview of a Muse template: what its SQL creates (from wizard.sql.model), tab by tab, and the
SQL itself, read-only and highlighted.

Each tab is a table of the essential columns, narrow enough for 80 columns, over a detail pane that
shows the highlighted row in full (a column's default and reference, a policy's USING and WITH CHECK,
wrapped): nothing needs scrolling sideways."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Unpack

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane, TextArea

from wizard.widgets.common import WidgetOptions, plain

if TYPE_CHECKING:
    from wizard.guard import PurityFinding
    from wizard.sql import Column, SchemaModel, Table, View
    from wizard.sql.model import ForeignKey, Index, Policy  # not re-exported by wizard.sql (types only)

Cell = str | Text  # plain strings are engine text (escaped); Text cells are styled here


@dataclass(frozen=True)
class PreviewRow:
    cells: list[Cell]
    detail: Text  # the row in full, shown under the table while the row is highlighted


TABS = ("Tables", "Enums", "Views", "Indexes", "Policies", "SQL", "Purity")
# the tabs that are tables (all but SQL), by id: their columns
COLUMNS = {
    "tables": ("Column", "Type", "Null", "References", "Default"),  # the last ones are cut first at 80 columns
    "enums": ("Enum", "Values"),
    "views": ("View", "Security", "Reads"),
    "indexes": ("Index", "Table", "Columns"),
    "policies": ("Command", "Roles", "Policy"),
    "purity": ("Level", "Where", "Rule", "What"),
}


class SqlView(TextArea):
    """Read-only SQL with tree-sitter highlighting, in colours that suit the app's light or dark theme."""

    def __init__(self, text: str = "", *, soft_wrap: bool = False, **kwargs: Unpack[WidgetOptions]) -> None:
        super().__init__(text, language="sql", read_only=True, show_line_numbers=True, soft_wrap=soft_wrap, **kwargs)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._follow_app_theme)

    def _follow_app_theme(self, _name: str) -> None:
        self.theme = "css" if self.app.current_theme.dark else "github_light"


class SchemaPreview(Vertical):
    """Tables (columns, types, nullability, defaults, references), enums and their values, views,
    indexes, RLS policies, the SQL, and what the purity check says."""

    DEFAULT_CSS = """
    .preview-title {
        text-style: bold;
        padding: 1 0 0 0;
        height: auto;
        max-height: 3;
    }

    #preview-tabs {
        height: 1fr;
    }

    #preview-tabs TabPane {
        padding: 0;
    }

    #preview-tabs DataTable, #pv-sql {
        height: 1fr;
    }

    #preview-tabs .row-detail {
        height: auto;
        max-height: 8;
        border-top: hkey $primary 50%;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs: Unpack[WidgetOptions]) -> None:
        super().__init__(**kwargs)
        self._details: dict[str, list[Text]] = {}  # table id -> the detail of each row, by row index

    def compose(self) -> ComposeResult:
        yield Static("", id="preview-title", classes="preview-title")
        yield Static("", id="preview-problem", classes="hint invalid")
        with TabbedContent(id="preview-tabs"):
            for title in TABS:
                key = title.lower()
                with TabPane(title, id=f"tab-{key}"):
                    if key == "sql":
                        yield SqlView(id="pv-sql", soft_wrap=True)
                        continue
                    yield DataTable(id=f"pv-{key}", cursor_type="row", zebra_stripes=key == "tables")
                    with VerticalScroll(classes="row-detail", can_focus=False):
                        yield Static("", id=f"pv-{key}-detail")

    def on_mount(self) -> None:
        self.query_one("#preview-problem").display = False
        for key, columns in COLUMNS.items():
            self.query_one(f"#pv-{key}", DataTable).add_columns(*columns)

    def show_model(self, title: str, model: SchemaModel, sql: str, findings: Sequence[PurityFinding] = ()) -> None:
        """`model` is a wizard.sql.model.SchemaModel of the Muse's own files; `findings` what the
        purity check says of them (errors refuse the template, warnings are shown before it runs)."""
        self.query_one("#preview-title", Static).update(plain(title))
        self.query_one("#preview-problem").display = False
        self._fill("tables", _table_rows(model))
        self._fill("enums", _enum_rows(model))
        self._fill("views", (_view_row(v) for v in model.views))
        self._fill("indexes", (_index_row(i) for i in model.indexes))
        self._fill("policies", _policy_rows(model))
        self.query_one("#pv-sql", SqlView).load_text(sql)
        self._fill("purity", _purity_rows(findings))

    def show_problem(self, title: str, message: str) -> None:
        self.query_one("#preview-title", Static).update(plain(title))
        problem = self.query_one("#preview-problem", Static)
        problem.update(plain(message))
        problem.display = True
        for key in COLUMNS:
            self._fill(key, [])
        self.query_one("#pv-sql", SqlView).load_text("")

    def detail_text(self, key: str) -> str:
        """What the detail pane of a tab (`tables`, `policies`, …) shows now."""
        return str(self.query_one(f"#pv-{key}-detail", Static).render())

    def _fill(self, key: str, rows: Iterable[PreviewRow]) -> None:
        table = self.query_one(f"#pv-{key}", DataTable)
        table.clear()
        details: list[Text] = []
        for i, row in enumerate(rows):
            table.add_row(*(cell if isinstance(cell, Text) else plain(cell) for cell in row.cells), key=str(i))
            details.append(row.detail)
        self._details[key] = details
        self._show_detail(key, 0)

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = (event.data_table.id or "").removeprefix("pv-")
        if key in self._details:
            self._show_detail(key, event.cursor_row)

    def _show_detail(self, key: str, row: int) -> None:
        details = self._details.get(key, [])
        self.query_one(f"#pv-{key}-detail", Static).update(details[row] if 0 <= row < len(details) else "")


# -- rows ---------------------------------------------------------------------------------------------
def _short(qualified: str) -> str:
    return qualified.removeprefix("public.")


def _detail(head: str, *lines: str) -> Text:
    """A bold first line, then the others as they are (each wraps in the pane)."""
    text = Text()
    text.append(head, style="bold")
    for line in lines:
        text.append("\n" + line)
    return text


def _reference(fk: ForeignKey) -> str:
    """`public.listings (id, org_id)`, or the table alone when the key references its primary key."""
    return f"{fk.ref_table} ({', '.join(fk.ref_columns)})" if fk.ref_columns else fk.ref_table


def _on_delete(fk: ForeignKey) -> str:
    return "" if fk.on_delete == "no action" else f" on delete {fk.on_delete}"


def _reference_cell(fk: ForeignKey, column: str) -> str:
    """What a column references, short: `users(id)`; for a column of a composite key, its own pair and
    the other columns of the key: `listings(id) with org_id`."""
    target = _short(fk.ref_table)
    if len(fk.columns) == 1:
        return target + (f"({fk.ref_columns[0]})" if fk.ref_columns else "")
    position = fk.columns.index(column)
    if fk.ref_columns and position < len(fk.ref_columns):
        target += f"({fk.ref_columns[position]})"
    return f"{target} with {', '.join(c for c in fk.columns if c != column)}"


def _table_rows(model: SchemaModel) -> Iterator[PreviewRow]:
    """A heading row per table (its name, and RLS), then its columns."""
    for table in model.tables:
        name = table.name if table.schema == "public" else table.qualified_name
        rls = "RLS on" + (" (forced)" if table.rls_forced else "") if table.rls_enabled else "RLS OFF"
        yield PreviewRow([Text(name, style="bold"), Text(rls, style="italic"), "", "", ""], _table_detail(table, rls))
        for column in table.columns:
            keys = [fk for fk in table.foreign_keys if column.name in fk.columns]
            null = (
                "PK"
                if column.primary_key or column.name in table.primary_key
                else ("" if column.nullable else "not null")
            )
            refs = "; ".join(_reference_cell(fk, column.name) for fk in keys)
            cells: list[Cell] = [f"  {column.name}", _short(column.type), null, refs, column.default or ""]
            yield PreviewRow(cells, _column_detail(table, column, keys))


def _table_detail(table: Table, rls: str) -> Text:
    lines = [f"-- {table.comment}"] if table.comment else []
    if table.primary_key and not any(c.primary_key for c in table.columns):
        lines.append(f"primary key ({', '.join(table.primary_key)})")
    lines += [
        f"foreign key ({', '.join(fk.columns)}) -> {_reference(fk)}{_on_delete(fk)}"
        for fk in table.foreign_keys
        if len(fk.columns) > 1
    ]
    lines += [f"unique ({', '.join(u.columns)})" for u in table.uniques]
    lines += [f"check ({c.expression})" for c in table.checks if c.column is None]
    return _detail(f"{table.qualified_name}  [{rls}]", *lines)


def _column_detail(table: Table, column: Column, keys: list[ForeignKey]) -> Text:
    facts = [column.type, "null" if column.nullable else "not null"]
    if column.primary_key or column.name in table.primary_key:
        facts.append("primary key")
    if column.unique:
        facts.append("unique")
    lines = [f"default {column.default}"] if column.default is not None else []
    if column.identity:
        lines.append(f"generated {column.identity} as identity")
    if column.generated:
        lines.append(f"generated always as ({column.generated})")
    for fk in keys:
        through = f" through ({', '.join(fk.columns)})" if len(fk.columns) > 1 else ""
        lines.append(f"-> {_reference(fk)}{through}{_on_delete(fk)}")
    lines += [f"check ({c.expression})" for c in table.checks if c.column == column.name]
    if column.comment:
        lines.append(f"-- {column.comment}")
    return _detail(f"{_short(table.qualified_name)}.{column.name}: {', '.join(facts)}", *lines)


def _enum_rows(model: SchemaModel) -> Iterator[PreviewRow]:
    for e in model.enums:
        lines = [", ".join(e.values)] + ([f"-- {e.comment}"] if e.comment else [])
        yield PreviewRow([_short(e.qualified_name), ", ".join(e.values)], _detail(e.qualified_name, *lines))


def _view_row(view: View) -> PreviewRow:
    security = "invoker" if view.security_invoker else "definer"
    kind = "materialized view" if view.materialized else "view"
    mode = "security_invoker" if view.security_invoker else "security DEFINER (bypasses RLS)"
    lines = [f"reads {', '.join(view.references) or 'nothing'}"] + ([f"-- {view.comment}"] if view.comment else [])
    detail = _detail(f"{view.qualified_name} ({kind}, {mode})", *lines)
    return PreviewRow([_short(view.qualified_name), security, ", ".join(_short(r) for r in view.references)], detail)


def _index_row(index: Index) -> PreviewRow:
    unique = "unique " if index.unique else ""
    lines = [f"where {index.where}"] if index.where else []
    method = "" if index.method == "btree" else f" using {index.method}"
    head = f"{unique}index {index.name} on {index.table}{method} ({', '.join(index.columns)})"
    return PreviewRow([index.name, _short(index.table), ", ".join(index.columns)], _detail(head, *lines))


def _policy_rows(model: SchemaModel) -> Iterator[PreviewRow]:
    """A heading row per table, then its policies: what each allows, to whom; the detail pane shows the
    conditions (USING, WITH CHECK) in full."""
    tables = list(dict.fromkeys(p.table for p in model.policies))
    for table in tables:
        policies = model.policies_on(table)
        heading = _detail(table, f"{len(policies)} polic{'y' if len(policies) == 1 else 'ies'}")
        yield PreviewRow([Text(_short(table), style="bold"), "", ""], heading)
        for p in policies:
            kind = "" if p.permissive else " (restrictive)"
            yield PreviewRow([f"  {p.command}{kind}", ", ".join(p.roles), p.name], _policy_detail(p))


def _policy_detail(policy: Policy) -> Text:
    kind = "permissive" if policy.permissive else "restrictive"
    head = f"{policy.name}: {policy.command} on {_short(policy.table)} to {', '.join(policy.roles)} ({kind})"
    lines = [f"using ({policy.using})"] if policy.using else []
    if policy.with_check:
        lines.append(f"with check ({policy.with_check})")
    return _detail(head, *lines)


def _purity_rows(findings: Sequence[PurityFinding]) -> Iterator[PreviewRow]:
    if not findings:
        clean = "the SQL only references MuseKit core, never changes it"
        yield PreviewRow([Text("ok", style="bold"), "", "", clean], _detail("ok", clean))
    for f in findings:
        level = Text(f.severity.upper(), style="bold red" if f.is_error else "bold yellow")
        where = f"{f.file.rsplit('/', 1)[-1]}:{f.line}"
        yield PreviewRow(
            [level, where, f.rule, f.message], _detail(f"{f.severity.upper()} {f.rule} at {f.file}:{f.line}", f.message)
        )
