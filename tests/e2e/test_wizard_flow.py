"""The wizard's flow around a clone, driven by Pilot: the password shown once (explicit confirmation,
copy, no quitting past it, a new one when lost), the verification's results on the run and Done screens,
the run log, a finished Muse opened with no connection and no secret, a status line for every wait, the
stepper on each screen of the flow, and the Welcome lists (unfinished first, "Your Muses" apart, gone
folders marked, forget after asking). The flows run against a real sandbox; the screens fed with the
engine's own events need none. Snapshots of the new screens at 80x24 and 120x40 close the file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import keyring
import psycopg
import pytest
from rich.text import Text
from textual.widgets import Input, Tree

from tests.e2e.test_app_flows import choose_muse, connect, create_project
from tests.e2e.test_snapshots import (
    FOLDER,
    HOME,
    NOW,
    SIZES,
    finished_journal,
    journal,
    make_app,
    push,
    settle,
)
from tests.support.clone_helpers import assert_no_secret_in_files, project_db_url
from tests.support.keyrings import MemoryKeyring, NoKeyring
from tests.support.pilot import fill, on, screen_text, static_text, wait_for
from wizard.app import MuseKitApp
from wizard.clone import STEPS, CloneEvent, ErrorRecord, Journal, StepRecord, list_clones, load_journal, registry
from wizard.messages import CloneProgress, CloneStopped, RunPrepared
from wizard.muses import core_files, load_template
from wizard.sandbox import Faults
from wizard.screens.run_log import append_run_log, run_log_path
from wizard.widgets import FlowStepper, VerifyResults
from wizard.widgets.stepper import FLOW, flow_line

SIZE = (120, 40)
PASSWORD = "Example0nlyNotARealPassw0rd"
PASSED_NOTE = "no lint findings; RLS on every table; core untouched; platform advisors: 1 WARN, 2 INFO"
FAILED_VERIFY = (
    "3 problems:\n"
    "  - ERROR 0013 rls_disabled_in_public public.notes: Table public.notes is public, but RLS has not been enabled.\n"
    "  - WARN 0011 function_search_path_mutable public.touch: Function public.touch has a role mutable search_path\n"
    "  - public.post_queues: anon (not a member of anything) can read 2 rows"
)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    for name in ("SUPABASE_ACCESS_TOKEN", "MUSEKIT_DB_PASSWORD", "SUPABASE_API_URL", "MUSEKIT_FAILPOINT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def no_keyring():
    """A machine without an OS keyring (headless Linux): nothing can be stored."""
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def faultless(sandbox):
    sandbox.set_faults(Faults())
    yield sandbox
    sandbox.set_faults(Faults())


def write_clone(folder: Path, j: Journal) -> None:
    (folder / ".musekit").mkdir(parents=True)
    (folder / ".musekit" / "clone.json").write_text(j.model_dump_json())


def seed_registry(root: Path) -> dict[str, Journal]:
    """Three clones: one stopped at the core migrations, one finished 3 days ago, one whose folder is gone."""
    stuck = journal(
        clone_id="1" * 32,
        project_ref="qwertyuiopasdfghjklz",
        steps={
            **{s: StepRecord() for s in STEPS},
            **{s: StepRecord(status="done") for s in STEPS[:5]},
            "core_migrations": StepRecord(status="failed", attempts=1),
        },
        last_error=ErrorRecord(
            step="core_migrations", at=NOW - timedelta(hours=2), message="could not connect to the database: timeout"
        ),
    )
    done = finished_journal().model_copy(update={"clone_id": "2" * 32, "updated_at": NOW - timedelta(days=3)})
    done.inputs = done.inputs.model_copy(update={"name": "realty-one", "muse": "realtor"})
    done.steps["verify"] = StepRecord(status="done", attempts=1, note=PASSED_NOTE)
    write_clone(root / "my-muse", stuck)
    write_clone(root / "realty-one", done)
    entries = [
        registry.RegistryEntry(
            clone_id=j.clone_id,
            folder=str(root / j.inputs.name),
            name=j.inputs.name,
            muse=j.inputs.muse,
            registered_at=j.created_at,
        )
        for j in (stuck, done)
    ]
    entries.append(
        registry.RegistryEntry(
            clone_id="3" * 32,
            folder=str(root / "gone-muse"),
            name="gone-muse",
            muse="socioscheduler",
            registered_at=NOW - timedelta(days=9),
        )
    )
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "clones.json").write_bytes(registry._ENTRIES.dump_json(entries))
    return {"my-muse": stuck, "realty-one": done}


def tree_lines(tree: Tree) -> list[str]:
    lines = []
    for node in tree.root.children:
        lines.append(str(node.label))
        lines += [f"  {child.label}" for child in node.children]
    return lines


# -- the password shown once ------------------------------------------------------------------------
async def test_the_password_dialog_closes_only_on_i_have_saved_it_and_quitting_waits(env, memory_keyring):
    from wizard.screens.password import NewPasswordScreen

    app = MuseKitApp(workdir=env, clock=lambda: NOW)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        app.push_screen(NewPasswordScreen(PASSWORD, False))
        await wait_for(pilot, lambda: on(app, "NewPasswordScreen") and PASSWORD in screen_text(app), "the dialog")
        assert "No OS keyring" in static_text(app, "#password-where")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "shown only once" in screen_text(app), "the reminder")
        await pilot.press("enter")  # focus starts on Copy: enter copies, it never closes the dialog
        assert on(app, "NewPasswordScreen") and app.clipboard == PASSWORD
        await pilot.press("c")
        await pilot.press("ctrl+q")  # refused, and no quit question stacked on top
        await wait_for(pilot, lambda: "Not yet" in screen_text(app), "the refusal")
        assert on(app, "NewPasswordScreen") and app.return_code is None
        assert [type(s).__name__ for s in app.screen_stack][-2:] == ["WelcomeScreen", "NewPasswordScreen"]
        assert await pilot.click("#saved")
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the dialog to close")
        await pilot.press("ctrl+q")  # nothing runs now: quitting is immediate
        await wait_for(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0


# -- verification results ---------------------------------------------------------------------------
def test_verify_results_are_read_back_from_what_the_engine_reports():
    failed = VerifyResults.from_failure(FAILED_VERIFY)
    assert failed.state == "failed" and failed.problem_count == 3
    assert failed.lint_counts() == {"ERROR": 1, "WARN": 1, "INFO": 0}
    assert failed.rls == ("public.post_queues: anon (not a member of anything) can read 2 rows",)
    assert failed.core == () and failed.other == ()
    assert failed.summary_text().splitlines() == [
        "✗ Lints       1 ERROR · 1 WARN · 0 INFO",
        "✗ RLS probe   1 problem",
        "✓ Core purity untouched (the shipped core)",
    ]
    core = VerifyResults.from_failure("1 problem:\n  - the core differs from the shipped core migrations: x")
    assert core.core and core.summary()[2] == ("Core purity", "1 difference", False)
    passed = VerifyResults.from_note(PASSED_NOTE)
    assert passed.state == "passed" and passed.problem_count == 0
    assert passed.summary_text().splitlines()[-1] == "· Platform    1 WARN, 2 INFO (advice only)"
    broken = VerifyResults.from_failure("could not connect to the database: timeout\n  more")
    assert broken.state == "error" and broken.summary_text() == (
        "✗ Verify      could not run: could not connect to the database: timeout"
    )
    j = finished_journal()
    j.steps["verify"] = StepRecord(status="failed")
    j.last_error = ErrorRecord(step="verify", message=FAILED_VERIFY, at=NOW)
    assert VerifyResults.from_journal(j) == failed


def feed_events(screen, until_verify: str) -> list:
    """The engine's events of a run up to the verify step, which passes ("passed") or fails ("failed")."""
    template = load_template("socioscheduler")
    screen.post_message(
        RunPrepared(
            "SocioScheduler",
            None,
            {s: "pending" for s in STEPS} | {"validate": "done"},
            [f.path.name for f in core_files()],
            [f.path.name for f in template.files],
            True,
            True,
        )
    )
    events = [CloneEvent("step_started", s, s, i, 9) for i, s in enumerate(STEPS[1:7], 2)]
    events = [e for s in events for e in (s, CloneEvent("step_done", s.step, "ok", s.current, 9))]
    events.append(CloneEvent("step_started", "verify", "verify", 8, 9))
    if until_verify == "passed":
        events.append(CloneEvent("warning", "verify", "platform advisor WARN auth_leaked_password: enable it"))
        events.append(CloneEvent("step_done", "verify", PASSED_NOTE, 8, 9))
    else:
        events.append(CloneEvent("step_failed", "verify", FAILED_VERIFY))
    return [CloneProgress(e) for e in events]


