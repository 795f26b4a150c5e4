"""The template preview shows what the purity check says, warnings included, before anything runs."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from wizard.guard import check_static
from wizard.muses import core_model
from wizard.sql import SqlSource, parse_sql_files
from wizard.widgets import SchemaPreview

SQL = """create table public.notes (id uuid primary key, user_id uuid not null references public.users (id));
alter table public.notes enable row level security;
create policy notes_own on public.notes for select to authenticated using (user_id = (select auth.uid()));
insert into public.feature_flags (key, enabled) values ('notes.beta', true);
do $$ begin execute format('select %s', 1); end $$;
"""


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield SchemaPreview()


def _cells(table: DataTable[object]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_the_purity_tab_lists_warnings_with_file_and_line(tmp_path: Path) -> None:
    sources = [SqlSource("muse/migrations/20260601000100_notes.sql", SQL)]
    findings = check_static(sources, core_model(), core_data_writes=["public.feature_flags"])
    assert findings and not any(f.is_error for f in findings)
    app = _Host()
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(SchemaPreview).show_model("Notes", parse_sql_files(sources), SQL, findings)
        await pilot.pause()
        rows = _cells(app.query_one("#pv-purity", DataTable))
    assert [r[0] for r in rows] == ["WARNING"] * len(findings)
    assert {r[2] for r in rows} == {"core-data", "dynamic-sql"}
    assert "20260601000100_notes.sql:4" in [r[1] for r in rows]


async def test_a_clean_template_says_so() -> None:
    app = _Host()
    async with app.run_test(size=(80, 24)) as pilot:
        sources = [SqlSource("m/1_x.sql", "create table public.x (id int);")]
        app.query_one(SchemaPreview).show_model("X", parse_sql_files(sources), "", [])
        await pilot.pause()
        [row] = _cells(app.query_one("#pv-purity", DataTable))
    assert row[0] == "ok"
