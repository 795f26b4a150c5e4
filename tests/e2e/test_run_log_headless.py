"""The engine keeps the run log and reports the verification as data, whoever runs it: a headless
`musekit clone` (killed, then `musekit resume`d) leaves `.musekit/run.log` with every step and no
secret, its --json verify event carries the findings by group, a failing verification records its
lint among the lints, and the wizard reads both back (the run log screen, the Done screen, a journal
from before the data was recorded included). Real `musekit` processes against a `musekit sandbox`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import psycopg
import pytest

from tests.support.clone_helpers import (
    DB_PASSWORD,
    assert_no_secret_in_files,
    project_db_url,
    run_musekit,
    sandbox_world,
)
from tests.support.legacy_journal import old_journal_json
from tests.support.pilot import on, screen_text, wait_for
from wizard.app import MuseKitApp
from wizard.clone import STEPS, load_journal, read_run_log, run_log_path
from wizard.muses import core_files
from wizard.widgets import VerifyResults

VERIFY = "Verify (lints, RLS, core purity)"


@pytest.fixture(scope="module")
def world(cluster_dir_factory):
    root = cluster_dir_factory("run-log")
    env, sandbox = sandbox_world(root)
    env.update(MUSEKIT_DB_PASSWORD=DB_PASSWORD)
    yield {"root": root, "env": env, "token": sandbox.token, "sandbox": sandbox}
    sandbox.stop()
    cluster_dir_factory.remove_soon(root)


@pytest.fixture
def app_env(tmp_path, monkeypatch, memory_keyring):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    for name in ("SUPABASE_ACCESS_TOKEN", "MUSEKIT_DB_PASSWORD", "SUPABASE_API_URL", "MUSEKIT_FAILPOINT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def json_events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def log_lines(folder: Path) -> list[str]:
    """The run log's lines without their time stamps."""
    return [line.split("  ", 1)[1] for line in (read_run_log(folder) or "").splitlines()]


def index_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


OPEN_NOTES = """\
create table public.open_notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid(),
  body text
);
create index open_notes_user_id_idx on public.open_notes (user_id);
alter table public.open_notes enable row level security;
create policy open_notes_own on public.open_notes for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
"""


def open_notes_template(root: Path) -> Path:
    """A user's Muse whose table's row level security is turned off by hand before the verification (the
    guard refuses a Muse that does it itself), which must then fail."""
    folder = root / "open-notes-muse"
    (folder / "migrations").mkdir(parents=True)
    core_version = max(f.version for f in core_files())
    (folder / "muse.toml").write_text(
        f'name = "OpenNotes"\ndescription = "Notes anyone may read."\nversion = "0.1.0"\n'
        f'core_version = "{core_version}"\n'
    )
    (folder / "migrations" / "29990101000100_open_notes.sql").write_text(OPEN_NOTES)
    return folder


