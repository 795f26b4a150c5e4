from wizard.clone.credentials import DB_PASSWORD_ENV, SecretStore, TOKEN_ENV, TOKEN_KEY, find_access_token, find_db_password, generate_db_password
from wizard.clone.engine import Clone, CloneError, CloneEvent, CloneInputError, MIGRATIONS_DIR
from wizard.clone.journal import CloneBusy, CloneInputs, CloneLock, ConnectionRecord, ErrorRecord, Journal, JournalError, STEPS, STEP_TITLES, StepRecord, journal_path, load_journal, save_journal
from wizard.clone.registry import CloneListing, data_dir, list_clones
from wizard.clone.session import Connection, NoAccessToken, api_session

__all__ = ["Clone", "CloneBusy", "CloneError", "CloneEvent", "CloneInputError", "CloneInputs", "CloneListing", "CloneLock", "Connection", "ConnectionRecord", "DB_PASSWORD_ENV", "ErrorRecord", "Journal", "JournalError", "MIGRATIONS_DIR", "NoAccessToken", "STEPS", "STEP_TITLES", "SecretStore", "StepRecord", "TOKEN_ENV", "TOKEN_KEY", "api_session", "data_dir", "find_access_token", "find_db_password", "generate_db_password", "journal_path", "list_clones", "load_journal", "save_journal"]
