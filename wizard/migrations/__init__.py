from wizard.migrations.engine import (
    ApplyResult,
    Guard,
    MigrationEvent,
    Progress,
    apply,
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
    "Progress",
    "StatementFailed",
    "TransactionEscaped",
    "apply",
    "load_folder",
]
