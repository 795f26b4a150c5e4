"""Apply + verify (steps muse_migrations → verify): the Muse's migrations, all in one transaction
under the core-purity guard, then what the verification found: lint findings counted by level, the
RLS probe, core purity and the platform's advisors, each group expandable to its list.

The engine reports what its verify step found as data (`wizard.clone.VerifyOutcome`) on the step's
done and failed events and in the journal; `VerifyResults` is built from it. Events and journals
from before the engine did (only text) are read back by `VerifyOutcome.from_legacy_*`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Unpack

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, Tree

from wizard.widgets.common import WidgetOptions, plain
from wizard.widgets.migration_progress import MigrationProgress

STEPS = ("muse_migrations", "verify")
LEVELS = ("ERROR", "WARN", "INFO")

if TYPE_CHECKING:
    from wizard.clone import CloneEvent, Journal, VerifyOutcome

VerifyState = Literal["pending", "running", "passed", "failed", "error"]

_PLATFORM_WARNING = "platform advisor "


@dataclass(frozen=True)
class VerifyResults:
    """What the verify step found, grouped as the run and Done screens show it (no secret is in any)."""

    state: VerifyState = "pending"
    lints: tuple[str, ...] = ()
    rls: tuple[str, ...] = ()
    core: tuple[str, ...] = ()
    other: tuple[str, ...] = ()  # anything else the step said (e.g. why it could not run)
    platform: tuple[str, ...] = ()  # the platform advisors' ERROR and WARN findings
    platform_summary: str = ""  # e.g. "platform advisors: 1 WARN, 3 INFO"
    lint_levels: tuple[tuple[str, int], ...] = ()  # the lint findings counted by level

    @classmethod
    def from_outcome(cls, outcome: VerifyOutcome) -> VerifyResults:
        return cls(
            "passed" if outcome.passed else "failed",
            lints=outcome.lints,
            rls=outcome.rls,
            core=outcome.core,
            other=outcome.other,
            platform=outcome.platform,
            platform_summary=outcome.platform_summary,
            lint_levels=tuple(outcome.lint_counts.items()),
        )

    @classmethod
    def could_not_run(cls, message: str) -> VerifyResults:
        """A verify step that failed before its checks ran to the end: the first line says why."""
        lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
        return cls("error", other=tuple(lines[:1]) or ("the verification failed",))

    @classmethod
    def from_journal(cls, journal: Journal) -> VerifyResults:
        step = journal.steps["verify"]
        outcome = journal.verify_outcome()
        if outcome is not None:
            return cls.from_outcome(outcome)
        if step.status == "failed" and journal.last_error and journal.last_error.step == "verify":
            return cls.could_not_run(journal.last_error.message)
        return cls("running" if step.status == "running" else "pending")

    @classmethod
    def from_note(cls, note: str | None) -> VerifyResults:
        """A passed verify step known only by its note (an event or journal from before the engine
        reported data)."""
        from wizard.clone import VerifyOutcome

        return cls.from_outcome(VerifyOutcome.from_legacy_note(note))

    @classmethod
    def from_failure(cls, message: str) -> VerifyResults:
        """A failed verify step known only by its message (an event or journal from before the engine
        reported data)."""
        from wizard.clone import VerifyOutcome

        outcome = VerifyOutcome.from_legacy_failure(message)
        return cls.could_not_run(message) if outcome is None else cls.from_outcome(outcome)

    def with_platform_warning(self, message: str) -> VerifyResults:
        return replace(self, platform=(*self.platform, message.removeprefix(_PLATFORM_WARNING)))

    def lint_counts(self) -> dict[str, int]:
        return dict.fromkeys(LEVELS, 0) | dict(self.lint_levels)

    @property
    def problem_count(self) -> int:
        return len(self.lints) + len(self.rls) + len(self.core) + len(self.other)

    def summary(self) -> list[tuple[str, str, bool | None]]:
        """(check, result, ok) per line; ok None when there is nothing to judge yet."""
        if self.state in ("pending", "running"):
            said = "not run yet" if self.state == "pending" else "running…"
            return [(check, said, None) for check in ("Lints", "RLS probe", "Core purity")]
        if self.state == "error":
            return [("Verify", f"could not run: {self.other[0]}", False)]
        counts = " · ".join(f"{n} {level}" for level, n in self.lint_counts().items())
        rows: list[tuple[str, str, bool | None]] = [
            ("Lints", counts, not self.lints),
            (
                "RLS probe",
                _count(self.rls, "problem") if self.rls else "RLS everywhere; a stranger sees no row",
                not self.rls,
            ),
            (
                "Core purity",
                _count(self.core, "difference") if self.core else "untouched (the shipped core)",
                not self.core,
            ),
        ]
        if self.other:
            rows.append(("Other", _count(self.other, "problem"), False))
        if self.platform_summary or self.platform:
            platform = self.platform_summary.removeprefix("platform advisors: ") or _count(self.platform, "finding")
            rows.append(("Platform", f"{platform} (advice only)", None))
        return rows

    def summary_markup(self) -> str:
        marks = {True: "[$text-success]✓[/]", False: "[$text-error]✗[/]", None: "[$text-muted]·[/]"}
        return "\n".join(f"{marks[ok]} {check:<12}{plain(result)}" for check, result, ok in self.summary())

    def summary_text(self) -> str:
        """The same lines without markup (the Done screen's summary block)."""
        marks = {True: "✓", False: "✗", None: "·"}
        return "\n".join(f"{marks[ok]} {check:<12}{result}" for check, result, ok in self.summary())

    def groups(self) -> list[tuple[str, tuple[str, ...]]]:
        return [
            ("Lint findings", self.lints),
            ("RLS probe", self.rls),
            ("Core purity", self.core),
            ("Other", self.other),
            ("Platform advisors (advice only)", self.platform),
        ]


def _count(items: tuple[str, ...], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


class VerifyResultsView(Vertical):
    """The summary (one line per check) and, below it, every finding in an expandable tree."""

    DEFAULT_CSS = """
    VerifyResultsView {
        height: auto;
    }

    VerifyResultsView #verify-summary {
        height: auto;
    }

    VerifyResultsView Tree {
        height: auto;
        max-height: 10;
        background: $surface;
    }
    """

    def __init__(self, results: VerifyResults | None = None, **kwargs: Unpack[WidgetOptions]) -> None:
        super().__init__(**kwargs)
        self.results = results or VerifyResults()

    def compose(self) -> ComposeResult:
        yield Static(self.results.summary_markup(), id="verify-summary")
        tree: Tree[None] = Tree("Findings", id="verify-tree")
        tree.show_root = False
        yield tree

    def on_mount(self) -> None:
        self.show(self.results)

    def show(self, results: VerifyResults) -> None:
        self.results = results
        self.query_one("#verify-summary", Static).update(results.summary_markup())
        tree = self.query_one(Tree)
        tree.clear()
        listed = [(title, items) for title, items in results.groups() if items]
        for title, items in listed:
            node = tree.root.add(Text(f"{title} ({len(items)})"), expand=not title.startswith("Platform"))
            for item in items:
                node.add_leaf(Text(item))
        tree.display = bool(listed)


class ApplyVerifyView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("Apply the Muse and verify", classes="stage-title")
        yield Static(
            "The Muse's migrations run in one transaction; if the core changes in any way, none of them is kept.",
            id="apply-status",
            classes="muted",
        )
        yield MigrationProgress(id="muse-progress")
        yield Static("Verification: not run yet", id="verify-result", classes="muted")
        yield VerifyResultsView(id="verify")

    def set_files(self, names: list[str], all_applied: bool) -> None:
        self.query_one(MigrationProgress).set_files(names, all_applied=all_applied)

    def show_results(self, results: VerifyResults) -> None:
        """What an earlier run of the verify step found (from the journal)."""
        view = self.query_one(VerifyResultsView)
        view.show(results)
        result = self.query_one("#verify-result", Static)
        if results.state == "passed":
            result.update("✓ Verification passed (an earlier run)")
            result.set_classes("valid")

    def clone_event(self, event: CloneEvent) -> None:
        kind, step, message = event.kind, event.step, event.message
        result = self.query_one("#verify-result", Static)
        view = self.query_one(VerifyResultsView)
        if kind == "migration":
            self.query_one(MigrationProgress).migration_event(event)
        elif kind == "step_done" and step == "muse_migrations":
            self.query_one("#apply-status", Static).update(plain(f"✓ Muse migrations: {message}"))
            self.query_one(MigrationProgress).finish(message)
        elif kind == "step_failed" and step == "muse_migrations":
            self.query_one("#apply-status", Static).update(plain(f"✗ Nothing of the Muse was kept: {message}"))
        elif kind == "step_started" and step == "verify":
            result.update("Verifying: lints, RLS on every table, what a stranger can read, the core untouched…")
            result.set_classes("muted")
            view.show(VerifyResults("running"))
        elif kind == "warning" and step == "verify" and message.startswith(_PLATFORM_WARNING):
            view.show(view.results.with_platform_warning(message))
        elif kind == "step_done" and step == "verify":
            result.update("✓ Verification passed")
            result.set_classes("valid")
            view.show(_passed(event, view.results))
        elif kind == "step_failed" and step == "verify":
            found = _failed(event)
            said = f"found {_count(found.lints + found.rls + found.core + found.other, 'problem')}"
            result.update(plain(f"✗ Verification {said if found.state == 'failed' else 'could not run'}"))
            result.set_classes("invalid")
            view.show(found)

    @property
    def results(self) -> VerifyResults:
        """What the verification view shows now."""
        return self.query_one(VerifyResultsView).results


def _passed(event: CloneEvent, live: VerifyResults) -> VerifyResults:
    if event.verify is not None:
        return VerifyResults.from_outcome(event.verify)
    passed = VerifyResults.from_note(event.message)  # an event without data: its platform findings came as warnings
    return replace(passed, platform=live.platform)


def _failed(event: CloneEvent) -> VerifyResults:
    if event.verify is not None:
        return VerifyResults.from_outcome(event.verify)
    return VerifyResults.from_failure(event.message)  # the checks could not run (or an event without data)
