"""The clone journal: `.musekit/clone.json` in the Muse folder. It says where to look; the API
and the database say what is true. Never holds a secret. Written atomically, mode 0600."""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
)

from wizard.clone.names import project_name_problem
from wizard.clone.verify import VerifyOutcome
from wizard.errors import ExitCode, MusekitError
from wizard.fs import inside, write_atomic

SCHEMA_VERSION = 1
JOURNAL_DIR = ".musekit"
JOURNAL_FILE = "clone.json"

# The clone's ordered steps; each is idempotent and checks the real state before acting.
STEPS: tuple[str, ...] = (
    "validate",
    "project",
    "healthy",
    "connection",
    "files",
    "core_migrations",
    "muse_migrations",
    "verify",
    "readme",
)
STEP_TITLES: dict[str, str] = {
    "validate": "Validate inputs",
    "project": "Find or create the project",
    "healthy": "Wait until the project is healthy",
    "connection": "Fetch connection info",
    "files": "Write the Muse folder",
    "core_migrations": "Apply the core migrations",
    "muse_migrations": "Apply the Muse migrations",
    "verify": "Verify (lints, RLS, core purity)",
    "readme": "Write the README table list",
}

StepStatus = Literal["pending", "running", "done", "failed"]


def now() -> datetime:
    return datetime.now(UTC)


class JournalError(MusekitError):
    exit_code = ExitCode.USAGE

    """The journal can't be used; the message names the file and what to do. Nothing was overwritten."""


