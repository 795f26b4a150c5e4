"""Every screen of the wizard at 80x24 and 120x40 (pytest-textual-snapshot; `make snapshots-update`
regenerates the SVGs in tests/e2e/__snapshots__/). Deterministic: a fixed clock, no cursor blink, no
animation, real templates and real engine events with fixed values (no refs, ports or paths that
change between runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from textual.widgets import Input

from tests.support.keyrings import MemoryKeyring
from tests.support.pilot import fill
from wizard.api import HealthChanged
from wizard.app import Choices, MuseKitApp
from wizard.clone import STEPS, CloneEvent, CloneInputs, ConnectionRecord, ErrorRecord, Journal, StepRecord, registry
from wizard.messages import ApiNotice, CloneProgress, CloneStopped, ReadmeSection, RunPrepared
from wizard.muses import core_files, load_template

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOME = Path("/home/founder")
FOLDER = HOME / "my-muse"
REF = "qwertyuiopasdfghjklz"


@pytest.fixture(autouse=True)
def steady(monkeypatch, tmp_path):
    """No blinking cursors, an empty registry, an empty keyring, no secrets from the environment."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    yield
    keyring.set_keyring(previous)


def make_app(**kwargs) -> MuseKitApp:
    app = MuseKitApp(workdir=HOME, clock=lambda: NOW, ticks=lambda: 100.0, exit_after_first_paint=False, **kwargs)
    app.animation_level = "none"
    return app


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def push(screen_factory, then=None):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(screen_factory())
        await settle(pilot)
        if then is not None:
            await then(pilot)
            await settle(pilot)

    return run_before


def choices() -> Choices:
    return Choices(organization="acme", region="eu-west-1", muse_ref="socioscheduler", muse_name="SocioScheduler")


def journal(**changes) -> Journal:
    j = Journal(
        clone_id="0" * 32,
        created_at=NOW - timedelta(hours=3),
        updated_at=NOW - timedelta(hours=2),
        inputs=CloneInputs(
            muse="socioscheduler",
            name="my-muse",
            organization="acme",
            region="eu-west-1",
            api_url="https://api.supabase.com",
        ),
    )
    for key, value in changes.items():
        setattr(j, key, value)
    return j


def finished_journal() -> Journal:
    return journal(
        project_ref=REF,
        steps={s: StepRecord(status="done") for s in STEPS},
        connection=ConnectionRecord(
            host="aws-0-eu-west-1.pooler.supabase.com",
            port=5432,
            user=f"postgres.{REF}",
            dbname="postgres",
            transaction_port=6543,
        ),
    )


# -- Welcome --------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_welcome_empty(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_welcome_with_clones(snap_compare, size, tmp_path):
    def write(folder: Path, j: Journal) -> None:
        (folder / ".musekit").mkdir(parents=True)
        (folder / ".musekit" / "clone.json").write_text(j.model_dump_json())

    stuck = journal(
        clone_id="1" * 32,
        project_ref=REF,
        steps={
            **{s: StepRecord() for s in STEPS},
            **{s: StepRecord(status="done") for s in STEPS[:5]},
            "core_migrations": StepRecord(status="failed"),
        },
        last_error=ErrorRecord(
            step="core_migrations", at=NOW - timedelta(hours=2), message="could not connect to the database: timeout"
        ),
    )
    done = finished_journal().model_copy(update={"clone_id": "2" * 32, "updated_at": NOW - timedelta(days=3)})
    done.inputs = done.inputs.model_copy(update={"name": "realty-one", "muse": "realtor"})
    write(tmp_path / "my-muse", stuck)
    write(tmp_path / "realty-one", done)
    entries = [
        registry.RegistryEntry(
            clone_id=j.clone_id,
            folder=str(tmp_path / j.inputs.name),
            name=j.inputs.name,
            muse=j.inputs.muse,
            registered_at=j.created_at,
        )
        for j in (stuck, done)
    ]
    entries.append(
        registry.RegistryEntry(
            clone_id="3" * 32,
            folder="/nowhere/gone-muse",
            name="gone-muse",
            muse="socioscheduler",
            registered_at=NOW - timedelta(days=9),
        )
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "clones.json").write_bytes(registry._ENTRIES.dump_json(entries))
    assert snap_compare(make_app(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_welcome_sandbox_light_theme(snap_compare, size):
    async def light(pilot):
        pilot.app.theme = "textual-light"
        await settle(pilot)

    assert snap_compare(make_app(sandbox=True), terminal_size=size, run_before=light)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, size):
    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_help)


