"""The template preview read at 80x24 (Textual Pilot, the real Muse screen and the shipped Realtor
template): no tab needs scrolling sideways; the highlighted row is shown in full under its table (a
policy's USING and WITH CHECK, a column's reference); a composite foreign key shows its references, as
`musekit muses show` does."""

from __future__ import annotations

import html
import re

import pytest
from textual.widgets import DataTable

from tests.support.pilot import wait_for
from wizard.app import MuseKitApp
from wizard.screens.muse import MuseScreen
from wizard.widgets import SchemaPreview

SIZE = (80, 24)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    return tmp_path


def screen_text(app) -> str:
    """What the terminal shows, row by row (the SVG export's text)."""
    rows: dict[float, list[str]] = {}
    for y, text in re.findall(r'<text[^>]*y="([\d.]+)"[^>]*>(.*?)</text>', app.export_screenshot()):
        rows.setdefault(float(y), []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(rows.items()))


def flat(text: str) -> str:
    """Screen text with its wrapping undone (a detail pane wraps long lines)."""
    return re.sub(r"\s+", " ", text)


async def realtor_tab(pilot, tab: str) -> tuple[SchemaPreview, DataTable[object]]:
    """The Muse screen with Realtor (listed first) previewed, on `tab`, its table focused."""
    app = pilot.app
    screen = MuseScreen()
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.previewed == "realtor", "the Realtor preview")
    preview = screen.query_one(SchemaPreview)
    screen.query_one("#preview-tabs").active = f"tab-{tab}"
    table = screen.query_one(f"#pv-{tab}", DataTable)
    table.focus()
    await pilot.pause()
    return preview, table


def row_of(table: DataTable[object], first_cell: str, after: str | None = None) -> int:
    """The index of the row whose first cell is `first_cell` (below the row `after`, if given)."""
    cells = [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)]
    start = cells.index(after) if after else 0
    return cells.index(first_cell, start)


async def highlight(pilot, table: DataTable[object], row: int) -> None:
    while table.cursor_row < row:
        await pilot.press("down")


async def test_a_policy_shows_its_with_check_at_80_columns(env):
    app = MuseKitApp(workdir=env / "work", exit_after_first_paint=False)
    async with app.run_test(size=SIZE) as pilot:
        preview, table = await realtor_tab(pilot, "policies")
        await highlight(pilot, table, row_of(table, "insert", after="listings"))
        expected = "with check (private.is_org_member(org_id) AND created_by = (SELECT auth.uid()))"
        await wait_for(pilot, lambda: expected in flat(screen_text(app)), "the WITH CHECK on screen")
        assert "listings_insert_members" in preview.detail_text("policies")
        await highlight(pilot, table, row_of(table, "update", after="listings"))
        await wait_for(pilot, lambda: "using (private.is_org_member(org_id))" in flat(screen_text(app)), "USING")
        assert "with check (private.is_org_member(org_id))" in flat(screen_text(app))


async def test_a_composite_foreign_key_shows_its_references(env):
    app = MuseKitApp(workdir=env / "work", exit_after_first_paint=False)
    async with app.run_test(size=SIZE) as pilot:
        preview, table = await realtor_tab(pilot, "tables")
        showings = row_of(table, "showings")
        listing_id = row_of(table, "listing_id", after="showings")
        assert str(table.get_row_at(listing_id)[3]) == "listings(id) with org_id"
        assert str(table.get_row_at(row_of(table, "org_id", after="showings"))[3]) == "listings(org_id) with listing_id"

        await highlight(pilot, table, showings)
        fk = "foreign key (listing_id, org_id) -> public.listings (id, org_id) on delete cascade"
        await wait_for(pilot, lambda: fk in flat(screen_text(app)), "the table's composite key on screen")
        await highlight(pilot, table, listing_id)
        ref = "-> public.listings (id, org_id) through (listing_id, org_id) on delete cascade"
        await wait_for(pilot, lambda: ref in flat(screen_text(app)), "the column's reference on screen")
        assert preview.detail_text("tables").startswith("showings.listing_id: uuid, not null")


async def test_every_table_tab_has_its_detail_pane_on_screen_at_80x24(env):
    app = MuseKitApp(workdir=env / "work", exit_after_first_paint=False)
    async with app.run_test(size=SIZE) as pilot:
        preview, _ = await realtor_tab(pilot, "tables")
        for tab, shown in [
            ("tables", "public.listings [RLS on]"),
            ("enums", "public.listing_status active, pending, sold, withdrawn"),
            ("views", "public.upcoming_showings (view, security_invoker) reads public.listings"),
            ("indexes", "index listings_org_id_idx on public.listings (org_id)"),
            ("policies", "public.listings 4 policies"),
            ("purity", "the SQL only references MuseKit core"),
        ]:
            preview.query_one("#preview-tabs").active = f"tab-{tab}"
            await wait_for(pilot, lambda shown=shown: shown in flat(screen_text(app)), f"the {tab} detail")
