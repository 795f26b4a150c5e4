"""Apply + verify (steps muse_migrations → verify): the Muse's migrations, all in one transaction
under the core-purity guard, then what the verification found: lint findings counted by level, the
RLS probe, core purity and the platform's advisors, each group expandable to its list.

The engine reports the verify step as text (its note when it passes, its message when it fails, a
warning event per platform advisor finding); `VerifyResults` reads those back into groups. The
engine's lines are stable: a lint is `LEVEL id name object: message` (wizard.lints.Finding), an RLS
problem `public.<table>: …`, a core difference `the core differs …`."""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    from wizard.clone import CloneEvent, Journal

VerifyState = Literal["pending", "running", "passed", "failed", "error"]

_PROBLEMS = re.compile(r"^\d+ problems?:$")
_LINT = re.compile(r"^(ERROR|WARN|INFO) \S+ ")
_RLS = re.compile(r"^public\.[^:]+: ")
_PLATFORM_WARNING = "platform advisor "
_PASSED_CHECKS = "core untouched"


@dataclass(frozen=True)
class VerifyResults:
    """What the verify step found, grouped as the run and Done screens show it (no secret is in any)."""

    state: VerifyState = "pending"
    lints: tuple[str, ...] = ()
    rls: tuple[str, ...] = ()
    core: tuple[str, ...] = ()
    other: tuple[str, ...] = ()  # anything else the step said (e.g. why it could not run)
    platform: tuple[str, ...] = ()  # the platform advisors' ERROR and WARN findings, as reported live
    platform_summary: str = ""  # e.g. "platform advisors: 1 WARN, 3 INFO"

    @classmethod
    def from_note(cls, note: str | None) -> VerifyResults:
        """A verify step that passed: its journal note, e.g. `no lint findings; …; core untouched; platform …`."""
        _, _, platform = (note or "").partition(f"{_PASSED_CHECKS}; ")
        return cls("passed", platform_summary=platform.strip())

    @classmethod
    def from_failure(cls, message: str) -> VerifyResults:
        """A verify step that failed: `N problems:` then one `  - line` each; anything else means the
        checks could not run (the message says why)."""
        lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
        if not lines or not _PROBLEMS.match(lines[0]):
            return cls("error", other=tuple(lines[:1]) or ("the verification failed",))
        groups: dict[str, list[str]] = {"lints": [], "rls": [], "core": [], "other": []}
        for line in lines[1:]:
            problem = line.removeprefix("- ").strip()
            groups[_group_of(problem)].append(problem)
        return cls(
            "failed",
            lints=tuple(groups["lints"]),
            rls=tuple(groups["rls"]),
            core=tuple(groups["core"]),
            other=tuple(groups["other"]),
        )

    @classmethod
    def from_journal(cls, journal: Journal) -> VerifyResults:
        step = journal.steps["verify"]
        if step.status == "done":
            return cls.from_note(step.note)
        if step.status == "failed" and journal.last_error and journal.last_error.step == "verify":
            return cls.from_failure(journal.last_error.message)
        return cls("running" if step.status == "running" else "pending")

    def with_platform_warning(self, message: str) -> VerifyResults:
        from dataclasses import replace

        return replace(self, platform=(*self.platform, message.removeprefix(_PLATFORM_WARNING)))

    def lint_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(LEVELS, 0)
        for line in self.lints:
            level = line.split(" ", 1)[0]
            counts[level] = counts.get(level, 0) + 1
        return counts

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


def _group_of(problem: str) -> str:
    if _LINT.match(problem):
        return "lints"
    if problem.startswith("the core "):
        return "core"
    if _RLS.match(problem):
        return "rls"
    return "other"


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
            passed = VerifyResults.from_note(message)
            view.show(VerifyResults("passed", platform=view.results.platform, platform_summary=passed.platform_summary))
        elif kind == "step_failed" and step == "verify":
            found = VerifyResults.from_failure(message)
            said = f"found {_count(found.lints + found.rls + found.core + found.other, 'problem')}"
            result.update(plain(f"✗ Verification {said if found.state == 'failed' else 'could not run'}"))
            result.set_classes("invalid")
            view.show(found)
