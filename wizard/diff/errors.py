"""The diff's errors. All end the command with exit code 2, as diff(1)'s trouble does, so that
1 always means "the two sides differ"."""

from __future__ import annotations

from wizard.errors import ExitCode, MusekitError

SIDE_FORMS = (
    "a Muse folder (with supabase/migrations/), a folder of .sql migration files, "
    "a Muse template slug or folder (muse.toml + migrations/), or a postgres:// URL"
)


class DiffError(MusekitError):
    exit_code = ExitCode.USAGE


class DiffSideError(DiffError):
    """One side can't be read: names the side (A, B, files, database), what was given, what to pass."""

    def __init__(self, label: str, given: str, problem: str, hint: str = "") -> None:
        self.label, self.given = label, given
        text = f"{label} ({given}): {problem}"
        super().__init__(text + (f" {hint}" if hint else ""))