async def test_a_headless_clone_and_its_resume_keep_the_run_log_and_report_the_verification_as_data(world, app_env):
    root, env = world["root"], world["env"]
    folder = root / "logged"
    killed = run_musekit(
        "clone", "--muse", "socioscheduler", "--name", "logged", "--dir", str(folder), "--yes", "--json",
        env=dict(env, MUSEKIT_FAILPOINT="after:verify"), cwd=root,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stdout + killed.stderr

    # --json: the verify step's event carries what each check found
    events = json_events(killed.stdout)
    [done] = [e for e in events if e["event"] == "step_done" and e.get("step") == "verify"]
    found = done["verify"]
    assert found["passed"] is True and found["lints"] == found["rls"] == found["core"] == found["other"] == []
    assert found["lint_counts"] == {"ERROR": 0, "WARN": 0, "INFO": 0}
    assert found["platform_summary"].startswith("platform advisors: ") and set(found["platform_counts"]) == {
        "ERROR",
        "WARN",
        "INFO",
    }
    assert done["message"] == f"no lint findings; RLS on every table; core untouched; {found['platform_summary']}"
    advisories = [e["message"] for e in events if e["event"] == "warning" and e.get("step") == "verify"]
    assert advisories == [f"platform advisor {line}" for line in found["platform"]]
    assert not [e for e in events if "verify" in e and e.get("step") != "verify"]
    recorded = json.loads((folder / ".musekit" / "clone.json").read_text())["steps"]
    assert recorded["verify"]["verify"] == found and "verify" not in recorded["readme"]

    # the run log of the killed run: every step up to the kill, each once
    lines = log_lines(folder)
    assert lines[:2] == ["── a new clone", "▶ Validate inputs"]
    assert [line for line in lines if line.startswith("▶ ")] == [f"▶ {t}" for t in _titles(STEPS[:8])]
    assert any(line.startswith("   api: project ") for line in lines)  # the API client's health reports
    assert "── finished" not in lines

    resumed = run_musekit("resume", str(folder), env=env, cwd=root)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    lines = log_lines(folder)
    order = [f"✓ {VERIFY}: no lint findings", "── resumed", "▶ Write the README table list", "── finished"]
    assert [index_of(lines, start) for start in order] == sorted(index_of(lines, start) for start in order)
    assert lines.count(f"▶ {VERIFY}") == 1  # nothing written twice
    assert stat.S_IMODE(run_log_path(folder).stat().st_mode) == 0o600
    log = run_log_path(folder).read_text()
    assert world["token"] not in log and DB_PASSWORD not in log
    assert_no_secret_in_files([folder, root / "data"], [world["token"], DB_PASSWORD])

    # checking the finished clone changes nothing, its log included
    before = run_log_path(folder).read_bytes()
    checked = run_musekit("resume", str(folder), env=env, cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert run_log_path(folder).read_bytes() == before

    # the wizard opens that log, and the Done screen shows the recorded verification
    app = MuseKitApp(workdir=app_env)
    async with app.run_test(size=(120, 40)) as pilot:
        from wizard.screens.done import DoneScreen

        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        app.push_screen(DoneScreen(folder, load_journal(folder), muse_name="SocioScheduler"))
        await wait_for(pilot, lambda: "Verification" in screen_text(app), "the Done screen")
        assert "✓ Lints       0 ERROR · 0 WARN · 0 INFO" in screen_text(app)
        await pilot.press("l")
        await wait_for(pilot, lambda: on(app, "RunLogScreen"), "the run log")
        events_text = app.screen.query_one("#run-log-events").text
        assert "── a new clone" in events_text and "── resumed" in events_text
        assert "No events were kept" not in events_text


def test_a_failing_verification_records_its_lint_among_the_lints(world):
    root, env = world["root"], world["env"]
    folder = root / "open-notes"
    stopped = run_musekit(
        "clone", "--muse", str(open_notes_template(root)), "--name", "open-notes", "--dir", str(folder), "--yes",
        "--json", env=dict(env, MUSEKIT_FAILPOINT="after:muse_migrations"), cwd=root,
    )  # fmt: skip
    assert stopped.returncode == -9, stopped.stdout + stopped.stderr
    url = project_db_url(world["sandbox"].url, world["token"], load_journal(folder).project_ref, DB_PASSWORD)
    with psycopg.connect(url, autocommit=True) as conn:  # what the founder did meanwhile, by hand
        conn.execute("alter table public.open_notes disable row level security")
    failed = run_musekit("resume", str(folder), "--json", env=env, cwd=root)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    [event] = [e for e in json_events(failed.stdout) if e["event"] == "step_failed" and e.get("step") == "verify"]
    found = event["verify"]
    assert found["passed"] is False
    assert [line.split(" ", 3)[:3] for line in found["lints"] if line.split(" ", 2)[1] == "0007"] == [
        ["ERROR", "0007", "policy_exists_rls_disabled"]
    ]
    assert all(" public.open_notes: " in line for line in found["lints"]), found["lints"]
    assert found["lint_counts"]["ERROR"] >= 1 and sum(found["lint_counts"].values()) == len(found["lints"])
    assert found["rls"] == ["public.open_notes: row level security is disabled"] and found["core"] == []
    problems = [*found["lints"], *found["core"], *found["rls"], *found["other"]]
    assert event["message"] == f"{len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)

    journal = load_journal(folder)
    assert journal.steps["verify"].status == "failed" and journal.steps["verify"].verify is not None
    shown = VerifyResults.from_journal(journal)
    assert shown.state == "failed" and shown.lints == tuple(found["lints"]) and shown.rls == tuple(found["rls"])
    assert shown.summary()[0] == (
        "Lints",
        " · ".join(f"{found['lint_counts'][lv]} {lv}" for lv in found["lint_counts"]),
        False,
    )

    lines = log_lines(folder)
    assert f"✗ {VERIFY}: {len(problems)} problems:" in lines
    assert lines[-1] == f"── stopped (failed) during {VERIFY}: {len(problems)} problems:"
    assert_no_secret_in_files([folder], [world["token"], DB_PASSWORD])


async def test_the_done_screen_of_a_journal_from_before_the_data_still_shows_its_verification(app_env):
    from wizard.screens.done import DoneScreen

    folder = app_env / "old-muse"
    (folder / ".musekit").mkdir(parents=True)
    note = "no lint findings; RLS on every table; core untouched; platform advisors: 1 WARN, 2 INFO"
    (folder / ".musekit" / "clone.json").write_text(old_journal_json(note=note))
    journal = load_journal(folder)
    assert journal.finished and journal.steps["verify"].verify is None
    app = MuseKitApp(workdir=app_env)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        app.push_screen(DoneScreen(folder, journal, muse_name="SocioScheduler"))
        await wait_for(pilot, lambda: "Verification" in screen_text(app), "the Done screen")
        text = screen_text(app)
        assert "✓ Lints       0 ERROR · 0 WARN · 0 INFO" in text and "✓ Core purity untouched" in text
        assert "· Platform    1 WARN, 2 INFO (advice only)" in text


def _titles(steps: tuple[str, ...]) -> list[str]:
    from wizard.clone import STEP_TITLES

    return [STEP_TITLES[s] for s in steps]