@pytest.mark.parametrize("outcome", ["passed", "failed"])
async def test_the_run_screen_shows_the_verification_by_level_with_every_finding(env, memory_keyring, outcome):
    from wizard.screens.run import RunScreen

    app = MuseKitApp(workdir=env, clock=lambda: NOW, ticks=lambda: 100.0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        run = RunScreen(FOLDER, autostart=False)
        await app.push_screen(run)
        for message in feed_events(run, outcome):  # all to one screen, which handles them in order
            run.post_message(message)
        await pilot.pause()
        if outcome == "failed":
            run.post_message(CloneStopped("failed", "verify", FAILED_VERIFY))
        await wait_for(pilot, lambda: run.query_one("#stages").current == "apply", "the apply stage")
        await pilot.pause()
        summary = static_text(app, "#verify-summary")
        tree = run.query_one("#verify-tree", Tree)
        if outcome == "passed":
            assert "✓ Lints       0 ERROR · 0 WARN · 0 INFO" in summary and "untouched" in summary
            assert "1 WARN, 2 INFO (advice only)" in summary
            assert tree_lines(tree) == ["Platform advisors (advice only) (1)", "  WARN auth_leaked_password: enable it"]
            assert static_text(app, "#verify-result") == "✓ Verification passed"
        else:
            assert "✗ Lints       1 ERROR · 1 WARN · 0 INFO" in summary and "✗ RLS probe   1 problem" in summary
            assert tree_lines(tree)[0] == "Lint findings (2)" and tree.root.children[0].is_expanded
            assert "  public.post_queues: anon (not a member of anything) can read 2 rows" in tree_lines(tree)
            assert static_text(app, "#run-status").startswith("✗ Verify (lints, RLS, core purity) failed")
        assert run.query_one(FlowStepper).current == "run"


# -- the stepper ------------------------------------------------------------------------------------
def test_the_stepper_fits_80_columns_and_marks_where_the_founder_is():
    for step in FLOW:
        line = Text.from_markup(flow_line(step).replace("$", "")).plain
        assert len(line) <= 60, line
    assert Text.from_markup(flow_line("project").replace("$", "")).plain == (
        "✓ Connect › ✓ Muse ›  3 Project  › 4 Run › 5 Done"
    )
    with pytest.raises(ValueError, match="unknown wizard step"):
        FlowStepper("welcome")


# -- Welcome: the lists, gone folders, forgetting -----------------------------------------------------
async def test_welcome_lists_unfinished_first_finished_apart_marks_gone_folders_and_forgets(env, memory_keyring):
    seed_registry(env)
    app = MuseKitApp(workdir=env, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen") and "gone-muse" in screen_text(app), "the lists")
        welcome = app.screen
        assert [x.entry.name for x in welcome.lists.to_finish] == ["my-muse", "gone-muse"]
        assert [x.entry.name for x in welcome.lists.finished] == ["realty-one"]
        text = screen_text(app)
        order = ["Clones to finish", "my-muse", "gone-muse", "Your Muses", "realty-one"]
        assert [text.index(word) for word in order] == sorted(text.index(word) for word in order)
        clones = welcome.query_one("#clones")
        assert clones.get_row_at(0)[:4] == ["", "my-muse", "socioscheduler", "Apply the core migrations"]
        assert clones.get_row_at(1)[0] == "⚠" and clones.get_row_at(1)[3] == "folder is gone"
        # forgetting asks first; "keep it" changes nothing
        clones.focus()
        await pilot.press("down", "x")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the question")
        assert "Forget gone-muse?" in screen_text(app) and "nothing is deleted" in screen_text(app)
        await pilot.press("n")
        assert len(list_clones()) == 3
        await pilot.press("x")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: [x.entry.name for x in welcome.lists.to_finish] == ["my-muse"], "the new list")
        # a gone entry is never opened: it says so and how to forget it
        assert sorted(x.entry.name for x in list_clones()) == ["my-muse", "realty-one"]
        assert (env / "my-muse" / ".musekit" / "clone.json").is_file()  # forgetting deletes nothing
        # the button does the same, for the list focused last
        welcome.query_one("#muses").focus()
        await pilot.click("#forget")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the question")
        assert "Forget realty-one?" in screen_text(app) and "qwertyuiopasdfghjklz" in screen_text(app)
        await pilot.press("n")


async def test_a_finished_muse_opens_its_summary_and_run_log_with_no_connection(env, memory_keyring):
    seed_registry(env)
    append_run_log(env / "realty-one", NOW, "✓ Verify (lints, RLS, core purity): " + PASSED_NOTE)
    app = MuseKitApp(workdir=env, clock=lambda: NOW)  # no access token stored or set anywhere
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen") and "realty-one" in screen_text(app), "the lists")
        app.screen.query_one("#muses").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the summary")
        await wait_for(pilot, lambda: "Verification" in screen_text(app), "the summary drawn")
        text = screen_text(app)
        assert "Your Muse realty-one (finished 3 d ago)" in text
        assert "✓ Lints       0 ERROR · 0 WARN · 0 INFO" in text and "✓ Core purity untouched" in text
        assert "· Platform    1 WARN, 2 INFO (advice only)" in text
        assert app.connection.api is None and app.connection.sandbox is None  # nothing was contacted
        assert app.screen.query_one(FlowStepper).current == "done"
        await pilot.press("l")
        await wait_for(pilot, lambda: on(app, "RunLogScreen"), "the run log")
        await wait_for(pilot, lambda: "Events" in screen_text(app), "the run log drawn")
        assert "Fetch connection info" in screen_text(app)
        assert PASSED_NOTE in app.screen.query_one("#run-log-events").text
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the summary again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        # an unfinished clone's run log: its steps and its last error, from the journal alone
        app.screen.query_one("#clones").focus()
        await pilot.press("l")
        await wait_for(pilot, lambda: on(app, "RunLogScreen"), "the run log")
        assert "could not connect to the database: timeout" in static_text(app, "#run-log-error")
        assert "No events were kept" in app.screen.query_one("#run-log-events").text
    assert app.connection.api is None


# -- the whole flow on a machine without a keyring ------------------------------------------------------
async def test_no_keyring_the_password_waits_for_saved_and_a_lost_one_is_replaced(faultless, env, no_keyring):
    sandbox = faultless
    folder = env / "work" / "no-keyring"
    app = MuseKitApp(api_url=sandbox.url, workdir=env / "work")
    shown: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.screen_change_signal.subscribe(app, lambda screen: shown.append(type(screen).__name__))
        await connect(pilot, sandbox.token)
        await choose_muse(pilot, "socioscheduler")
        await create_project(pilot, "no-keyring")
        await wait_for(pilot, lambda: on(app, "NewPasswordScreen"), "the generated password")
        password = static_text(app, "#password")
        assert "No OS keyring" in static_text(app, "#password-where")
        await pilot.press("escape", "enter", "ctrl+q")  # none of these closes it, nor quits
        # provisioning goes on underneath, to the end, and the dialog stays until answered
        await wait_for(pilot, lambda: load_journal(folder).finished, "the clone to finish", timeout=180)
        await pilot.pause(0.3)
        assert on(app, "NewPasswordScreen") and app.return_code is None and app.clipboard == password
        assert await pilot.click("#saved")
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the done screen", timeout=60)
        await wait_for(pilot, lambda: "Your Muse is ready" in screen_text(app), "the done screen drawn")
        done_text = screen_text(app)
        assert "✓ Lints       0 ERROR · 0 WARN · 0 INFO" in done_text and "✓ Core purity untouched" in done_text
        # the run screen below is the run log: every stage, the verification with its results
        await pilot.press("l")
        await wait_for(pilot, lambda: on(app, "RunScreen"), "the run log")
        await pilot.press("3")
        await wait_for(pilot, lambda: "Verification passed" in screen_text(app), "the apply stage drawn")
        assert "✓ Lints       0 ERROR · 0 WARN · 0 INFO" in static_text(app, "#verify-summary")
        assert static_text(app, "#run-status") == "✓ Finished: your Muse is ready"
        await pilot.press("d")
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the summary again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "WelcomeScreen") and app.screen.lists.finished, "Your Muses")
    # Create went from the Project screen straight to the run screen: the start screen never showed between
    between = shown[shown.index("ProjectScreen") : shown.index("RunScreen")]
    assert "WelcomeScreen" not in between, shown
    assert "── a new clone" in run_log_path(folder).read_text()

    # later, with the password lost: the Muse opens with nothing; a new password needs only the token
    ref = load_journal(folder).project_ref
    again = MuseKitApp(api_url=sandbox.url, workdir=env / "work")
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(again, "WelcomeScreen") and again.screen.lists.finished, "Your Muses")
        again.screen.query_one("#muses").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(again, "DoneScreen"), "the summary")
        assert again.connection.api is None
        await pilot.press("p")
        await wait_for(pilot, lambda: on(again, "ConfirmScreen"), "the question")
        assert "old one stops working" in screen_text(again)
        await pilot.press("y")
        await wait_for(pilot, lambda: on(again, "ConnectScreen"), "the token prompt")  # no keyring, no env
        await fill(pilot, sandbox.token)
        await wait_for(pilot, lambda: not again.screen.query_one("#next").disabled, "the token check")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(again, "NewPasswordScreen"), "the new password", timeout=60)
        new_password = static_text(again, "#password")
        assert new_password != password and ref in static_text(again, ".dialog-title")
        assert await pilot.click("#saved")
        await wait_for(pilot, lambda: on(again, "DoneScreen"), "the summary")
        assert "has a new database password" in static_text(again, "#done-status")
        # checking it again needs the database: through a temporary login role, never a password prompt
        await pilot.press("k")
        await wait_for(pilot, lambda: "checked, nothing changed" in screen_text(again), "the check", timeout=120)
        assert not any(type(s).__name__ == "NewPasswordScreen" for s in again.screen_stack)

    new_url = project_db_url(sandbox.url, sandbox.token, ref, new_password)
    with psycopg.connect(new_url) as conn:
        assert conn.execute("select current_user").fetchone() == ("postgres",)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(project_db_url(sandbox.url, sandbox.token, ref, password)).close()
    assert_no_secret_in_files([folder, env / "data"], [sandbox.token, password, new_password])


