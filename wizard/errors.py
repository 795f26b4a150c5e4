"""One root for every error musekit reports, and the exit codes it reports them with.

Each error class carries the exit code a command ends with when that error stops it; the CLI
(`wizard.cli.main`) and the TUI (`wizard.widgets.common.error_text`) each catch `MusekitError`
in one place. The help texts take their exit-code lines from `ExitCode`."""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    FINDINGS = 3
    INTERRUPTED = 130
    TERMINATED = 143

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.FAILED: "the operation failed (the message says what and what to do)",
    ExitCode.USAGE: "bad usage or invalid input (nothing was changed)",
    ExitCode.FINDINGS: "verification found problems (lint or purity findings)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); what was running is rolled back or resumable",
    ExitCode.TERMINATED: "terminated (SIGTERM), handled as Ctrl-C is",
}


def exit_codes_help(*codes: ExitCode, notes: dict[ExitCode, str] | None = None) -> str:
    """The `exit codes:` block of a --help epilog: every code by default, each with its meaning
    (or the command's own note for it)."""
    notes = notes or {}
    lines = ["exit codes:"]
    for code in codes or tuple(ExitCode):
        lines.append(f"  {int(code):<4} {notes.get(code, code.meaning)}")
    return "\n".join(lines) + "\n"


class MusekitError(Exception):
    """An error musekit reports to the user: its text says what was wrong and what to do."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILED


class UsageError(MusekitError):
    """Bad input from the user (a flag, a file, a name): nothing was changed."""

    exit_code = ExitCode.USAGE
