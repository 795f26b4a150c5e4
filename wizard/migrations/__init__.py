from wizard.migrations.engine import (
    ApplyResult,
    Guard,
    MigrationEvent,
    Progress,
    apply,
    apply_on,
    read_plan,
)
from wizard.migrations.errors import (
    DriftError,
    GuardViolation,
    HistoryMismatch,
    LockTimeout,
    MigrationError,
    MigrationFolderError,
    StatementFailed,
    TransactionEscaped,
)
from wizard.migrations.files import MigrationFile, load_folder
from wizard.migrations.history import Plan
from wizard.migrations.split import Statement, split_statements

__all__ = [
    "ApplyResult",
    "DriftError",
    "Guard",
    "GuardViolation",
    "HistoryMismatch",
    "LockTimeout",
    "MigrationError",
    "MigrationEvent",
    "MigrationFile",
    "MigrationFolderError",
    "Plan",
    "Progress",
    "Statement",
    "StatementFailed",
    "TransactionEscaped",
    "apply",
    "apply_on",
    "load_folder",
    "read_plan",
    "split_statements",
]