# -- resuming: a status line from the first frame, the old failure not shown as a new one ------------------
async def test_a_resume_says_what_it_does_and_never_shows_the_old_failure(faultless, env, memory_keyring):
    sandbox = faultless
    sandbox.set_faults(slow_health=15.0)
    app = MuseKitApp(api_url=sandbox.url, workdir=env / "work")
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, sandbox.token)
        await choose_muse(pilot, "realtor")
        await create_project(pilot, "resume-status")
        await wait_for(pilot, lambda: on(app, "NewPasswordScreen"), "the generated password")
        await pilot.click("#saved")
        run = app.screen
        await wait_for(pilot, lambda: run.query_one("#stepper").statuses["healthy"] == "running", "provisioning")
        assert "Waiting until the project is healthy" in static_text(app, "#run-status") or (
            "Wait until the project is healthy" in static_text(app, "#run-status")
        )
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the quit question")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.return_code is not None, "the app to exit", timeout=30)
    folder = env / "work" / "resume-status"
    assert load_journal(folder).steps["healthy"].status == "failed"
    sandbox.finish_provisioning()  # the slow health served its purpose: the resume need not wait out the rest

    again = MuseKitApp(api_url=sandbox.url, workdir=env / "work")
    seen_status: set[str] = set()
    seen_healthy: set[str] = set()
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(again, "WelcomeScreen") and again.screen.lists.to_finish, "the list")
        again.screen.query_one("#clones").focus()
        await pilot.press("enter")  # the token is in the keyring: straight to the run
        await wait_for(pilot, lambda: on(again, "RunScreen"), "the run screen")

        def sample() -> bool:
            if on(again, "RunScreen"):
                seen_status.add(static_text(again, "#run-status"))
                seen_healthy.add(again.screen.query_one("#stepper").statuses["healthy"])
            return on(again, "DoneScreen")

        await wait_for(pilot, sample, "the done screen", timeout=180)
        await wait_for(pilot, lambda: "Your Muse is ready" in screen_text(again), "the done screen drawn")
    assert "failed" not in seen_healthy  # the earlier interruption is not shown as a failure of this run
    assert all(text.strip() for text in seen_status)  # never a silent wait
    log = run_log_path(folder).read_text()  # both runs, one after the other
    assert log.index("▶ Wait until the project is healthy") < log.index("── resumed")
    assert load_journal(folder).finished


