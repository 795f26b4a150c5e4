from wizard.migrations.engine import ApplyResult, DriftError, Guard, GuardViolation, HistoryMismatch, LockTimeout, MigrationError, MigrationEvent, MigrationFile, MigrationFolderError, Progress, StatementFailed, apply, load_folder

__all__ = ["ApplyResult", "DriftError", "Guard", "GuardViolation", "HistoryMismatch", "LockTimeout", "MigrationError", "MigrationEvent", "MigrationFile", "MigrationFolderError", "Progress", "StatementFailed", "apply", "load_folder"]
