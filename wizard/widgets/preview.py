"""The preview of a Muse template: what its SQL creates (from wizard.sql.model), tab by tab, and the
SQL itself, read-only and highlighted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Unpack

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TabbedContent, TabPane, TextArea

from wizard.widgets.common import WidgetOptions, plain

if TYPE_CHECKING:
    from wizard.guard import PurityFinding
    from wizard.sql import SchemaModel

Row = list[str | Text]  # plain strings are engine text (escaped); Text cells are styled here


class SqlView(TextArea):
    """Read-only SQL with tree-sitter highlighting, in colours that suit the app's light or dark theme."""

    def __init__(self, text: str = "", **kwargs: Unpack[WidgetOptions]) -> None:
        super().__init__(text, language="sql", read_only=True, show_line_numbers=True, soft_wrap=False, **kwargs)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._follow_app_theme)

    def _follow_app_theme(self, _name: str) -> None:
        self.theme = "css" if self.app.current_theme.dark else "github_light"


class SchemaPreview(Vertical):
    """Tables (columns, types, nullability, defaults, references), enums and their values, views,
    indexes, RLS policies, and the SQL."""

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
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="preview-title", classes="preview-title")
        yield Static("", id="preview-problem", classes="hint invalid")
        with TabbedContent(id="preview-tabs"):
            with TabPane("Tables", id="tab-tables"):
                yield DataTable(id="pv-tables", cursor_type="row", zebra_stripes=True)
            with TabPane("Enums", id="tab-enums"):
                yield DataTable(id="pv-enums", cursor_type="row")
            with TabPane("Views", id="tab-views"):
                yield DataTable(id="pv-views", cursor_type="row")
            with TabPane("Indexes", id="tab-indexes"):
                yield DataTable(id="pv-indexes", cursor_type="row")
            with TabPane("Policies", id="tab-policies"):
                yield DataTable(id="pv-policies", cursor_type="row")
            with TabPane("SQL", id="tab-sql"):
                yield SqlView(id="pv-sql")
            with TabPane("Purity", id="tab-purity"):
                yield DataTable(id="pv-purity", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#preview-problem").display = False
        self._columns("#pv-tables", "Column", "Type", "Null", "Default", "References")
        self._columns("#pv-enums", "Enum", "Values")
        self._columns("#pv-views", "View", "Security", "Reads")
        self._columns("#pv-indexes", "Index", "Table", "Columns", "Unique")
        self._columns("#pv-policies", "Command", "Roles", "Using", "With check", "Policy")
        self._columns("#pv-purity", "Level", "Where", "Rule", "What")

    def _columns(self, selector: str, *names: str) -> None:
        self.query_one(selector, DataTable).add_columns(*names)

    def show_model(self, title: str, model: SchemaModel, sql: str, findings: Sequence[PurityFinding] = ()) -> None:
        """`model` is a wizard.sql.model.SchemaModel of the Muse's own files; `findings` what the
        purity check says of them (errors refuse the template, warnings are shown before it runs)."""
        self.query_one("#preview-title", Static).update(plain(title))
        self.query_one("#preview-problem").display = False
        self._fill("#pv-tables", _table_rows(model))
        self._fill("#pv-enums", ([e.name, ", ".join(e.values)] for e in model.enums))
        self._fill(
            "#pv-views",
            ([v.name, "invoker" if v.security_invoker else "definer", ", ".join(v.references)] for v in model.views),
        )
        self._fill(
            "#pv-indexes",
            ([i.name, _short(i.table), ", ".join(i.columns), "yes" if i.unique else ""] for i in model.indexes),
        )
        self._fill("#pv-policies", _policy_rows(model))
        self.query_one("#pv-sql", SqlView).load_text(sql)
        self._fill("#pv-purity", _purity_rows(findings))

    def show_problem(self, title: str, message: str) -> None:
        self.query_one("#preview-title", Static).update(plain(title))
        problem = self.query_one("#preview-problem", Static)
        problem.update(plain(message))
        problem.display = True
        for table in self.query(DataTable):
            table.clear()
        self.query_one("#pv-sql", SqlView).load_text("")

    def _fill(self, selector: str, rows: Iterable[Row]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear()
        for row in rows:
            table.add_row(*(cell if isinstance(cell, Text) else plain(cell) for cell in row))


def _purity_rows(findings: Sequence[PurityFinding]) -> Iterator[Row]:
    if not findings:
        yield [Text("ok", style="bold"), "", "", "the SQL only references MuseKit core, never changes it"]
    for f in findings:
        level = Text(f.severity.upper(), style="bold red" if f.is_error else "bold yellow")
        yield [level, f"{f.file.rsplit('/', 1)[-1]}:{f.line}", f.rule, f.message]


def _short(qualified: str) -> str:
    return qualified.removeprefix("public.")


def _table_rows(model: SchemaModel) -> Iterator[Row]:
    """A heading row per table (its name, and RLS), then its columns."""
    for table in model.tables:
        refs = {
            fk.columns[0]: _short(fk.ref_table) + (f"({', '.join(fk.ref_columns)})" if fk.ref_columns else "")
            for fk in table.foreign_keys
            if len(fk.columns) == 1
        }
        name = table.name if table.schema == "public" else table.qualified_name
        yield [Text(name, style="bold"), Text("RLS on" if table.rls_enabled else "RLS OFF", style="italic"), "", "", ""]
        for column in table.columns:
            null = "PK" if column.primary_key else ("" if column.nullable else "not null")
            yield [f"  {column.name}", column.type, null, column.default or "", refs.get(column.name, "")]


def _policy_rows(model: SchemaModel) -> Iterator[Row]:
    """A heading row per table, then its policies: what each allows, to whom, under which condition."""
    tables = list(dict.fromkeys(p.table for p in model.policies))
    for table in tables:
        yield [Text(_short(table), style="bold"), "", "", "", ""]
        for p in model.policies_on(table):
            kind = "" if p.permissive else " (restrictive)"
            yield [f"  {p.command}{kind}", ", ".join(p.roles), p.using or "", p.with_check or "", p.name]