# -- snapshots ----------------------------------------------------------------------------------------
@pytest.fixture
def steady(monkeypatch, tmp_path):
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    yield tmp_path
    keyring.set_keyring(previous)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_done_opened_from_your_muses(snap_compare, size, steady):
    from wizard.screens.done import DoneScreen

    j = finished_journal()
    j.steps["verify"] = StepRecord(status="done", note=PASSED_NOTE)
    j.steps["readme"] = StepRecord(status="done", finished_at=NOW - timedelta(days=3))
    assert snap_compare(
        make_app(), terminal_size=size, run_before=push(lambda: DoneScreen(FOLDER, j, muse_name="SocioScheduler"))
    )


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_run_log(snap_compare, size, steady):
    from wizard.screens.run_log import RunLogScreen

    j = journal(
        project_ref="qwertyuiopasdfghjklz",
        steps={
            **{s: StepRecord() for s in STEPS},
            **{s: StepRecord(status="done", attempts=1, finished_at=NOW - timedelta(hours=3)) for s in STEPS[:6]},
            "muse_migrations": StepRecord(status="failed", attempts=2),
        },
        last_error=ErrorRecord(step="muse_migrations", at=NOW, message="interrupted"),
    )
    j.steps["project"].note = "created project qwertyuiopasdfghjklz in eu-west-1"
    # a clone made from the command line: no events were kept (the Pilot tests show a log being read)
    assert snap_compare(make_app(), terminal_size=size, run_before=push(lambda: RunLogScreen(FOLDER, j)))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_new_password_without_keyring(snap_compare, size, steady):
    from wizard.screens.password import NewPasswordScreen

    assert snap_compare(make_app(), terminal_size=size, run_before=push(lambda: NewPasswordScreen(PASSWORD, False)))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_run_verify_failed_with_its_findings(snap_compare, size, steady):
    from wizard.screens.run import RunScreen

    async def feed(pilot) -> None:
        screen = pilot.app.screen
        for message in feed_events(screen, "failed"):  # all to one screen, which handles them in order
            screen.post_message(message)
        await pilot.pause()
        screen.post_message(CloneStopped("failed", "verify", FAILED_VERIFY))
        await settle(pilot)

    assert snap_compare(
        make_app(), terminal_size=size, run_before=push(lambda: RunScreen(HOME / "my-muse", autostart=False), feed)
    )