# -- Connect --------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_connect_empty(snap_compare, size):
    from wizard.screens.connect import ConnectScreen

    assert snap_compare(make_app(), terminal_size=size, run_before=push(lambda: ConnectScreen(sandbox=False)))


@pytest.mark.parametrize("size", SIZES)
def test_connect_refuses_a_project_key_as_typed(snap_compare, size):
    from wizard.screens.connect import ConnectScreen

    async def type_key(pilot):
        await pilot.press(*"eyJhbGciOiJIUzI1NiJ9")

    assert snap_compare(make_app(), terminal_size=size, run_before=push(lambda: ConnectScreen(sandbox=False), type_key))


# -- Muse -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_muse_preview_tables(snap_compare, size):
    from wizard.screens.muse import MuseScreen

    async def socioscheduler(pilot):
        await pilot.press("down")

    assert snap_compare(make_app(), terminal_size=size, run_before=push(MuseScreen, socioscheduler))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("tab", ["enums", "policies", "sql"])
def test_muse_preview_tabs(snap_compare, size, tab):
    from wizard.screens.muse import MuseScreen

    async def show(pilot):
        await pilot.press("down")
        await settle(pilot)
        pilot.app.screen.query_one("#preview-tabs").active = f"tab-{tab}"

    assert snap_compare(make_app(), terminal_size=size, run_before=push(MuseScreen, show))


@pytest.mark.parametrize("size", SIZES)
def test_scaffold_empty(snap_compare, size):
    from wizard.screens.scaffold import ScaffoldScreen

    assert snap_compare(
        make_app(), terminal_size=size, run_before=push(lambda: ScaffoldScreen(dest_root=HOME / "muse-templates"))
    )


@pytest.mark.parametrize("size", SIZES)
def test_scaffold_filled(snap_compare, size):
    from wizard.screens.scaffold import ScaffoldScreen

    async def fill_form(pilot):
        screen = pilot.app.screen
        for text in ("petsitter", "PetSitter"):
            await fill(pilot, text)
            await pilot.press("tab")
        await fill(pilot, "Pets a user looks after.")
        screen.enums.append({"name": "pet_size", "values": ["small", "medium", "large"]})
        screen.tables.append(
            {
                "name": "pets",
                "comment": "The pets a user looks after",
                "columns": [
                    {"name": "species", "type": "text", "nullable": False, "default": None},
                    {"name": "size", "type": "pet_size", "nullable": True, "default": "'medium'"},
                ],
            }
        )
        screen._refresh()

    assert snap_compare(
        make_app(),
        terminal_size=size,
        run_before=push(lambda: ScaffoldScreen(dest_root=HOME / "muse-templates"), fill_form),
    )


# -- Project --------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_project(snap_compare, size):
    from wizard.screens.project import ProjectScreen

    assert snap_compare(
        make_app(), terminal_size=size, run_before=push(lambda: ProjectScreen(choices(), workdir=HOME, sandbox=False))
    )


@pytest.mark.parametrize("size", SIZES)
def test_confirm_billable_project(snap_compare, size):
    from wizard.screens.confirm import ConfirmScreen

    assert snap_compare(
        make_app(),
        terminal_size=size,
        run_before=push(
            lambda: ConfirmScreen(
                "Create a billable Supabase project?",
                "Supabase will create project 'my-muse' in organization acme "
                "(eu-west-1). Projects are billable (see your organization's plan).",
                yes="Create",
                no="Not now",
            )
        ),
    )


@pytest.mark.parametrize("size", SIZES)
def test_new_password_shown_once(snap_compare, size):
    from wizard.screens.password import NewPasswordScreen

    assert snap_compare(
        make_app(), terminal_size=size, run_before=push(lambda: NewPasswordScreen("Example0nlyNotARealPassw0rd", True))
    )


