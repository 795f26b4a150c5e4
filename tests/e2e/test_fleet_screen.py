"""Your Muses (the portfolio screen) driven key by key (Pilot, 80×24) against a real sandbox (a separate
`musekit sandbox` process) and two Muses made by `musekit clone`: the status table lists both; both
selected, `d` shows their schema diff; one selected and upgraded to a newer core shows the plan, asks,
rolls out, reports it upgraded, and that Muse's database history has the new version (the other's not)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.clone_helpers import DB_PASSWORD, history, project_db_url, sandbox_world
from tests.support.clone_helpers import run_musekit as musekit
from tests.support.core_folders import core_folder
from tests.support.pilot import on, screen_text, wait_for
from wizard.app import MuseKitApp

SIZE = (80, 24)
MUSES = {"muse-a": "socioscheduler", "muse-b": "realtor"}  # name -> template (the table lists them by name)
NEW_CORE = "20260101000800_core_organization_website.sql"


@pytest.fixture(scope="module")
def world(cluster_dir_factory):
    root = cluster_dir_factory("fleet-screen")
    env, sandbox = sandbox_world(root)
    token = sandbox.token
    refs = {}
    for name, template in MUSES.items():
        made = musekit(
            "clone", "--muse", template, "--name", name, "--dir", str(root / name), "--yes",
            env=dict(env, MUSEKIT_DB_PASSWORD=DB_PASSWORD), cwd=root, timeout=300,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        refs[name] = json.loads((root / name / ".musekit" / "clone.json").read_text())["project_ref"]
    new_core = core_folder(root / "core-new", {NEW_CORE: "alter table public.organizations add column website text;\n"})
    urls = {name: project_db_url(sandbox.url, token, ref, DB_PASSWORD) for name, ref in refs.items()}
    yield {"root": root, "sandbox": sandbox, "token": token, "urls": urls, "new_core": new_core}
    sandbox.stop()
    cluster_dir_factory.remove_soon(root)


@pytest.fixture
def env(world, monkeypatch, memory_keyring):
    """The wizard in this process sees the world's registry and API; the token only in the environment."""
    for name in ("MUSEKIT_DB_PASSWORD", "MUSEKIT_FAILPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(world["root"] / "data"))
    monkeypatch.setenv("SUPABASE_API_URL", world["sandbox"].url)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", world["token"])
    return world


def versions(world, name: str) -> list[str]:
    return [row[0] for row in history(world["urls"][name])]


async def open_fleet(pilot, core_dir: Path | None = None) -> None:
    """Welcome → Your Muses, then wait until every Muse's row is drawn."""
    from wizard.screens.fleet import FleetScreen

    app = pilot.app
    await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
    if core_dir is None:
        app.action_open_fleet()
    else:
        app.push_screen(FleetScreen(core_dir=core_dir))
    await wait_for(pilot, lambda: on(app, "FleetScreen"), "the Your Muses screen")
    await wait_for(pilot, lambda: "2 Muse(s):" in screen_text(app), "both Muses checked", timeout=180)


async def test_the_table_lists_both_muses_and_d_shows_their_schema_diff(env):
    app = MuseKitApp(workdir=env["root"])
    async with app.run_test(size=SIZE) as pilot:
        await open_fleet(pilot)
        text = screen_text(app)
        assert "muse-a" in text and "muse-b" in text
        assert "socioscheduler" in text and "realtor" in text
        assert "0 with pending migrations, 0 with drift, 0 unavailable" in text

        await pilot.press("a")  # both
        await wait_for(pilot, lambda: "2 selected" in screen_text(app), "the selection")
        await pilot.press("d")
        await wait_for(pilot, lambda: "they differ" in screen_text(app), "the diff", timeout=120)
        text = screen_text(app)
        assert "Schema diff: muse-a → muse-b" in text
        # muse-b's own tables are added, muse-a's removed (the core is the same on both sides: left out)
        assert "+ listings (14 columns)" in text and "+ showings" in text
        assert "- brand_preferences" in text and "- post_queues" in text
        assert "organizations" not in text

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.view == "fleet-status", "back to the table")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "back to Welcome")


