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
    "StatementFailed",
    "TransactionEscaped",
    "apply",
    "apply_on",
    "load_folder",
    "read_plan",
]