# -- Run: the four stages, fed with the engine's own events ---------------------------------------
def _events_until(stage: str) -> list:
    template = load_template("socioscheduler")
    core, muse = core_files(), template.files
    ev: list = []

    def applying(step_name: str, f, i: int, total: int):
        return CloneProgress(CloneEvent("migration", step_name, f"applying {f.filename}", i, total, file=f.filename))

    def applied(step_name: str, f, i: int, total: int, seconds: float):
        return CloneProgress(
            CloneEvent(
                "migration",
                step_name,
                f"applied {f.filename} ({seconds:.2f} s)",
                i,
                total,
                file=f.filename,
                seconds=seconds,
            )
        )

    def step(name: str, note: str, index: int) -> None:
        ev.append(CloneProgress(CloneEvent("step_started", name, name, index, len(STEPS))))
        if note:
            ev.append(CloneProgress(CloneEvent("step_done", name, note, index, len(STEPS))))

    step("project", f"created project {REF} in eu-west-1", 2)
    ev.append(CloneProgress(CloneEvent("step_started", "healthy", "", 3, len(STEPS))))
    ev.append(ApiNotice(HealthChanged(REF, None, "project COMING_UP; db COMING_UP, pooler COMING_UP")))
    if stage == "provision":
        return ev
    ev.append(
        ApiNotice(
            HealthChanged(
                REF,
                "project COMING_UP; db COMING_UP, pooler COMING_UP",
                "project ACTIVE_HEALTHY; db ACTIVE_HEALTHY, pooler ACTIVE_HEALTHY",
            )
        )
    )
    ev.append(CloneProgress(CloneEvent("step_done", "healthy", "database and pooler are healthy", 3, 9)))
    step(
        "connection",
        "postgresql://postgres.qwertyuiopasdfghjklz@aws-0-eu-west-1.pooler.supabase.com:5432/"
        "postgres (session mode, for migrations)",
        4,
    )
    n = len(core)
    step("files", f"{n + len(muse)} migration files written to supabase/migrations", 5)
    step("core_migrations", "", 6)
    for i, f in enumerate(core[:3], 1):
        ev += [applying("core_migrations", f, i, n), applied("core_migrations", f, i, n, i / 10 + 0.02)]
    ev.append(applying("core_migrations", core[3], 4, n))
    if stage == "core":
        return ev
    ev.append(applied("core_migrations", core[3], 4, n, 0.05))
    for i, f in enumerate(core[4:], 5):
        ev += [applying("core_migrations", f, i, n), applied("core_migrations", f, i, n, 0.21 if i == 5 else 0.03)]
    ev.append(CloneProgress(CloneEvent("step_done", "core_migrations", f"{n} applied, 0 already applied", 6, 9)))
    step("muse_migrations", "3 applied under the core-purity guard", 7)
    for i, f in enumerate(muse, 1):
        ev.insert(-1, applying("muse_migrations", f, i, 3))
        ev.insert(-1, applied("muse_migrations", f, i, 3, i / 100))
    if stage == "apply-failed":
        ev.append(CloneProgress(CloneEvent("step_started", "verify", "", 8, 9)))
        ev.append(
            CloneProgress(
                CloneEvent(
                    "step_failed",
                    "verify",
                    "1 problem:\n  - public.post_queues: anon (not a member of anything) can read 2 rows",
                )
            )
        )
        ev.append(
            CloneStopped(
                "failed",
                "verify",
                "1 problem:\n  - public.post_queues: anon (not a member of anything) can read 2 rows",
            )
        )
        return ev
    step("verify", "no lint findings; RLS on every table; core untouched", 8)
    if stage == "apply":
        return ev
    ev.append(CloneProgress(CloneEvent("step_started", "readme", "", 9, 9)))
    return ev


def run_stage(stage: str):
    from wizard.screens.run import RunScreen

    async def feed(pilot):
        screen = pilot.app.screen
        template = load_template("socioscheduler")
        statuses = {s: "pending" for s in STEPS} | {"validate": "done"}
        screen.post_message(
            RunPrepared(
                "SocioScheduler",
                None,
                statuses,
                [f.path.name for f in core_files()],
                [f.path.name for f in template.files],
                False,
                False,
            )
        )
        await settle(pilot)
        messages = _events_until(stage)
        # each where the app delivers it, in order: a run of messages to one target is handled in order
        # anyway, so the pause (>= 20 ms each) comes only before the target changes
        for message, following in zip(messages, [*messages[1:], None], strict=True):
            (pilot.app if isinstance(message, ApiNotice) else screen).post_message(message)
            if following is None or isinstance(following, ApiNotice) != isinstance(message, ApiNotice):
                await pilot.pause()
        if stage == "readme":
            from wizard.readme import MuseSources, build_doc, render_table_list

            body = render_table_list(await build_doc(MuseSources.for_template(FOLDER, template)))
            screen.post_message(
                ReadmeSection(
                    "As it will be written (from the migration SQL; the README step reads the live catalog)", body
                )
            )

    return push(lambda: RunScreen(FOLDER, autostart=False), feed)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("stage", ["provision", "core", "apply", "apply-failed", "readme"])
def test_run_stages(snap_compare, size, stage):
    assert snap_compare(make_app(), terminal_size=size, run_before=run_stage(stage))


# -- Done -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_done(snap_compare, size):
    from wizard.screens.done import DoneScreen

    assert snap_compare(
        make_app(),
        terminal_size=size,
        run_before=push(lambda: DoneScreen(FOLDER, finished_journal(), muse_name="SocioScheduler")),
    )