async def test_one_selected_muse_is_upgraded_to_a_newer_core(env, monkeypatch):
    from wizard.api import ManagementAPI

    made: list[str] = []  # login roles the API made, by project (the real calls, only counted)
    real = ManagementAPI.create_login_role

    async def counted(self, ref, **kwargs):
        made.append(ref)
        return await real(self, ref, **kwargs)

    monkeypatch.setattr(ManagementAPI, "create_login_role", counted)
    before_b = versions(env, "muse-b")
    app = MuseKitApp(workdir=env["root"])
    async with app.run_test(size=SIZE) as pilot:
        await open_fleet(pilot, env["new_core"])
        assert "2 with pending migrations" in screen_text(app)  # the newer core's file, on both
        await pilot.press("up", "space")  # the first row: muse-a
        await wait_for(pilot, lambda: "1 selected" in screen_text(app), "the selection")
        made.clear()
        await pilot.press("u")
        await wait_for(pilot, lambda: "1 to upgrade" in screen_text(app), "the plan", timeout=120)
        text = screen_text(app)
        assert "upgrade  muse-a: 1 file(s)" in text and NEW_CORE in text
        assert NEW_CORE[:14] not in versions(env, "muse-a")  # the plan changes nothing

        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the confirmation")
        assert "Upgrade 1 Muse?" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Roll-out finished" in screen_text(app), "the final report", timeout=240)
        text = screen_text(app)
        assert "upgraded" in text and "1 file(s) applied and verified" in text
        assert len(made) == 1  # one login role served the plan and the roll-out (as `musekit fleet upgrade`)

        await pilot.press("escape")  # back to the table, checked again
        await wait_for(pilot, lambda: "1 with pending migrations" in screen_text(app), "the fresh status", timeout=180)

    assert versions(env, "muse-a").count(NEW_CORE[:14]) == 1
    assert versions(env, "muse-b") == before_b
    assert (env["root"] / "muse-a" / "supabase" / "migrations" / NEW_CORE).is_file()
    assert not (env["root"] / "muse-b" / "supabase" / "migrations" / NEW_CORE).exists()


async def test_an_interrupted_rollout_is_offered_and_finished_with_R(env):
    from wizard.fleet import MusePlan, core_for, new_rollout, portfolio, save_rollout

    # what a roll-out stopped before its Muse leaves behind: its journal, the Muse still pending
    muse_b = next(m for m in portfolio() if m.name == "muse-b")
    core = core_for(env["new_core"])
    left = new_rollout([MusePlan("muse-b", muse_b.clone_id, (NEW_CORE,))], core, core_dir=env["new_core"], canary=1, keep_going=False)  # fmt: skip
    save_rollout(left)
    app = MuseKitApp(workdir=env["root"])
    async with app.run_test(size=SIZE) as pilot:
        await open_fleet(pilot)
        text = screen_text(app)
        assert f"Roll-out {left.id} was interrupted: R finishes it" in text
        await pilot.press("R")  # its core is not this musekit's: the founder names the folder by confirming it
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the confirmation")
        assert str(env["new_core"].resolve()) in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Roll-out finished" in screen_text(app), "the resumed roll-out", timeout=240)
        assert f"Roll-out {left.id}" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "2 Muse(s):" in screen_text(app), "the fresh status", timeout=180)
        text = screen_text(app)
        assert "was interrupted: R finishes it" not in text
        assert "2 with drift" in text  # both now run the newer core, compared here with the shipped one

    assert versions(env, "muse-b").count(NEW_CORE[:14]) == 1
    assert (env["root"] / "muse-b" / "supabase" / "migrations" / NEW_CORE).is_file()
