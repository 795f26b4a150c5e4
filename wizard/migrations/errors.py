"""What can go wrong applying migrations: every message says what, where, and what to do."""

from __future__ import annotations

from pathlib import Path

from wizard.errors import ExitCode, MusekitError


class MigrationError(MusekitError):
    """Base class: every message says what went wrong, where, and what to do."""


class MigrationFolderError(MigrationError):
    exit_code = ExitCode.USAGE


class StatementFailed(MigrationError):
    def __init__(
        self,
        path: Path,
        line: int,
        statement: str,
        pg_message: str,
        sqlstate: str | None,
        atomic: bool = False,
    ):
        self.path, self.line, self.statement, self.pg_message, self.sqlstate = (
            path,
            line,
            statement,
            pg_message,
            sqlstate,
        )
        shown = statement if len(statement) <= 400 else statement[:400] + " …"
        outcome = (
            "Everything this run applied was rolled back."
            if atomic
            else "The whole file was rolled back; files before it stay applied."
        )
        super().__init__(
            f"{path}, line {line}: {pg_message}"
            f"{f' (SQLSTATE {sqlstate})' if sqlstate else ''}\n"
            f"  statement: {shown}\n"
            f"  {outcome} Fix the file and run again: it continues from {path.name}."
        )


class TransactionEscaped(MigrationError):
    """A file ended the transaction musekit opened for it (COMMIT, ROLLBACK, a procedure that
    commits): what ran after that was rolled back, and the file is not recorded as applied."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path}: the file ended the transaction musekit runs it in (a COMMIT, ROLLBACK or a procedure "
            f"that commits). Migration files must not control transactions: musekit wraps each one in its "
            f"own. What ran after that point was rolled back and the file is not recorded as applied; "
            f"remove the transaction control and run again. (What ran before it could not be undone: "
            f"check the database, e.g. with `musekit verify`.)"
        )


class DriftError(MigrationError):
    exit_code = ExitCode.USAGE


class HistoryMismatch(MigrationError):
    exit_code = ExitCode.USAGE


class LockTimeout(MigrationError):
    pass


class GuardViolation(MigrationError):
    exit_code = ExitCode.FINDINGS

    def __init__(self, differences: list[str]):
        self.differences = differences
        super().__init__(
            "the migrations changed core objects, so everything they applied was rolled back:\n"
            + "\n".join(f"  - {d}" for d in differences)
        )
