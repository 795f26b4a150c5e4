"""What the clone's verify step found, as data: on the step's events, in the journal and in
`musekit clone --json`. musekit's checks (lints, RLS, core purity) decide; the platform's advisors
only advise. The step's human text (its note, its error) is made from this, never the other way
round, except for journals written before the step recorded it: `from_legacy_*` read their text
back, for them alone."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.muses import PlatformAdvice, VerifyFindings

LEVELS = ("ERROR", "WARN", "INFO")
PASSED_CHECKS = "no lint findings; RLS on every table; core untouched"
SHOWN_PLATFORM_LEVELS = ("ERROR", "WARN")  # the advisors' findings reported one by one; INFO only counted

_LEGACY_PROBLEMS = re.compile(r"^\d+ problems?:$")
_LEGACY_LINT = re.compile(r"^(ERROR|WARN|INFO) \S+ ")
_LEGACY_RLS = re.compile(r"^public\.[^:]+: ")


def _no_counts() -> dict[str, int]:
    return dict.fromkeys(LEVELS, 0)


@dataclass(frozen=True)
class VerifyOutcome:
    """The verify step's checks ran: what each found (one line per finding, as the CLI prints it)."""

    passed: bool
    lints: tuple[str, ...] = ()  # `LEVEL id name object: message`
    lint_counts: dict[str, int] = field(default_factory=_no_counts)  # by level: ERROR, WARN, INFO
    rls: tuple[str, ...] = ()  # `public.<table>: …`
    core: tuple[str, ...] = ()  # `the core differs …`
    other: tuple[str, ...] = ()  # a problem of none of the groups above (read back from an old journal)
    platform: tuple[str, ...] = ()  # the platform advisors' ERROR and WARN findings: `LEVEL name: detail`
    platform_summary: str = ""  # e.g. "platform advisors: 1 WARN, 3 INFO", or why they were not read
    platform_counts: dict[str, int] | None = None  # by level; None when the advisors were not read

    @classmethod
    def of(cls, findings: VerifyFindings) -> VerifyOutcome:
        return cls(
            passed=not findings.lines(),
            lints=tuple(str(f) for f in findings.lints),
            lint_counts=findings.lint_counts(),
            rls=findings.rls,
            core=findings.core,
        )

    def with_platform(self, advice: PlatformAdvice) -> VerifyOutcome:
        shown = [lint for lint in advice.lints if lint.level in SHOWN_PLATFORM_LEVELS]
        return replace(
            self,
            platform=tuple(f"{lint.level} {lint.name}: {lint.detail}" for lint in shown),
            platform_summary=advice.summary(),
            platform_counts=advice.counts(),
        )

    def without_platform(self, why: str) -> VerifyOutcome:
        return replace(self, platform_summary=f"platform advisors unavailable ({why})")

    @property
    def problems(self) -> tuple[str, ...]:
        """musekit's findings, in the order the checks run (lints, core, RLS)."""
        return (*self.lints, *self.core, *self.rls, *self.other)

    def note(self) -> str:
        """The journal note of a verify step that passed."""
        return f"{PASSED_CHECKS}; {self.platform_summary}"

    def failure_message(self) -> str:
        """The error of a verify step that found problems: `N problems:` then `  - problem` each."""
        problems = self.problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        return f"{count}:\n" + "\n".join(f"  - {p}" for p in problems)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    # -- journals written before the verify step recorded this ------------------------------------
    @classmethod
    def from_legacy_note(cls, note: str | None) -> VerifyOutcome:
        """A verify step that passed, from its note: `no lint findings; …; core untouched; platform …`."""
        _, _, platform = (note or "").partition("core untouched; ")
        return cls(True, platform_summary=platform.strip())

    @classmethod
    def from_legacy_failure(cls, message: str) -> VerifyOutcome | None:
        """A verify step that failed, from its error: `N problems:` then one `  - line` each; None when the
        message is no such list (the checks could not run)."""
        lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
        if not lines or not _LEGACY_PROBLEMS.match(lines[0]):
            return None
        groups: dict[str, list[str]] = {"lints": [], "rls": [], "core": [], "other": []}
        for line in lines[1:]:
            problem = line.removeprefix("- ").strip()
            groups[_legacy_group_of(problem)].append(problem)
        counts = _no_counts()
        for lint in groups["lints"]:
            counts[lint.split(" ", 1)[0]] += 1
        return cls(
            False,
            lints=tuple(groups["lints"]),
            lint_counts=counts,
            rls=tuple(groups["rls"]),
            core=tuple(groups["core"]),
            other=tuple(groups["other"]),
        )


def _legacy_group_of(problem: str) -> str:
    if _LEGACY_LINT.match(problem):
        return "lints"
    if problem.startswith("the core "):
        return "core"
    if _LEGACY_RLS.match(problem):
        return "rls"
    return "other"
