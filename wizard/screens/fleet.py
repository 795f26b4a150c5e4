"""Your Muses: the portfolio (`musekit fleet`) in the wizard. The status table fills in as each Muse is
checked (read-only); Muses are selected with space (`a`: all); `u` plans their upgrade (read-only, shown
as a preview), enter rolls it out after asking (canary first, per-Muse progress, the final report); `d`
compares the schemas of exactly two selected Muses. The engine (wizard.fleet, wizard.diff) runs in this
screen's workers and reports through messages; an interrupted roll-out stays journaled and `R` finishes
it, as `musekit fleet upgrade --resume` does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable, Header, LoadingIndicator, Static
from textual.worker import Worker, WorkerState

from wizard.messages import (
    FleetChecked,
    FleetListed,
    FleetPlanned,
    FleetRowChecked,
    RolloutFinished,
    RolloutLine,
    RolloutStarted,
    SchemaDiffReady,
)
from wizard.screens.base import WizardScreen
from wizard.settings import DEFAULT_FLEET_CONCURRENCY
from wizard.widgets import (
    FleetPlanView,
    FleetRolloutView,
    FleetTable,
    KeysFooter,
    SchemaDiffView,
    error_text,
    plain,
    status_detail,
)

if TYPE_CHECKING:
    from wizard.fleet import FleetMuse, MusePlan, MuseStatus, Rollout, UpgradeAccess
    from wizard.migrations import MigrationFile

View = Literal["fleet-status", "fleet-plan", "fleet-rollout", "fleet-diff"]
CANARY = 1  # as `musekit fleet upgrade`: one Muse upgraded and verified before the others
ACCESS_CLOSE_S = 5.0  # removing the login roles may not hold the screen up longer (they expire anyway)


class FleetScreen(WizardScreen[None]):
    DEFAULT_CSS = """
    FleetScreen #fleet-title {
        padding: 0;
    }

    FleetScreen #fleet-activity {
        height: auto;
        max-height: 2;
    }

    FleetScreen #fleet-busy {
        width: 4;
        height: 1;
        min-height: 1;
    }

    FleetScreen #fleet-line {
        width: 1fr;
        color: $text-warning;
    }

    FleetScreen #fleet-line.done {
        color: $text-muted;
    }

    FleetScreen #fleet-line.failed {
        color: $text-error;
    }

    FleetScreen #fleet-views {
        height: 1fr;
        padding: 1 0 0 0;
    }

    FleetScreen #fleet-detail {
        height: auto;
        max-height: 7;
        color: $text-muted;
        padding: 1 0 0 0;
    }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("u", "upgrade", "Upgrade"),
        Binding("d", "diff", "Diff two"),
        Binding("r", "refresh", "Refresh"),
        Binding("R", "resume", "Resume roll-out"),
        Binding("enter", "roll_out", "Roll out"),
    ]

    def __init__(self, *, core_dir: str | Path | None = None, concurrency: int = DEFAULT_FLEET_CONCURRENCY) -> None:
        """`core_dir`: the core to roll out (default: this musekit's), as `musekit fleet --core-dir`."""
        super().__init__()
        self.core_dir = str(Path(core_dir).resolve()) if core_dir is not None else None
        self.concurrency = max(1, concurrency)
        self.muses: dict[str, FleetMuse] = {}
        self.unfinished: Rollout | None = None
        self.summary = ""
        self.rollout_worker: Worker[None] | None = None
        self.plan_worker: Worker[None] | None = None
        self.access: UpgradeAccess | None = None  # the plan's clients and login roles, for its roll-out
        self.plan_core: tuple[MigrationFile, ...] = ()  # the core the shown plan compared with

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="fleet", classes="page"):
            yield Static("Your Muses", id="fleet-title", classes="title")
            with Horizontal(id="fleet-activity"):
                yield LoadingIndicator(id="fleet-busy")
                yield Static("", id="fleet-line")
            with ContentSwitcher(initial="fleet-status", id="fleet-views"):
                with Vertical(id="fleet-status"):
                    yield FleetTable(id="fleet-table")
                    yield Static("", id="fleet-detail")
                yield FleetPlanView(id="fleet-plan")
                yield FleetRolloutView(id="fleet-rollout")
                yield SchemaDiffView(id="fleet-diff")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.action_refresh()

    async def on_unmount(self) -> None:
        await self.drop_access()

    # -- what is shown ---------------------------------------------------------------------------------
    @property
    def view(self) -> str:
        return self.query_one(ContentSwitcher).current or "fleet-status"

    def show_view(self, view: View) -> None:
        self.query_one(ContentSwitcher).current = view
        self.query_one(f"#{'fleet-table' if view == 'fleet-status' else view}").focus()
        self.refresh_bindings()

    def activity(self, text: str, state: Literal["busy", "done", "failed"] = "busy") -> None:
        """The line under the title: what runs now (with the loading indicator), or how it ended."""
        self.query_one("#fleet-busy", LoadingIndicator).display = state == "busy"
        line = self.query_one("#fleet-line", Static)
        line.update(plain(text))
        line.set_classes(state)

    @property
    def rolling(self) -> bool:
        return _running(self.rollout_worker)

    @property
    def planning(self) -> bool:
        return _running(self.plan_worker)

    # -- status -----------------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.activity("Reading your Muses…")
        self._check()

    @work(exclusive=True, group="fleet-status", exit_on_error=False)
    async def _check(self) -> None:
        from wizard.fleet import core_for, fleet_status, management_apis, portfolio

        try:
            muses = await asyncio.to_thread(portfolio)
            unfinished = await asyncio.to_thread(self._unfinished)
            core = await asyncio.to_thread(core_for, self.core_dir)
            self.post_message(FleetListed(muses, unfinished))

            def checked(row: MuseStatus) -> None:
                self.post_message(FleetRowChecked(row.clone_id, row))

            async with management_apis(muses, self.host.store, interactive=False) as apis:
                await fleet_status(
                    muses,
                    apis,
                    core,
                    concurrency=self.concurrency,
                    on_done=checked,
                )
        except Exception as exc:
            self.post_message(FleetChecked(error_text(exc)))
        else:
            self.post_message(FleetChecked(None))

    def _unfinished(self) -> Rollout | None:
        from wizard.fleet import RolloutError, unfinished_rollout

        try:
            return unfinished_rollout()
        except RolloutError as exc:
            self.notify(str(exc), severity="error", markup=False, timeout=15)
            return None

    @on(FleetListed)
    def _listed(self, message: FleetListed) -> None:
        self.muses = {m.clone_id: m for m in message.muses}
        self.unfinished = message.unfinished
        self.query_one(FleetTable).set_order(list(self.muses))
        self.query_one("#fleet-detail", Static).update("")
        count = len(self.muses)
        if count:
            self.activity(f"checking {count} Muse{'s' if count != 1 else ''}…")
        self.refresh_bindings()

    @on(FleetRowChecked)
    def _row_checked(self, message: FleetRowChecked) -> None:
        table = self.query_one(FleetTable)
        table.add_status(message.clone_id, message.status)
        if len(table.statuses) < len(self.muses):
            self.activity(f"checking {len(self.muses)} Muses… {len(table.statuses)} done")
        self._show_detail()

    @on(FleetChecked)
    def _checked(self, message: FleetChecked) -> None:
        if message.problem is not None:
            self.activity(f"✗ The Muses could not be checked: {message.problem}", "failed")
            return
        self.summary = status_summary(list(self.query_one(FleetTable).statuses.values()), self.unfinished)
        self._show_summary()

    def _show_summary(self) -> None:
        if not self.muses:
            self.activity("No Muses yet: each clone you make is listed here.", "done")
            return
        chosen = len(self.query_one(FleetTable).selected)
        self.activity(f"{self.summary} · {chosen} selected" if chosen else self.summary, "done")

    @on(FleetTable.SelectionChanged)
    def _selection_changed(self) -> None:
        if self.summary and not self.query_one("#fleet-busy").display:
            self._show_summary()

    @on(DataTable.RowHighlighted, "#fleet-table")
    def _show_detail(self) -> None:
        table = self.query_one(FleetTable)
        key = table.current
        status = table.statuses.get(key) if key is not None else None
        self.query_one("#fleet-detail", Static).update(plain(status_detail(status)) if status else "")

    # -- upgrade: the plan, then the roll-out ------------------------------------------------------------
    def action_upgrade(self) -> None:
        chosen = self.query_one(FleetTable).selected
        if not chosen:
            self.notify("Select the Muses to upgrade first: space selects the one under the cursor, a selects all.")
            return
        muses = [self.muses[k] for k in chosen]
        self.query_one(FleetPlanView).looking(len(muses), self.core_label)
        self.show_view("fleet-plan")
        self.activity(f"Planning the upgrade of {len(muses)} Muse(s): read-only, nothing changes yet…")
        self.plan_worker = self._plan(muses)

    @property
    def core_label(self) -> str:
        return self.core_dir or "the one shipped with this musekit"

    @work(exclusive=True, group="fleet-plan", exit_on_error=False)
    async def _plan(self, muses: list[FleetMuse]) -> None:
        from wizard.fleet import UpgradeAccess, core_for, plan_fleet

        await self.drop_access()  # an earlier plan's
        access: UpgradeAccess | None = None
        try:
            core = await asyncio.to_thread(core_for, self.core_dir)
            access = self.access = await UpgradeAccess.open(muses, self.host.store, interactive=False)
            plans = await plan_fleet(muses, access.apis, core, concurrency=self.concurrency, logins=access.logins)
        except asyncio.CancelledError:
            await self.drop_access(access)
            raise
        except Exception as exc:
            await self.drop_access(access)
            self.post_message(FleetPlanned([], error_text(exc)))
        else:
            self.post_message(FleetPlanned(plans, None, tuple(core)))

    async def drop_access(self, access: UpgradeAccess | None = None) -> None:
        """Remove the login roles of `access` (default: the current plan's), best effort and within a few
        seconds: they expire on their own."""
        if access is None or access is self.access:
            access, self.access = self.access, None
        await _close(access)

    @on(FleetPlanned)
    def _planned(self, message: FleetPlanned) -> None:
        view = self.query_one(FleetPlanView)
        if message.problem is not None:
            view.show_problem(message.problem)
            self.activity(f"✗ The upgrade could not be planned: {message.problem}", "failed")
        else:
            self.plan_core = message.core
            view.show(message.plans, self.core_label)
            self.activity(
                "The plan: nothing has changed yet." if view.needed else "Nothing to upgrade in this selection.",
                "done",
            )
        self.refresh_bindings()

    def action_roll_out(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        plans = self.query_one(FleetPlanView).needed
        if self.view != "fleet-plan" or not plans or self.planning or self.rolling:
            return
        everything = self.query_one(FleetPlanView).plans

        def answer(yes: bool | None) -> None:
            if yes:
                self._start_rollout(everything)

        self.app.push_screen(
            ConfirmScreen(
                f"Upgrade {len(plans)} Muse{'s' if len(plans) != 1 else ''}?", confirm_text(plans), yes="Roll out"
            ),
            answer,
        )

    def _start_rollout(self, plans: Sequence[MusePlan]) -> None:
        from wizard.fleet import new_rollout

        rollout = new_rollout(plans, self.plan_core, core_dir=self.core_dir, canary=CANARY, keep_going=False)
        access, self.access = self.access, None  # the plan's login roles serve its roll-out
        self._run_rollout(rollout, access, core_dir=self.core_dir)

    def action_resume(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        rollout = self.unfinished
        if rollout is None or self.rolling:
            return

        def answer(yes: bool | None) -> None:
            if yes and self.unfinished is rollout and not self.rolling:
                self.unfinished = None
                self._run_rollout(rollout, None, core_dir=rollout.core_dir)

        if rollout.core_dir is None or rollout.core_dir == self.core_dir:
            answer(True)
            return
        # a journal alone never chooses which SQL runs: the founder names the folder by confirming it
        self.app.push_screen(
            ConfirmScreen(
                f"Resume roll-out {rollout.id}?",
                f"It applies the core migrations in {rollout.core_dir}, not the core of this musekit. Resume it "
                f"only if you started it from that folder: its files must still be the ones its plan saw.",
                yes="Resume",
            ),
            answer,
        )

    def _run_rollout(self, rollout: Rollout, access: UpgradeAccess | None, *, core_dir: str | None) -> None:
        self.show_view("fleet-rollout")
        self.activity(f"Rolling out to {sum(1 for m in rollout.muses if m.state != 'skipped')} Muse(s)…")
        self.rollout_worker = self._roll(rollout, access, core_dir)
        self.refresh_bindings()

    @work(exclusive=True, group="fleet-rollout", exit_on_error=False)
    async def _roll(self, rollout: Rollout, access: UpgradeAccess | None, core_dir: str | None) -> None:
        from wizard.fleet import UpgradeAccess, core_to_resume, portfolio, run_rollout, save_rollout

        try:
            # the core the plan saw (or the folder the founder confirmed), unchanged since
            core = await asyncio.to_thread(core_to_resume, rollout, core_dir)
            ids = {m.clone_id for m in rollout.muses}
            muses = [m for m in await asyncio.to_thread(portfolio) if m.clone_id in ids]
            if access is None:  # a roll-out resumed from its journal: no plan before it
                access = await UpgradeAccess.open(muses, self.host.store, interactive=False)
            save_rollout(rollout)  # journaled before the first Muse is touched
            self.post_message(RolloutStarted(rollout.model_copy(deep=True)))
            done = await run_rollout(
                rollout,
                {m.clone_id: m for m in muses},
                access.apis,
                core,
                concurrency=self.concurrency,
                say=self._say,
                logins=access.logins,
            )
        except asyncio.CancelledError:
            await _close(access)
            self.post_message(RolloutFinished(None, "stopped on request"))
            raise
        except Exception as exc:
            finished = RolloutFinished(None, error_text(exc))
        else:
            finished = RolloutFinished(done, None)
        await _close(access)  # before the report: the roll-out is over only once its login roles are gone
        self.post_message(finished)

    def _say(self, line: str) -> None:
        self.post_message(RolloutLine(line))

    @on(RolloutStarted)
    def _rollout_started(self, message: RolloutStarted) -> None:
        self.query_one(FleetRolloutView).start(message.rollout)

    @on(RolloutLine)
    def _rollout_line(self, message: RolloutLine) -> None:
        self.query_one(FleetRolloutView).say(message.text)
        self.activity(message.text)

    @on(RolloutFinished)
    def _rollout_finished(self, message: RolloutFinished) -> None:
        from wizard.widgets.fleet_rollout import outcome_line

        view = self.query_one(FleetRolloutView)
        if message.rollout is not None:
            view.finish(message.rollout)
            self.activity(outcome_line(message.rollout), "failed" if message.rollout.failed else "done")
        else:
            problem = message.problem or "stopped"
            view.stopped(problem)
            self.activity(
                f"✗ The roll-out stopped ({problem}). It is journaled: back in the list, R finishes it "
                f"(or `musekit fleet upgrade --resume`).",
                "failed",
            )
        self.refresh_bindings()

    # -- diff of two Muses --------------------------------------------------------------------------------
    def action_diff(self) -> None:
        chosen = self.query_one(FleetTable).selected
        if len(chosen) != 2:
            self.notify(f"Select exactly two Muses to compare (space selects one; {len(chosen)} selected now).")
            return
        a, b = (self.muses[k] for k in chosen)
        self.show_view("fleet-diff")
        self.activity(f"Comparing {a.name} with {b.name}: their migration files, read only…")
        self._diff(a, b)

    @work(exclusive=True, group="fleet-diff", thread=True, exit_on_error=False)
    def _diff(self, a: FleetMuse, b: FleetMuse) -> None:
        from wizard.diff import diff_sides, resolve_side

        try:
            sides = resolve_side("A", str(a.folder)), resolve_side("B", str(b.folder))
            diff = asyncio.run(diff_sides(*sides))
        except Exception as exc:
            self.post_message(SchemaDiffReady(a.name, b.name, None, error_text(exc)))
        else:
            self.post_message(SchemaDiffReady(a.name, b.name, diff, None))

    @on(SchemaDiffReady)
    def _diff_ready(self, message: SchemaDiffReady) -> None:
        view = self.query_one(SchemaDiffView)
        if message.diff is None:
            view.show_problem(message.a, message.b, message.problem or "")
            self.activity("✗ The diff could not be made.", "failed")
        else:
            view.show(message.diff, message.a, message.b)
            self.activity(f"{message.a} → {message.b}: {'the same' if message.diff.equal else 'they differ'}.", "done")

    # -- keys ------------------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        if action in ("upgrade", "diff", "refresh"):
            return view == "fleet-status" and not self.rolling
        if action == "resume":
            return view == "fleet-status" and self.unfinished is not None and not self.rolling
        if action == "roll_out":
            return view == "fleet-plan" and bool(self.query_one(FleetPlanView).needed) and not self.planning
        return True

    def action_back(self) -> None:
        if self.rolling:
            self._ask_to_stop()
            return
        view = self.view
        if view == "fleet-status":
            self.dismiss(None)
            return
        if view == "fleet-plan":
            if self.plan_worker is not None:
                self.plan_worker.cancel()
            self.run_worker(self.drop_access(), group="fleet-access")  # no roll-out of this plan
        self.show_view("fleet-status")
        if view == "fleet-rollout":  # versions changed: look again
            self.action_refresh()
        else:
            self._show_summary()

    def _ask_to_stop(self) -> None:
        from wizard.screens.confirm import ConfirmScreen

        def answer(stop: bool | None) -> None:
            if stop and self.rollout_worker is not None:
                self.rollout_worker.cancel()

        self.app.push_screen(
            ConfirmScreen(
                "Stop the roll-out?",
                "The Muse being upgraded rolls back its open transaction; the others are not started. The roll-out "
                "is journaled: R in this list (or `musekit fleet upgrade --resume`) finishes it later.",
                yes="Stop",
                no="Keep going",
            ),
            answer,
        )


def _running(worker: Worker[None] | None) -> bool:
    return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)


def status_summary(rows: Sequence[MuseStatus], unfinished: Rollout | None) -> str:
    behind = sum(1 for r in rows if r.problem is None and (r.pending_core or r.pending_own))
    drifted = sum(1 for r in rows if r.drift)
    unavailable = sum(1 for r in rows if r.problem is not None)
    text = f"{len(rows)} Muse(s): {behind} with pending migrations, {drifted} with drift, {unavailable} unavailable"
    if unfinished is not None:
        text += f"\nRoll-out {unfinished.id} was interrupted: R finishes it"
    return text


def confirm_text(plans: Sequence[MusePlan]) -> str:
    files = sum(len(p.files) for p in plans)
    names = ", ".join(p.name for p in plans)
    canary = f"{plans[0].name} goes first (the canary); the others only if it succeeds. " if len(plans) > CANARY else ""
    return (
        f"{names}: {files} migration file(s) in all. {canary}Each Muse's core files apply in one transaction, "
        "its template's under the purity guard, then the checks: a Muse that fails keeps what it had. The "
        "roll-out is journaled: if it stops, R in this list (or `musekit fleet upgrade --resume`) finishes it."
    )


async def _close(access: UpgradeAccess | None) -> None:
    if access is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(access.close(), ACCESS_CLOSE_S)
