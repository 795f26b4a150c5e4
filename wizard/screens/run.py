"""The running clone: the nine steps on the left; on the right what is happening now (one status
line, so no wait is silent) above the stage the clone is in — provision, core migrations, apply +
verify, README — each fed by the engine's events. The engine appends every event to the clone's run log
(`.musekit/run.log`), which the Done screen and the Welcome list reopen; this screen hands it the API
client's events of the run to log beside its own.

The clone runs in this screen's worker (`Clone.open(...).run()`); the UI keeps answering keys. A
failed step shows the engine's message here with a retry, which re-opens the clone from its journal,
so nothing done is lost or done twice. Stopping (escape, or quitting) asks first, then cancels the
worker: the engine records the interruption and the clone stays resumable. When the clone is done the
Done screen opens above this one, so this screen is the run log of the run just made."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState

from wizard.clone import STEP_TITLES, STEPS
from wizard.messages import CloneFinished, CloneProgress, CloneStopped, ReadmeSection, RunPrepared
from wizard.screens.base import WizardScreen
from wizard.widgets import (
    ApplyVerifyView,
    CoreMigrationsView,
    ErrorPanel,
    FlowStepper,
    KeysFooter,
    ProvisionView,
    ReadmeView,
    Stepper,
    VerifyResults,
    apply_verify,
    core_migrations,
    error_text,
    plain,
    provision,
    readme_section,
)

if TYPE_CHECKING:
    from wizard.api import ApiEvent
    from wizard.clone import Clone, CloneEvent, Journal
    from wizard.muses import MuseTemplate

STAGES: dict[str, tuple[str, ...]] = {
    "provision": provision.STEPS,
    "core": core_migrations.STEPS,
    "apply": apply_verify.STEPS,
    "readme": readme_section.STEPS,
}
STAGE_OF = {step: stage for stage, steps in STAGES.items() for step in steps}
assert set(STAGE_OF) == set(STEPS), "every clone step belongs to one stage of the run screen"


class RunScreen(WizardScreen[None]):
    DEFAULT_CSS = """
    RunScreen #run-status {
        height: auto;
        padding: 1 0 0 0;
        color: $text-warning;
    }

    RunScreen #run-status.done {
        color: $text-success;
    }

    RunScreen #run-status.failed {
        color: $text-error;
    }
    """
    BINDINGS = [
        Binding("escape", "stop", "Stop / back"),
        Binding("r", "retry", "Retry"),
        Binding("1", "stage('provision')", "Provision"),
        Binding("2", "stage('core')", "Core"),
        Binding("3", "stage('apply')", "Apply+verify"),
        Binding("4", "stage('readme')", "README"),
        Binding("d", "summary", "Summary"),
    ]

    def __init__(
        self, folder: Path, *, clone: Clone | None = None, db_password: str | None = None, autostart: bool = True
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        self._clone = clone  # a clone just started (holding its folder's lock): the first run uses it
        self._clone_in_run: Clone | None = None  # the clone the worker runs now: it logs the API's events
        self._db_password = db_password
        self.autostart = autostart
        self.worker: Worker[None] | None = None
        self.failed = False
        self.muse_name = ""
        self._finished: CloneFinished | None = None
        self.finished_journal: Journal | None = None  # once the run ended well: what the Done screen shows

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowStepper("run", id="flow")
        with Horizontal(id="run", classes="page"):
            with Vertical(id="run-steps"):
                yield Static(plain(self.folder.name), id="run-title", classes="title")
                yield Stepper(id="stepper")
                yield ProgressBar(total=len(STEPS), show_eta=False, id="overall")
            with Vertical(id="run-main"):
                yield Static("Opening the clone…", id="run-status", classes="activity")
                with ContentSwitcher(initial="provision", id="stages"):
                    yield ProvisionView(id="provision", ticks=self.host.ticks)
                    yield CoreMigrationsView(id="core")
                    yield ApplyVerifyView(id="apply")
                    yield ReadmeView(id="readme")
                yield ErrorPanel(id="error")
        yield KeysFooter()

    def on_mount(self) -> None:
        if self.autostart:
            self.start()

    def on_unmount(self) -> None:
        if self._clone is not None:  # started but never run: let go of its folder
            self._clone.close()

    # -- the worker ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def start(self) -> None:
        self.failed = False
        self.finished_journal = None
        self.query_one(ErrorPanel).clear()
        self.worker = self._run()
        self.refresh_bindings()

    def activity(self, text: str, state: Literal["busy", "done", "failed"] = "busy") -> None:
        """The status line: what is happening now (`busy`), or how the run ended (`done`, `failed`)."""
        status = self.query_one("#run-status", Static)
        mark = {"busy": "▶", "done": "✓", "failed": "✗"}[state]
        status.update(plain(f"{mark} {text}"))
        status.set_classes(f"activity {state}")

    async def stop(self) -> None:
        """Cancel the run and wait until the engine has recorded where it stopped."""
        worker = self.worker
        if worker is None or not self.running:
            return
        worker.cancel()
        try:
            await worker.wait()
        except Exception:  # WorkerCancelled / WorkerFailed: the outcome is what we asked for
            pass

    @work(exclusive=True, group="clone", exit_on_error=False)
    async def _run(self) -> None:
        from wizard.clone import Clone, CloneError, load_journal

        step: str | None = None
        try:
            if self._clone is not None:
                clone, self._clone = self._clone, None
            else:
                self.activity("Reading the clone's journal…")
                journal = load_journal(self.folder)
                step = journal.current_step
                self.activity(
                    "Starting the local sandbox…" if journal.inputs.sandbox else "Connecting to the Management API…"
                )
                api = await self.host.api_for(journal)
                clone = Clone.open(
                    self.folder,
                    api,
                    store=self.host.store,
                    db_password=self._db_password,
                    **self.host.clone_callbacks(),
                )
            step = clone.journal.current_step
            self._prepared(clone)
            already_finished = clone.journal.finished
            self._opening_activity(clone.journal)
            self._clone_in_run = clone
            try:
                journal = await clone.run()
            finally:
                self._clone_in_run = None
        except CloneError as exc:
            self.post_message(CloneStopped("failed", exc.step, exc.message))
        except asyncio.CancelledError:
            self.post_message(CloneStopped("interrupted", step, "stopped on request"))
            raise
        except Exception as exc:
            self.post_message(CloneStopped("failed", step, error_text(exc)))
        else:
            self.post_message(CloneFinished(journal, checked=already_finished))

    def _prepared(self, clone: Clone) -> None:
        from wizard.muses import core_files

        j = clone.journal
        template = clone.template
        self.post_message(
            RunPrepared(
                template.name,
                j.project_ref,
                {s: r.status for s, r in j.steps.items()},
                [f.path.name for f in core_files()],
                [f.path.name for f in template.files],
                j.steps["core_migrations"].status == "done",
                j.steps["muse_migrations"].status == "done",
            )
        )
        if j.steps["verify"].status == "done":
            self.query_one(ApplyVerifyView).show_results(VerifyResults.from_journal(j))
        self._readme_section(clone.template, written=j.steps["readme"].status == "done")

    def _opening_activity(self, j: Journal) -> None:
        """What the engine does before its first event: on a resume, where the last run stopped, and the
        look at the project (and the database address) that comes first."""
        doing = (
            "checking the project and its database address…"
            if j.steps["connection"].status == "done"
            else "starting the next step…"
        )
        if j.last_error is not None and not j.finished:
            title = STEP_TITLES.get(j.last_error.step, j.last_error.step)
            self.activity(
                f"Continuing after '{title}' stopped ({(j.last_error.message.splitlines() or ['?'])[0]}): {doing}"
            )
        elif j.steps["connection"].status == "done":
            self.activity(doing[0].upper() + doing[1:])

    @work(group="readme", exit_on_error=False)
    async def _readme_section(self, template: MuseTemplate | None, written: bool) -> None:
        from wizard.readme import MuseSources, build_doc, find_block, render_table_list

        try:
            if written:
                path = self.folder / "README.md"
                text = path.read_text(encoding="utf-8")
                span = find_block(text, path)
                if span is not None:
                    self.post_message(ReadmeSection(f"As written in {path}", text[span[0] : span[1]]))
                    return
            if template is None:
                self.post_message(ReadmeSection("README.md has no table list block", ""))
                return
            sources = MuseSources.for_template(self.folder, template)
            body = render_table_list(await build_doc(sources))
            self.post_message(
                ReadmeSection(
                    "As it will be written (from the migration SQL; the README step reads the live catalog)", body
                )
            )
        except Exception as exc:  # ReadmeError, OSError, ...: the section is only shown, never fatal
            self.post_message(ReadmeSection("The table list could not be built", error_text(exc)))

    # -- showing progress ---------------------------------------------------------------------------
    @on(RunPrepared)
    def _show_prepared(self, message: RunPrepared) -> None:
        self.muse_name = message.muse_name
        self.query_one("#run-title", Static).update(plain(f"{self.folder.name} ({message.muse_name})"))
        stepper = self.query_one(Stepper)
        for step, status in message.statuses.items():
            # a step that failed or was cut off last time is to do again, not failed now
            stepper.set_status(step, "done" if status == "done" else "pending")
        self.query_one("#overall", ProgressBar).update(progress=stepper.done_count)
        if message.project_ref:
            self.query_one(ProvisionView).show_project(message.project_ref)
        self.query_one(CoreMigrationsView).set_files(message.core_files, message.core_done)
        self.query_one(ApplyVerifyView).set_files(message.muse_files, message.muse_done)
        current = next((s for s in STEPS if message.statuses[s] != "done"), None)
        if current:
            self.action_stage(STAGE_OF[current])

    @on(CloneProgress)
    def _progress(self, message: CloneProgress) -> None:
        message.stop()
        ev = message.event
        self._show_activity(ev)
        stepper = self.query_one(Stepper)
        if ev.kind in ("step_started", "step_done", "step_failed") and ev.step:
            stepper.set_status(
                ev.step, {"step_started": "running", "step_done": "done", "step_failed": "failed"}[ev.kind]
            )
            self.query_one("#overall", ProgressBar).update(progress=stepper.done_count)
        if ev.kind == "step_started" and ev.step:
            self.action_stage(STAGE_OF[ev.step])
        stage = STAGE_OF.get(ev.step or "", self.query_one(ContentSwitcher).current or "provision")
        if stage == "provision":
            self.query_one(ProvisionView).clone_event(ev)
        elif stage == "core":
            self.query_one(CoreMigrationsView).clone_event(ev)
        elif stage == "apply":
            self.query_one(ApplyVerifyView).clone_event(ev)
        else:
            self.query_one(ReadmeView).clone_event(ev)
            if ev.kind == "step_done" and ev.step == "readme":
                self._readme_section(None, written=True)

    def _show_activity(self, ev: CloneEvent) -> None:
        if ev.kind == "step_started" and ev.step:
            self.activity(f"{STEP_TITLES.get(ev.step, ev.step)}…")
        elif ev.kind in ("log", "migration") and ev.message:
            self.activity(ev.message)

    def api_event(self, ev: ApiEvent) -> None:
        """What the Management API client reported (the app hands every event here)."""
        from wizard.api import HealthChanged

        if self._clone_in_run is not None:
            self._clone_in_run.api_event(ev)
        if isinstance(ev, HealthChanged):
            self.activity(f"Waiting until the project is healthy: {ev.new}")
            self.query_one(ProvisionView).health_changed(ev.ref, ev.new, str(ev))
        else:
            self.query_one(ProvisionView).log_line(str(ev))

    @on(ReadmeSection)
    def _readme_ready(self, message: ReadmeSection) -> None:
        self.query_one(ReadmeView).show_section(message.caption, message.text)

    @on(CloneStopped)
    def _stopped(self, message: CloneStopped) -> None:
        self.failed = True
        title = STEP_TITLES.get(message.step or "", "The clone")
        self.activity(f"Stopped during: {title}" if message.reason == "interrupted" else f"{title} failed", "failed")
        if message.reason == "interrupted":
            self.query_one(ErrorPanel).show_error(
                f"Stopped during: {title}",
                "Nothing is lost; the journal records where it stopped.",
                f"Press r to continue, or escape for the start screen (resume it there, or with "
                f"`musekit resume {self.folder}`).",
            )
        else:
            self.query_one(ErrorPanel).show_error(
                f"{title} failed",
                _failure_text(message, self.query_one(ApplyVerifyView).results),
                f"Press r to retry from this step (nothing done is lost), or escape to leave it resumable "
                f"(`musekit resume {self.folder}`).",
            )
        self.refresh_bindings()

    @on(CloneFinished)
    def _finished_run(self, message: CloneFinished) -> None:
        self._finished = message
        self.finished_journal = message.journal
        self.activity("Checked: nothing changed" if message.checked else "Finished: your Muse is ready", "done")
        self.refresh_bindings()
        if self.app.screen is self:  # not under a modal (the password notice, help): that would be replaced
            self._show_done()

    def on_screen_resume(self) -> None:
        if self._finished is not None and self.app.screen is self:
            self._show_done()

    def _show_done(self) -> None:
        from wizard.screens.done import DoneScreen

        finished, self._finished = self._finished, None
        if finished is None:
            return
        self.app.push_screen(
            DoneScreen(
                self.folder, finished.journal, muse_name=self.muse_name, checked=finished.checked, from_run=True
            ),
            self._after_done,
        )

    def _after_done(self, action: str | None) -> None:
        """The Done screen above closed: for the run log (this screen), or to check the clone again."""
        if action == "check" and not self.running:
            self.start()

    # -- actions ------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return not self.running and self.failed
        if action == "summary":
            return self.finished_journal is not None and not self.running
        return True

    def action_summary(self) -> None:
        """Back to the Done screen of the run that just ended (this screen is its run log)."""
        from wizard.screens.done import DoneScreen

        if self.finished_journal is not None and not self.running:
            self.app.push_screen(
                DoneScreen(self.folder, self.finished_journal, muse_name=self.muse_name, from_run=True),
                self._after_done,
            )

    def action_retry(self) -> None:
        if not self.running and self.failed:
            self.start()

    def action_stage(self, stage: str) -> None:
        self.query_one(ContentSwitcher).current = stage

    def action_stop(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        if not self.running:
            self.app.run_worker(self.host.go_home())
            return

        async def stop_and_go_home() -> None:
            await self.stop()
            await self.host.go_home()

        def answer(stop: bool | None) -> None:
            if stop:
                self.app.run_worker(stop_and_go_home())

        self.app.push_screen(
            ConfirmScreen(
                "Stop the clone?",
                f"It stops after recording where it was: nothing is lost. Resume it from the start screen, or "
                f"with `musekit resume {self.folder}`.",
                yes="Stop",
                no="Keep running",
            ),
            answer,
        )


def _failure_text(message: CloneStopped, found: VerifyResults) -> str:
    """The engine's message; for the verify step's findings (`found`, as the verify view shows them), a
    pointer to their list (shown above, by group)."""
    if message.step == "verify":
        if found.state == "failed":
            many = found.problem_count != 1
            return (
                f"{found.problem_count} problem{'s' if many else ''} found: {'each is' if many else 'it is'} listed "
                "under Verification above (and in the run log)."
            )
    return message.message