class StepRecord(BaseModel):
    status: StepStatus = "pending"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    note: str | None = None
    # the verify step's findings when its checks last ran to the end (journals before it: absent)
    verify: VerifyOutcome | None = None

    @model_serializer(mode="wrap")
    def _only_what_is_recorded(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        if data.get("verify") is None:
            data.pop("verify", None)  # the other steps' records stay as they were
        return data


class CloneInputs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    muse: str = Field(description="template slug, or absolute path of the user's template folder")
    name: str = Field(description="Supabase project name")
    organization: str = Field(description="organization slug")
    region: str
    api_url: str
    sandbox: bool = False

    @field_validator("name")
    @classmethod
    def _valid_name(cls, name: str) -> str:
        if problem := project_name_problem(name):
            raise ValueError(problem)
        return name


class ConnectionRecord(BaseModel):
    """Where the database is; the password is never here (keyring, environment or prompt)."""

    host: str
    port: int
    user: str
    dbname: str
    transaction_port: int | None = None


class ErrorRecord(BaseModel):
    step: str
    message: str
    at: datetime


class Journal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    clone_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    inputs: CloneInputs
    project_ref: str | None = None
    # set (and saved) just before POST /v1/projects: from then on, a project with this name in the
    # organization is this clone's own, even if the process died before it learned the ref
    create_requested_at: datetime | None = None
    # projects this clone created that ended INIT_FAILED/REMOVED: given up, deleted, never adopted again
    abandoned_refs: list[str] = Field(default_factory=list)
    # migration file name -> sha256 of the files the purity check passed, a record for whoever reads the
    # journal. Never read back: the journal is editable, so a resume compares the folder's copies with the
    # shipped core and the template's files themselves (engine._checked_folder_files)
    checked_files: dict[str, str] = Field(default_factory=dict)
    connection: ConnectionRecord | None = None
    steps: dict[str, StepRecord] = Field(default_factory=lambda: {s: StepRecord() for s in STEPS})
    last_error: ErrorRecord | None = None

    @field_validator("steps")
    @classmethod
    def _every_step_once(cls, steps: dict[str, StepRecord]) -> dict[str, StepRecord]:
        missing, extra = [s for s in STEPS if s not in steps], sorted(set(steps) - set(STEPS))
        if missing or extra:
            said = [f"missing {', '.join(missing)}"] if missing else []
            said += [f"unknown {', '.join(extra)}"] if extra else []
            raise ValueError(f"the steps must be exactly {', '.join(STEPS)} ({'; '.join(said)})")
        return {s: steps[s] for s in STEPS}

    @property
    def finished(self) -> bool:
        return all(self.steps[s].status == "done" for s in STEPS)

    @property
    def current_step(self) -> str | None:
        return next((s for s in STEPS if self.steps[s].status != "done"), None)

    def mark(self, step: str, status: StepStatus, note: str | None = None) -> None:
        rec = self.steps[step]
        if status == "running":
            rec.started_at, rec.attempts = now(), rec.attempts + 1
            rec.verify = None  # what an earlier run found is no answer for this one
        if status in ("done", "failed"):
            rec.finished_at = now()
        rec.status = status
        if note is not None:
            rec.note = note
        if status == "done" and self.last_error and self.last_error.step == step:
            self.last_error = None

    def fail(self, step: str, message: str) -> None:
        self.mark(step, "failed")
        self.last_error = ErrorRecord(step=step, message=message, at=now())

    def verify_outcome(self) -> VerifyOutcome | None:
        """What the verify step found when its checks last ran to the end (passed, or found problems);
        None when they have not, or could not run. A journal from before the step recorded it: read
        back from the step's note or its error."""
        rec = self.steps["verify"]
        if rec.status not in ("done", "failed"):
            return None
        if rec.verify is not None:
            return rec.verify
        if rec.status == "done":
            return VerifyOutcome.from_legacy_note(rec.note)
        if self.last_error is not None and self.last_error.step == "verify":
            return VerifyOutcome.from_legacy_failure(self.last_error.message)
        return None


def journal_path(folder: Path) -> Path:
    return Path(folder) / JOURNAL_DIR / JOURNAL_FILE


def load_journal(folder: Path) -> Journal:
    path = journal_path(folder)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JournalError(
            f"{path}: no clone journal here. Is {folder} a Muse folder made by `musekit clone`? "
            f"(`musekit status` lists known clones in the wizard's registry.)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalError(
            f"{path}: the journal can't be read ({exc.strerror if isinstance(exc, OSError) else exc.reason}). "
            f"Check the file's and the folder's permissions (run musekit as the user who made the clone)."
        ) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise JournalError(
            f"{path}: corrupt journal (not JSON: {exc.msg} at line {exc.lineno}). It was left as it is; "
            f"restore it from a backup, or move it away to start this clone over."
        ) from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise JournalError(
            f"{path}: written by a newer musekit (journal schema {version}, this one reads up to "
            f"{SCHEMA_VERSION}). Upgrade musekit to resume this clone; the file was left untouched."
        )
    try:
        return Journal.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "(top level)"
        raise JournalError(
            f"{path}: corrupt journal ({where}: {first['msg'].removeprefix('Value error, ')}). It was left as it is; "
            f"restore it from "
            f"a backup, or move it away to start this clone over."
        ) from None


def save_journal(folder: Path, journal: Journal) -> None:
    journal.updated_at = now()
    inside(Path(folder), JOURNAL_DIR).mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(
        inside(Path(folder), Path(JOURNAL_DIR) / JOURNAL_FILE), journal.model_dump_json(indent=2) + "\n", mode=0o600
    )


class CloneBusy(JournalError):
    pass


class CloneLock:
    """An exclusive lock on a Muse folder held for the life of one clone/resume process: a flock
    on the `.musekit` directory itself, so taking it writes nothing. The OS drops it when the
    process dies (kill -9 included), so there is nothing stale to clean."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / JOURNAL_DIR
        self._fd: int | None = None

    def acquire(self) -> CloneLock:
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CloneBusy(
                f"another musekit process (a clone or resume) is working on {self.path.parent}. "
                f"Wait for it to finish, or stop it; then `musekit resume` continues."
            ) from None
        self._fd = fd
        return self

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> CloneLock:
        return self if self.held else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
