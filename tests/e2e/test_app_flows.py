"""The Textual wizard driven key by key (Pilot) against a real sandbox: real HTTP to the Management
API emulator, real projects on an embedded PostgreSQL 17, the real clone engine. The keyring is an
in-memory backend; the registry lives in a temporary data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.support.clone_helpers import assert_no_secret_in_files, history, project_db_url, projects_named
from tests.support.pilot import fill, on, screen_text, static_text, wait_for
from wizard.app import MuseKitApp
from wizard.clone import credentials, load_journal
from wizard.sandbox import Faults

SIZE = (120, 40)


@pytest.fixture
def vault(memory_keyring):
    return memory_keyring


@pytest.fixture
def env(tmp_path, monkeypatch, sandbox, vault):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    for name in ("SUPABASE_ACCESS_TOKEN", "MUSEKIT_DB_PASSWORD", "SUPABASE_API_URL", "MUSEKIT_FAILPOINT"):
        monkeypatch.delenv(name, raising=False)
    sandbox.set_faults(Faults())
    yield tmp_path
    sandbox.set_faults(Faults())


def new_app(sandbox, tmp_path: Path, **kwargs) -> MuseKitApp:
    return MuseKitApp(api_url=sandbox.url, workdir=tmp_path / "work", **kwargs)


# -- driving helpers (on, screen_text, static_text, wait_for: tests.support.pilot) ---------------------


async def connect(pilot, token: str, shots: list[str] | None = None) -> None:
    """Welcome → Connect (token typed) → Muse. `shots` collects the Connect screen as shown."""
    app = pilot.app
    await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
    await pilot.press("n")
    await wait_for(pilot, lambda: on(app, "ConnectScreen"), "the connect screen")
    await fill(pilot, token)
    await wait_for(pilot, lambda: not app.screen.query_one("#next").disabled, "organizations and regions")
    if shots is not None:
        shots.append(screen_text(app))
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: on(app, "MuseScreen"), "the Muse screen")


async def choose_muse(pilot, slug: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen.previewed is not None, "the first preview")
    options = app.screen.query_one("#templates")
    while options.get_option_at_index(options.highlighted).id != slug:
        await pilot.press("down")
    await wait_for(pilot, lambda: app.screen.previewed == slug, f"the preview of {slug}")
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, "ProjectScreen"), "the project screen")


async def create_project(pilot, name: str) -> None:
    app = pilot.app
    await fill(pilot, name)
    await wait_for(pilot, lambda: app.screen.checked_name == name, "the name check")
    assert "is free" in static_text(app, "#name-check")
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the confirmation")
    await pilot.press("y")


async def take_new_password(pilot) -> str:
    app = pilot.app
    await wait_for(pilot, lambda: on(app, "NewPasswordScreen"), "the generated password")
    password = static_text(app, "#password")
    await pilot.click("#saved")
    await wait_for(pilot, lambda: not on(app, "NewPasswordScreen"), "the password notice to close")
    return password


def muse_tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


# -- flows ------------------------------------------------------------------------------------------
async def test_new_clone_from_welcome_to_done(sandbox, env, vault):
    app = new_app(sandbox, env)
    shots: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, sandbox.token, shots)
        sql = app.screen.query_one("#pv-sql")
        await choose_muse(pilot, "socioscheduler")
        shots.append(screen_text(app))
        await create_project(pilot, "welcome-to-done")
        await wait_for(pilot, lambda: on(app, "NewPasswordScreen"), "the generated password")
        # the clone runs on behind the notice; finishing must not take the notice away unread
        folder = env / "work" / "welcome-to-done"
        await wait_for(pilot, lambda: load_journal(folder).finished, "the clone to finish", timeout=180)
        await pilot.pause(0.3)
        assert on(app, "NewPasswordScreen")
        password = await take_new_password(pilot)
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the done screen", timeout=180)
        await pilot.pause()
        done_text = screen_text(app)
        shots.append(done_text)
        # back at the start, the finished clone is listed; opening it only checks it
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "WelcomeScreen") and app.screen.listings, "the welcome screen")
        before = (folder / ".musekit" / "clone.json").read_bytes()
        app.screen.query_one("#muses").focus()  # finished Muses are listed apart from clones to finish
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the summary")  # from the journal: no connection
        await pilot.press("k")  # checking it again is what connects
        await wait_for(pilot, lambda: "checked, nothing changed" in screen_text(app), "the check drawn", timeout=120)
        assert app.screen.checked and "checked, nothing changed" in screen_text(app)
        assert (folder / ".musekit" / "clone.json").read_bytes() == before

    journal = load_journal(folder)
    assert journal.finished and journal.last_error is None
    ref = journal.project_ref
    assert [p["ref"] for p in projects_named(sandbox.url, sandbox.token, "welcome-to-done")] == [ref]
    # the password shown once is the project's, and it is in the keyring
    assert vault.values[(credentials.SERVICE, credentials.db_password_key(ref))] == password
    assert vault.values[(credentials.SERVICE, credentials.TOKEN_KEY)] == sandbox.token
    url = project_db_url(sandbox.url, sandbox.token, ref, password)
    assert {"brand_preferences", "post_queues", "alert_logs"} <= muse_tables(url)
    assert len(history(url)) == 9  # 6 core + 3 Muse files, each once
    readme = (folder / "README.md").read_text()
    assert "`brand_preferences`" in readme.split("<!-- musekit:tables:start -->")[1]
    # the Done screen: where things are, the connection without the password, next steps
    assert ref in done_text and str(folder) in done_text and f"supabase link --project-ref {ref}" in done_text
    assert "postgresql://" in done_text
    # secrets: the token is never rendered (masked), the password only in its one notice
    for text in shots:
        assert sandbox.token not in text and password not in text
    assert "•" * 20 in shots[0]
    assert_no_secret_in_files([folder, env / "data"], [sandbox.token, password])
    assert sql.language == "sql" and type(sql.document).__name__ == "SyntaxAwareDocument"


async def test_the_sql_preview_is_really_highlighted(sandbox, env):
    from textual.document._syntax_aware_document import SyntaxAwareDocument

    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, sandbox.token)
        await wait_for(pilot, lambda: app.screen.previewed is not None, "a preview")
        sql = app.screen.query_one("#pv-sql")
        assert sql.language == "sql" and sql.read_only
        assert isinstance(sql.document, SyntaxAwareDocument)
        assert "create table" in sql.text.lower()
        # tree-sitter found SQL keywords: some line of the text carries highlight spans
        assert any(sql._highlights[i] for i in range(sql.document.line_count))


async def test_resume_a_clone_that_stopped_after_the_core_migrations(sandbox, env, vault):
    folder = env / "work" / "resume-me"
    password = "ResumeTestPassw0rd77"
    child_env = {
        **os.environ,
        "SUPABASE_ACCESS_TOKEN": sandbox.token,
        "SUPABASE_API_URL": sandbox.url,
        "MUSEKIT_DB_PASSWORD": password,
        "MUSEKIT_FAILPOINT": "after:core_migrations",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "clone",
            "--muse",
            "socioscheduler",
            "--name",
            "resume-me",
            "--org",
            sandbox.organization_slug,
            "--dir",
            str(folder),
            "--yes",
        ],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert killed.returncode == -9, killed.stderr
    before = load_journal(folder)
    assert before.steps["core_migrations"].status == "done"
    assert before.steps["muse_migrations"].status == "pending"
    url = project_db_url(sandbox.url, sandbox.token, before.project_ref, password)
    core_history = history(url)
    assert len(core_history) == 6

    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        # the listing arrives from a worker; wait until its row is drawn, not only received
        await wait_for(pilot, lambda: on(app, "WelcomeScreen") and "resume-me" in screen_text(app), "the registry")
        welcome_text = screen_text(app)
        assert "resume-me" in welcome_text and "Apply the Muse migrations" in welcome_text
        app.screen.query_one("#clones").focus()
        await pilot.press("enter")
        # no token in the keyring or the environment: the wizard asks for it, then resumes
        await wait_for(pilot, lambda: on(app, "ConnectScreen"), "the token prompt")
        await fill(pilot, sandbox.token)
        await wait_for(pilot, lambda: not app.screen.query_one("#next").disabled, "the token check")
        await pilot.press("ctrl+n")
        # the database password is not needed: after create, the engine connects with temporary login roles
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the done screen", timeout=120)
        await pilot.pause()

    after = load_journal(folder)
    assert after.finished and after.project_ref == before.project_ref
    assert after.steps["core_migrations"].attempts == 1  # not run again
    rows = history(url)
    assert rows[:6] == core_history and len(rows) == 9
    assert {"brand_preferences", "post_queues", "alert_logs"} <= muse_tables(url)


async def test_scaffold_a_muse_and_apply_it(sandbox, env, vault):
    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, sandbox.token)
        await pilot.press("s")
        await wait_for(pilot, lambda: on(app, "ScaffoldScreen"), "the scaffold screen")
        screen = app.screen
        await fill(pilot, "petsitter")
        await pilot.press("tab")
        await fill(pilot, "PetSitter")
        # inline validation: what is still missing is listed, by field
        await wait_for(pilot, lambda: any(p.field == "description" for p in screen.problems), "problems")
        assert "description" in static_text(app, "#sc-problems")
        await pilot.press("tab")
        await fill(pilot, "Pet sitting: the pets a user looks after.")
        screen.query_one("#sc-tables").focus()
        await pilot.press("t")
        await wait_for(pilot, lambda: on(app, "TableDialog"), "the table dialog")
        await fill(pilot, "pets")
        await pilot.press("tab")
        await fill(pilot, "The pets a user looks after")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, "the table")
        await pilot.press("e")
        await wait_for(pilot, lambda: on(app, "EnumDialog"), "the enum dialog")
        await fill(pilot, "pet_size")
        await pilot.press("tab")
        await fill(pilot, "small, medium, large")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, "the enum")
        screen.query_one("#sc-tables").focus()
        for column, kind, nullable in (("species", "text", False), ("size", "pet_size", True)):
            await pilot.press("a")
            await wait_for(pilot, lambda: on(app, "ColumnDialog"), "the column dialog")
            await fill(pilot, column)
            app.screen.query_one("#column-type").value = kind
            if not nullable:
                app.screen.query_one("#column-nullable").value = False
            app.screen.query_one("#column-name").focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is screen, "the column")
        await wait_for(
            pilot,
            lambda: not screen.problems and "create table public.pets" in screen.query_one("#sc-sql").text,
            "the generated SQL",
        )
        assert "✓ none" in static_text(app, "#sc-problems")
        sql_text = screen.query_one("#sc-sql").text
        assert "create type public.pet_size as enum ('small', 'medium', 'large')" in sql_text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: on(app, "ProjectScreen"), "the project screen")
        assert "PetSitter" in static_text(app, "#summary")
        await create_project(pilot, "pets-muse")
        password = await take_new_password(pilot)
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the done screen", timeout=120)
        await pilot.pause()

    template = env / "data" / "muses" / "petsitter"  # the user template folder
    assert (template / "muse.toml").is_file()
    journal = load_journal(env / "work" / "pets-muse")
    assert journal.finished and journal.inputs.muse == str(template)
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, password)
    with psycopg.connect(url) as conn:
        columns = dict(
            conn.execute(
                "select column_name, udt_name from information_schema.columns "
                "where table_schema = 'public' and table_name = 'pets'"
            ).fetchall()
        )
        rls = conn.execute("select relrowsecurity from pg_class where oid = 'public.pets'::regclass").fetchone()[0]
    assert columns["species"] == "text" and columns["size"] == "pet_size" and "user_id" in columns
    assert rls is True


async def test_a_rejected_token_is_shown_and_a_good_one_recovers(sandbox, env):
    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        await pilot.press("n")
        await wait_for(pilot, lambda: on(app, "ConnectScreen"), "the connect screen")
        screen = app.screen
        token = screen.query_one("#token")
        # the client's own rules, as typed, without asking the API
        await pilot.press(*"eyJhbGciOi")
        assert "project JWT" in static_text(app, "#token-check")
        token.value = ""
        # well formed, but not a token Supabase knows: 401, shown with what to do
        await fill(pilot, "sbp_" + "0" * 40)
        await wait_for(pilot, lambda: screen.query_one("#error").display, "the error")
        error = static_text(app, "#error")
        assert "rejected the access token" in error and "HTTP 401" in error
        assert screen.query_one("#next").disabled
        await pilot.press("ctrl+n")
        assert on(app, "ConnectScreen")
        # retyping the token recovers; nothing else needs redoing
        token.value = ""
        await fill(pilot, sandbox.token)
        await wait_for(pilot, lambda: not screen.query_one("#next").disabled, "the organizations")
        assert not screen.query_one("#error").display
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, "MuseScreen"), "the Muse screen")


async def test_when_the_regions_endpoint_fails_every_region_is_offered(sandbox, env):
    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        await pilot.press("n")
        await wait_for(pilot, lambda: on(app, "ConnectScreen"), "the connect screen")
        screen = app.screen
        await fill(pilot, sandbox.token)
        await wait_for(pilot, lambda: not screen.query_one("#next").disabled, "organizations and regions")
        # the regions request now fails on every attempt (4 x HTTP 500): advice only, so not blocking
        sandbox.set_faults(error_burst=4)
        org = screen.query_one("#org")
        chosen = org.value
        org.clear()
        org.value = chosen
        await wait_for(pilot, lambda: screen.query_one("#error").display, "the error", timeout=60)
        assert "recommended regions" in static_text(app, "#error") and "HTTP 500" in static_text(app, "#error")
        region = screen.query_one("#region")
        assert region.value == "us-east-1" and len(region._options) >= 18
        assert not screen.query_one("#next").disabled
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, "MuseScreen"), "the Muse screen")
    assert app.choices.region == "us-east-1" and app.choices.organization == chosen


async def test_init_failed_is_shown_and_a_retry_recovers(sandbox, env, vault):
    sandbox.set_faults(init_failed=1)  # the next project created ends INIT_FAILED
    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, sandbox.token)
        await choose_muse(pilot, "realtor")
        await create_project(pilot, "phoenix")
        password = await take_new_password(pilot)
        run = app.screen
        await wait_for(pilot, lambda: run.failed and not run.running, "the failure")
        error = static_text(app, "#error")
        assert "Wait until the project is healthy failed" in error and "INIT_FAILED" in error
        assert "Press r to retry" in error
        assert run.query_one("#stepper").statuses["healthy"] == "failed"
        failed = load_journal(env / "work" / "phoenix")
        # the screen keeps answering, and a retry continues from the journal
        await pilot.press("r")
        await wait_for(pilot, lambda: on(app, "DoneScreen"), "the done screen", timeout=120)
        await pilot.pause()
    journal = load_journal(env / "work" / "phoenix")
    assert journal.finished and journal.abandoned_refs == failed.abandoned_refs and len(failed.abandoned_refs) == 1
    live = projects_named(sandbox.url, sandbox.token, "phoenix")
    assert [p["ref"] for p in live] == [journal.project_ref] and journal.project_ref not in failed.abandoned_refs
    # the same generated password (kept in the keyring) was used for the new project
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, password)
    assert "listings" in muse_tables(url)


async def test_quitting_during_a_step_asks_and_leaves_a_resumable_clone(sandbox, env, vault):
    # the new project stays COMING_UP for 15 s: time enough to use the UI while the step runs (even on a
    # busy machine); once the app has quit, it is made healthy so the resume need not wait out the rest
    sandbox.set_faults(slow_health=15.0)
    app = new_app(sandbox, env)
    async with app.run_test(size=SIZE) as pilot:
        await connect(pilot, sandbox.token)
        await choose_muse(pilot, "socioscheduler")
        await create_project(pilot, "quit-midway")
        await take_new_password(pilot)
        run = app.screen
        stepper = run.query_one("#stepper")
        await wait_for(pilot, lambda: stepper.statuses["healthy"] == "running", "provisioning")
        # the UI answers while the step runs: help opens and closes, the views switch
        await pilot.press("f1")
        assert on(app, "HelpScreen")
        await pilot.press("escape")
        assert app.screen is run
        await pilot.press("4")
        assert run.query_one("#stages").current == "readme"
        await pilot.press("1")
        assert run.query_one("#stages").current == "provision"
        # the switch is drawn on the next frame: wait for it rather than read the screen at once
        await wait_for(pilot, lambda: "COMING_UP" in screen_text(app), "the provision view drawn")
        assert "Project " in static_text(app, "#project-status") and "COMING_UP" in screen_text(app)
        assert run.running and stepper.statuses["healthy"] == "running"
        # stopping (escape) asks first; "no" keeps it running
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the stop question")
        await pilot.press("n")
        assert app.screen is run and run.running
        # quitting asks first; "no" keeps it running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the quit question")
        await pilot.press("n")
        assert app.screen is run and run.running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, "ConfirmScreen"), "the quit question")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.return_code is not None, "the app to exit", timeout=30)
    assert app.return_code == 130
    folder = env / "work" / "quit-midway"
    stopped = load_journal(folder)
    assert stopped.project_ref and stopped.last_error.message == "interrupted"
    assert stopped.steps["healthy"].status == "failed"
    sandbox.finish_provisioning()

    again = new_app(sandbox, env)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(again, "WelcomeScreen") and again.screen.listings, "the registry")
        await pilot.pause()
        assert "interrupted" in screen_text(again)  # the registry shows where it stopped
        again.screen.query_one("#clones").focus()
        await pilot.press("enter")  # the token is in the keyring: straight to the run
        await wait_for(pilot, lambda: on(again, "DoneScreen"), "the done screen", timeout=120)
        await pilot.pause()
    resumed = load_journal(folder)
    assert resumed.finished and resumed.project_ref == stopped.project_ref
    assert len(projects_named(sandbox.url, sandbox.token, "quit-midway")) == 1


async def test_sandbox_mode_starts_its_own_sandbox_and_stops_it(env, monkeypatch):

    app = MuseKitApp(sandbox=True, workdir=env / "work", sandbox_health_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: on(app, "WelcomeScreen"), "the welcome screen")
        assert "SANDBOX" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: on(app, "ConnectScreen"), "the connect screen")
        await pilot.press("f1")  # the sandbox starts in a thread: keys work meanwhile
        assert on(app, "HelpScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.screen.query_one("#next").disabled, "the sandbox", timeout=120)
        assert "Sandbox running" in static_text(app, "#sandbox-status")
        assert app.screen.query_one("#org").value == app.connection.sandbox.organization_slug
        handle = app.connection.sandbox
        assert handle is not None and handle.alive
        assert (env / "data" / "sandbox" / "state.json").is_file()
    app.connection.stop_sandbox()  # what `musekit --sandbox` does when the app ends
    assert not handle.alive and not handle.clusters.pids()


def test_exit_after_first_paint_reports_the_time_for_the_benchmark(tmp_path):
    """`make bench` runs `musekit --sandbox` with MUSEKIT_EXIT_AFTER_FIRST_PAINT=1 and reads the line."""
    import re

    env = {**os.environ, "MUSEKIT_EXIT_AFTER_FIRST_PAINT": "1", "MUSEKIT_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "wizard", "--sandbox"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r"first paint after (\d+) ms", result.stderr)
    assert found and int(found.group(1)) > 0
    assert "Launch a new Muse" in result.stderr  # it did paint the welcome screen (Textual draws on stderr)
    assert not (tmp_path / "data" / "sandbox").exists()  # the sandbox starts only when needed
