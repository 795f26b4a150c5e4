"""The resumable clone: from project creation to the Muse's README, one journaled step at a time.

Each step is idempotent and looks at the real state before acting: the journal says where to
look, the Management API and the database say what is true. A clone interrupted anywhere
(crash, kill -9, network, Ctrl-C) continues with `musekit resume`, never makes a second project
and never applies a migration twice."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Required, TypedDict, Unpack

from wizard import migrations, settings
from wizard.clone import credentials, registry
from wizard.clone.journal import (
    STEP_TITLES,
    STEPS,
    CloneInputs,
    CloneLock,
    ConnectionRecord,
    Journal,
    journal_path,
    load_journal,
    now,
    save_journal,
)
from wizard.clone.run_log import RunLog
from wizard.clone.verify import VerifyOutcome
from wizard.errors import ExitCode, MusekitError
from wizard.muses import MuseTemplate, TemplateError, core_files, load_template

if TYPE_CHECKING:
    import asyncio

    import psycopg

    from wizard.api import ApiEvent, LoginSession, ManagementAPI
    from wizard.guard import PurityFinding

# Test hook: the process kills itself (SIGKILL) at a named point, e.g. "before:healthy",
# "after:project", "project:after_create", "migration:20260101000300", "statement:20260101000100:5".
GITIGNORED = ".musekit/"  # the journal and the folder lock: this machine's state, not the Muse's
MIGRATIONS_DIR = Path("supabase") / "migrations"

EventKind = Literal["step_started", "step_done", "step_failed", "log", "migration", "api", "warning"]


@dataclass(frozen=True)
class CloneEvent:
    kind: EventKind
    step: str | None = None
    message: str = ""
    current: int | None = None  # e.g. file 2 of 5 (of the files this run applies)
    total: int | None = None
    file: str | None = None  # migration events: the file name
    seconds: float | None = None  # migration events: set once the file is applied
    verify: VerifyOutcome | None = None  # the verify step's done/failed events: what its checks found

    def as_dict(self) -> dict[str, object]:
        data = {k: v for k, v in self.__dict__.items() if v is not None and v != "" and k != "verify"}
        if self.verify is not None:
            data["verify"] = self.verify.as_dict()
        return data

    def log_line(self) -> str:
        """How the event reads in the run log."""
        title = STEP_TITLES.get(self.step or "", self.step or "")
        if self.kind == "step_started":
            return f"▶ {title}"
        if self.kind == "step_done":
            return f"✓ {title}: {self.message}"
        if self.kind == "step_failed":
            return f"✗ {title}: {self.message}"
        if self.kind == "warning":
            return f"   ! {self.message}"
        if self.kind == "migration" and self.seconds is None:
            return f"   {self.message} ({self.current} of {self.total})" if self.total else f"   {self.message}"
        return f"   {self.message}"


EventSink = Callable[[CloneEvent], None]
NewPasswordNotice = Callable[[str, bool], None]  # (password, stored_in_keyring)


class CloneCallbacks(TypedDict, total=False):
    """How a clone reports progress and shows the new database password (once, at create)."""

    on_event: EventSink | None
    on_new_password: NewPasswordNotice | None


class CloneOptions(CloneCallbacks, total=False):
    """The keyword arguments of `Clone(...)`, `Clone.start(...)` and `Clone.open(...)`."""

    store: Required[credentials.SecretStore]
    db_password: str | None
    health_timeout_s: float


class CloneInputError(MusekitError, ValueError):
    exit_code = ExitCode.USAGE

    """Bad input for a new clone, found before anything was written or created."""


class _Redo(Exception):
    """A step found that what an earlier step made is missing: run that step (and the later ones) again."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(reason)
        self.step, self.reason = step, reason


class CloneError(MusekitError):
    """A step could not finish. The journal records it; `musekit resume` retries from this step."""

    def __init__(self, step: str, message: str, folder: Path | None = None):
        self.step = step
        self.message = message
        hint = f"\n  Fix the cause, then run: musekit resume {folder}" if folder else ""
        super().__init__(f"{STEP_TITLES.get(step, step)}: {message}{hint}")


def failpoint(name: str) -> None:
    """Test hook: kill this process hard at a named point (MUSEKIT_FAILPOINT=name)."""
    if settings.failpoint() == name:
        os.kill(os.getpid(), signal.SIGKILL)


class Clone:
    """One clone in one folder. Create with `Clone.start(...)` (validates, writes the journal) or
    `Clone.open(...)` (an existing journal), then `await clone.run()`."""

    def __init__(
        self,
        folder: Path,
        journal: Journal,
        api: ManagementAPI,
        *,
        store: credentials.SecretStore,
        on_event: EventSink | None = None,
        db_password: str | None = None,
        on_new_password: NewPasswordNotice | None = None,
        health_timeout_s: float | None = None,
    ):
        self.folder = Path(folder).resolve()
        self.journal = journal
        self.api = api
        self.store = store
        self._on_event = on_event
        self._run_log = RunLog(self.folder)
        self._new = False  # made by `start`: its first run is no resume
        self._password = db_password
        self._login: LoginSession | None = None  # temporary login roles: the database with only the token
        self._on_new_password = on_new_password
        self.health_timeout_s = settings.health_timeout() if health_timeout_s is None else health_timeout_s
        self._template: MuseTemplate | None = None
        self._lock = CloneLock(self.folder)

    # -- creation -----------------------------------------------------------------------
    @classmethod
    async def start(
        cls, folder: Path, inputs: CloneInputs, api: ManagementAPI, **kwargs: Unpack[CloneOptions]
    ) -> Clone:
        """Validate everything that can be checked without side effects, then write the journal.
        Bad input raises before any project is created, and leaves no file behind. The returned
        clone holds the folder's lock until `run()` ends (or `close()`)."""
        folder = Path(folder).resolve()
        if folder.exists() and not folder.is_dir():
            raise CloneInputError(f"{folder} is a file, not a folder. Choose a new folder for the Muse (--dir).")
        created = not folder.exists()
        lock = CloneLock(folder).acquire()  # a second `musekit clone` for this folder stops here
        try:
            if journal_path(folder).exists():
                raise CloneInputError(
                    f"{folder} already holds a clone ({journal_path(folder)}). "
                    f"Continue it with `musekit resume {folder}`, or choose another --dir."
                )
            if any(p.name != ".musekit" for p in folder.iterdir()):
                raise CloneInputError(f"{folder} exists and is not empty. Choose a new folder for the Muse (--dir).")
            template = load_template(inputs.muse)
            warnings = _static_purity(template)
            inputs = inputs.model_copy(update={"muse": template.slug if template.shipped else str(template.path)})
            await _validate_remote(api, inputs)
            journal = Journal(inputs=inputs, checked_files=_checksums(template))
            note = _template_note(template)
            journal.mark("validate", "running")
            journal.mark("validate", "done", note=note)
            save_journal(folder, journal)
        except BaseException:
            lock.release()
            _remove_litter(folder, created)
            raise
        clone = cls(folder, journal, api, **kwargs)
        clone._template, clone._lock, clone._new = template, lock, True
        registry.register(folder, journal)
        clone._run_log.write("── a new clone")
        clone._emit(CloneEvent("step_started", "validate", STEP_TITLES["validate"], 1, len(STEPS)))
        clone._warn(warnings, "validate")
        clone._emit(CloneEvent("step_done", "validate", note, 1, len(STEPS)))
        failpoint("after:validate")
        return clone

    @classmethod
    def open(cls, folder: Path, api: ManagementAPI, **kwargs: Unpack[CloneOptions]) -> Clone:
        folder = Path(folder).resolve()
        return cls(folder, load_journal(folder), api, **kwargs)

    # -- running ------------------------------------------------------------------------
    def close(self) -> None:
        """Release the folder's lock (run() does it when it ends)."""
        self._lock.release()

    async def run(self) -> Journal:
        """Run every step not yet done. On a finished clone, only checks (writes nothing)."""
        if not self._lock.held:
            self._lock.acquire()
        with self._lock:
            try:
                return await self._run_steps()
            except BaseException as exc:
                self._run_log.release()
                self._run_log.write(self._stopped_line(exc))
                raise
            finally:
                await self._close_login()

    async def _run_steps(self) -> Journal:
        self.journal = load_journal(self.folder)  # the file is the truth, not what another process held
        checking = self.journal.finished
        if checking:
            self._run_log.hold()  # a check that finds nothing to do writes nothing, its log included
        if not self._new:
            self._run_log.write("── checking a finished clone" if checking else "── resumed")
        self._new = False
        if self.journal.steps["connection"].status == "done":
            await self._refresh_connection()
        if self.journal.finished:
            try:
                await self.check()
                self._run_log.drop()
                return self.journal
            except _Redo as redo:  # e.g. a core migration shipped since, or a journal that says too much
                self._run_log.release()
                self._reopen(redo)
        redone: set[str] = set()
        while (step := self._next_step()) is not None:
            try:
                await self._run_step(step)
            except _Redo as redo:
                if redo.step in redone:
                    raise CloneError(redo.step, redo.reason, self.folder) from None
                redone.add(redo.step)
                self._reopen(redo)
        self._log(None, f"done: {self.folder}")
        self._run_log.write("── finished")
        return self.journal

    def _stopped_line(self, exc: BaseException) -> str:
        """The run log's last line of a run that did not finish."""
        step, reason, message = self.journal.current_step, "failed", str(exc)
        if isinstance(exc, CloneError):
            step, message = exc.step, exc.message
        elif not isinstance(exc, Exception):  # Ctrl-C, cancellation
            reason, message = "interrupted", "stopped on request"
        elif not isinstance(exc, MusekitError):
            message = f"unexpected {type(exc).__name__}: {exc}"
        first = message.splitlines()[0] if message else ""
        return f"── stopped ({reason}) during {STEP_TITLES.get(step or '', 'the clone')}: {first}"

    def _next_step(self) -> str | None:
        return next((s for s in STEPS if self.journal.steps[s].status != "done"), None)

    def _reopen(self, redo: _Redo) -> None:
        """What an earlier step made is missing or out of date: run it, and every step after it, again."""
        for s in STEPS[STEPS.index(redo.step) :]:
            self.journal.mark(s, "pending")
        save_journal(self.folder, self.journal)
        self._log(redo.step, f"{redo.reason}: running '{STEP_TITLES[redo.step]}' and the steps after it again")

    async def _run_step(self, step: str) -> None:
        failpoint(f"before:{step}")
        self.journal.mark(step, "running")
        save_journal(self.folder, self.journal)
        index = STEPS.index(step) + 1
        self._emit(CloneEvent("step_started", step, STEP_TITLES[step], index, len(STEPS)))
        try:
            note = await getattr(self, f"_step_{step}")()
        except CloneError as exc:
            self._record_failure(step, exc.message)
            raise
        except _Redo:
            self.journal.mark(step, "pending")
            raise
        except Exception as exc:
            if not isinstance(exc, MusekitError):
                self._record_failure(step, f"unexpected {type(exc).__name__}: {exc}")
                raise
            self._record_failure(step, str(exc))
            raise CloneError(step, str(exc), self.folder) from None
        except BaseException:  # Ctrl-C / cancellation: the step stays resumable
            self._record_failure(step, "interrupted")
            raise
        self.journal.mark(step, "done", note=note)
        save_journal(self.folder, self.journal)
        found = self.journal.steps[step].verify
        self._emit(CloneEvent("step_done", step, note or STEP_TITLES[step], index, len(STEPS), verify=found))
        failpoint(f"after:{step}")

    def _record_failure(self, step: str, message: str) -> None:
        self.journal.fail(step, message)
        save_journal(self.folder, self.journal)
        self._emit(CloneEvent("step_failed", step, message, verify=self.journal.steps[step].verify))

    def _emit(self, ev: CloneEvent) -> None:
        """Every event the clone reports: into its run log, then to whoever listens."""
        self._run_log.write(ev.log_line())
        if self._on_event is not None:
            self._on_event(ev)

    def _log(self, step: str | None, message: str) -> None:
        self._emit(CloneEvent("log", step, message))

    def api_event(self, ev: ApiEvent) -> None:
        """What the Management API client reported while this clone runs (the caller shows it): into
        the run log, where the clone's own events are."""
        self._run_log.write(f"   api: {ev}")

    @property
    def template(self) -> MuseTemplate:
        if self._template is None:
            self._template = load_template(self.journal.inputs.muse)
        return self._template

    # -- steps (each returns a short note for the journal) ----------------------------------
    async def _step_validate(self) -> str:
        self._warn(_static_purity(self.template), "validate")
        self.journal.checked_files = _checksums(self.template)
        return _template_note(self.template)

    def _warn(self, findings: Sequence[PurityFinding], step: str) -> None:
        for f in findings:
            self._emit(CloneEvent("warning", step, f"purity warning: {f}"))

    async def _step_project(self) -> str:
        j, inputs = self.journal, self.journal.inputs
        if j.project_ref:
            project = await self.api.get_project(j.project_ref)
            return f"project {project.ref} ({project.status})"
        if j.create_requested_at is not None:
            found = await self.api.find_project(inputs.name, inputs.organization, exclude_refs=j.abandoned_refs)
            if found is not None:
                self._log("project", f"found project {found.ref} created by an earlier run")
                self._adopt(found.ref)
                return f"project {found.ref} (found by name after an interrupted create)"
        password = await self._password_for_create()
        j.create_requested_at = now()
        save_journal(self.folder, j)
        failpoint("project:before_create")
        created = await self.api.create_project(
            inputs.name, organization=inputs.organization, db_pass=password, region=inputs.region
        )
        failpoint("project:after_create")
        self._adopt(created.ref)
        return f"created project {created.ref} in {inputs.region}"

    def _adopt(self, ref: str) -> None:
        self.journal.project_ref = ref
        if self._password:
            self.store.set(credentials.db_password_key(ref), self._password)
        save_journal(self.folder, self.journal)

    async def _step_healthy(self) -> str:
        from wizard.api import ProjectFailed

        try:
            await self.api.wait_until_healthy(self._ref(), timeout_s=self.health_timeout_s)
        except ProjectFailed as exc:
            if exc.project_status not in ("INIT_FAILED", "REMOVED"):
                raise
            raise CloneError(
                "healthy", await self._abandon_project(str(exc), exc.project_status), self.folder
            ) from None
        return "database and pooler are healthy"

    async def _abandon_project(self, why: str, status: str) -> str:
        """A project that failed to initialise can never become healthy: give it up (delete it) and
        let the next run create a new one under the same name."""
        from wizard.api import ManagementApiError
        from wizard.clone.journal import StepRecord

        j, ref = self.journal, self._ref()
        j.abandoned_refs.append(ref)
        j.project_ref, j.create_requested_at, j.connection = None, None, None
        j.steps["project"] = StepRecord(note=f"project {ref} ended {status}; a new one will be created")
        save_journal(self.folder, j)
        try:
            await self.api.delete_project(ref)
            cleanup = "musekit deleted it"
        except ManagementApiError as exc:
            cleanup = f"deleting it failed ({exc}); delete it in the Supabase dashboard"
        return (
            f"{why}\n  Project {ref} can never become healthy: {cleanup}. `musekit resume` creates a new "
            f"project named {j.inputs.name!r}."
        )

    async def _step_connection(self) -> str:
        conn = await self.api.database_connection(self._ref())
        record = ConnectionRecord(
            host=conn.host,
            port=conn.session_port,
            user=conn.user,
            dbname=conn.dbname,
            transaction_port=conn.transaction_port,
        )
        self.journal.connection = record
        return f"{conn.session_url} (session mode, for migrations)"

    async def _refresh_connection(self) -> None:
        """The pooler's address can change between runs (a restarted sandbox, a migrated project):
        ask again, and rewrite the journal only if it did."""
        before = self.journal.connection
        await self._step_connection()
        if self.journal.connection != before:
            await self._close_login()
            self._run_log.release()  # the journal changes: the check is no longer a mere look
            self._log("connection", "the database address changed since the last run; journal updated")
            save_journal(self.folder, self.journal)

    async def _step_files(self) -> str:
        from wizard.readme import ensure_readme, write_supabase_config

        written = self._copy_migrations()
        ensure_readme(self.folder, self.template, self.journal.project_ref)
        config = write_supabase_config(self.folder, self._ref())  # a complete Supabase project folder
        self._emit(CloneEvent("warning" if config.conflict else "log", "files", config.message))
        self._ensure_gitignore()
        return f"{written} migration files written to {MIGRATIONS_DIR}"

    def _ensure_gitignore(self) -> None:
        """The journal and lock stay out of git: a Muse folder is meant to be committed."""
        from wizard.fs import inside, write_atomic

        path = inside(self.folder, ".gitignore")
        lines = path.read_text().splitlines() if path.exists() else []
        if GITIGNORED not in lines:
            write_atomic(path, "".join(f"{line}\n" for line in [*lines, GITIGNORED]))

    def _copy_migrations(self) -> int:
        from wizard.fs import inside, write_atomic

        written = 0
        for f in [*core_files(), *self.template.files]:
            data = f.path.read_bytes()
            dest = inside(self.folder, Path(MIGRATIONS_DIR) / f.path.name)
            if dest.exists():
                if dest.read_bytes() == data:
                    continue
                raise CloneError(
                    "files",
                    f"{dest} differs from the template's {f.path}. musekit does not overwrite "
                    f"your edits: restore the file (or move it away) and resume.",
                    self.folder,
                )
            write_atomic(dest, data)
            written += 1
        return written

    async def _step_core_migrations(self) -> str:
        core_versions = {f.version for f in core_files()}
        result = await migrations.apply(
            await self._db_url(),
            self._checked_folder_files("core_migrations"),
            only=core_versions,
            include_all=True,  # a core migration shipped after this Muse's own files sorts before them
            progress=self._migration_progress("core_migrations"),
            before_file=lambda f: failpoint(f"migration:{f.version}"),
        )
        return f"{len(result.applied)} applied, {len(result.already_applied)} already applied"

    async def _step_muse_migrations(self) -> str:
        from wizard.muses import apply_muse

        result = await apply_muse(
            await self._db_url(),
            self._checked_folder_files("muse_migrations"),
            self.template,
            progress=self._migration_progress("muse_migrations"),
            before_file=lambda f: failpoint(f"migration:{f.version}"),
        )
        return f"{len(result.applied)} applied under the core-purity guard"

    async def _step_verify(self) -> str:
        """musekit's checks decide; what they found is recorded as data (the journal, the step's events),
        and the note or the error is made from it."""
        from wizard.muses import verify_findings_in

        async with await self._connect() as conn:  # one login for the history and the checks
            await self._all_applied(conn)
            found = VerifyOutcome.of(await verify_findings_in(conn, self.template))
        record = self.journal.steps["verify"]
        if not found.passed:
            record.verify = found
            raise CloneError("verify", found.failure_message(), self.folder)
        record.verify = await self._platform_advice(found)
        return record.verify.note()

    async def _platform_advice(self, found: VerifyOutcome) -> VerifyOutcome:
        """The platform's own advisors, shown beside musekit's checks (they decide nothing: musekit's do)."""
        from wizard.api import ManagementApiError
        from wizard.muses import platform_advice

        try:
            advice = await platform_advice(self.api, self._ref())
        except ManagementApiError as exc:
            return found.without_platform(str(exc).splitlines()[0])
        found = found.with_platform(advice)
        for line in found.platform:
            self._emit(CloneEvent("warning", "verify", f"platform advisor {line}"))
        return found

    async def _step_readme(self) -> str:
        from wizard.readme import write_table_list

        changed = await write_table_list(self.folder, self.template, db_url=await self._db_url())
        return "README table list written" if changed else "README table list already up to date"

    # -- a finished clone: check, change nothing -------------------------------------------------
    async def check(self) -> list[str]:
        """Read-only confirmation that a finished clone still matches reality. Returns what was checked."""
        import asyncio

        from wizard.readme import table_list_is_current_in

        ref = self._ref()
        # the login (a login role made over the API, then a session) goes on while the project is read: one
        # round trip to the API fewer. The project's answer, and its error, still come first.
        login = asyncio.ensure_future(self._connect())
        try:
            project = await self.api.get_project(ref)
        except BaseException:
            await _discard(login)
            raise
        checked = [f"project {ref} is {project.status}"]
        async with await login as conn:  # one login for the whole check
            applied = await self._all_applied(conn)
            checked.append("migration files match the templates")
            checked.append(f"all {applied} migrations applied")
            if not await table_list_is_current_in(self.folder, self.template, conn):
                raise _Redo("readme", "the README table list is out of date")
        checked.append("README table list is current")
        for line in checked:
            self._log(None, line)
        return checked

    # -- helpers ------------------------------------------------------------------------------
    def _ref(self) -> str:
        if not self.journal.project_ref:
            raise CloneError("project", "no project is recorded in the journal yet", self.folder)
        return self.journal.project_ref

    def _folder_files(self) -> list[migrations.MigrationFile]:
        return migrations.load_folder(self.folder / MIGRATIONS_DIR)

    async def _all_applied(self, conn: psycopg.AsyncConnection) -> int:
        """How many of the folder's migrations are applied; _Redo when the journal says they all are
        and the database disagrees (or the folder lacks files)."""
        for f in [*core_files(), *self.template.files]:
            dest = self.folder / MIGRATIONS_DIR / f.path.name
            if not dest.exists() or dest.read_bytes() != f.path.read_bytes():
                raise _Redo("files", f"{dest} is missing or differs from the template")
        plan = await migrations.read_plan(conn, self._folder_files(), include_all=True)
        if plan.pending:
            core = {f.version for f in core_files()}
            step = "core_migrations" if any(f.version in core for f in plan.pending) else "muse_migrations"
            names = ", ".join(f.filename for f in plan.pending)
            raise _Redo(step, f"{len(plan.pending)} migrations are not applied in the database ({names})")
        return len(plan.applied)

    def _checked_folder_files(self, step: str) -> list[migrations.MigrationFile]:
        """The folder's files, each byte for byte the file musekit ships (a core copy) or the template's
        file (a Muse copy, which the purity check reads before it runs): an edited copy never runs."""
        files = self._folder_files()
        # the journal is a file anyone can edit: the copies are compared with the files themselves. A core
        # copy (it runs without the guard) must be the one this musekit ships; a Muse copy the template's,
        # whose files the purity check reads before they run
        shipped = {f.version: f for f in core_files()}
        template = {f.filename: f.checksum for f in self.template.files}
        for f in files:
            core = shipped.get(f.version)
            if core is not None and (f.filename, f.checksum) != (core.filename, core.checksum):
                raise CloneError(
                    step,
                    f"{f.path} is not the core migration musekit ships for version {f.version} ({core.filename}, "
                    f"byte for byte). The core is never changed: restore that file (delete this one and run "
                    f"`musekit resume` again: it writes the shipped copy).",
                    self.folder,
                )
            checked = template.get(f.filename)
            if core is None and checked != f.checksum:
                what = "it differs from the template's copy" if checked else "it is none of the template's files"
                raise CloneError(
                    step,
                    f"{f.path} is not a file the purity check passed ({what}). musekit runs only checked SQL: "
                    f"restore the file from the template ({self.journal.inputs.muse}), or move your change out "
                    f"of the folder and put it in a new migration after the clone.",
                    self.folder,
                )
        return files

    def _migration_progress(self, step: str) -> migrations.Progress:
        def progress(ev: migrations.MigrationEvent) -> None:
            if ev.kind == "waiting_for_lock":
                self._emit(CloneEvent("log", step, "waiting for another migration run on this database"))
            if ev.file is None:  # only the lock wait has no file
                return
            name = ev.file.filename
            if ev.kind == "file_started":
                self._emit(CloneEvent("migration", step, f"applying {name}", ev.index, ev.total, file=name))
            elif ev.kind == "file_applied":
                self._emit(
                    CloneEvent(
                        "migration",
                        step,
                        f"applied {name} ({ev.seconds:.2f} s)",
                        ev.index,
                        ev.total,
                        file=name,
                        seconds=ev.seconds,
                    )
                )
            elif ev.kind == "statement":
                failpoint(f"statement:{ev.file.version}:{ev.index}")

        return progress

    async def _password_for_create(self) -> str:
        """The password the new project gets: given, found (keyring/env), or generated (kept in the keyring
        when there is one). musekit itself never needs it again: it connects with temporary login roles."""
        j = self.journal
        if not self._password:
            self._password = credentials.find_db_password(self.store, None, j.clone_id)
        if self._password:
            # kept before the create: a run that dies before learning the ref can still connect
            self.store.set(credentials.pending_db_password_key(j.clone_id), self._password)
            return self._password
        password = credentials.generate_db_password()
        stored = self.store.set(credentials.pending_db_password_key(j.clone_id), password)
        if not stored and self._on_new_password is None:
            raise CloneError(
                "project",
                f"no OS keyring is available to keep the generated database password, and nothing to show it "
                f"on. Set {credentials.DB_PASSWORD_ENV} to the password you want and run again.",
                self.folder,
            )
        if self._on_new_password is not None:
            self._on_new_password(password, stored)
        self._password = password
        return password

    async def _db_url(self) -> str:
        """The project's database through a temporary login role (made on first need, removed when the run
        ends): after create, musekit needs only the access token, never the database password."""
        from wizard.api import DatabaseConnection, LoginSession

        rec = self.journal.connection
        if rec is None:
            raise CloneError("connection", "no connection info recorded yet", self.folder)
        if self._login is None:
            conn = DatabaseConnection(
                user=rec.user,
                host=rec.host,
                dbname=rec.dbname,
                session_port=rec.port,
                transaction_port=rec.transaction_port or rec.port,
            )
            step = self.journal.current_step
            self._login = LoginSession(
                self.api,
                self._ref(),
                conn,
                on_event=lambda ev: self._log(step, str(ev)),
                keep_probe=self.journal.finished,  # a finished clone's check connects at once (_connect)
            )
        return await self._login.url()

    async def _connect(self) -> psycopg.AsyncConnection:
        """A connection as `postgres` through the login session (its probe, when the session kept it)."""
        await self._db_url()
        assert self._login is not None  # _db_url made it
        return await self._login.connect()

    async def _close_login(self) -> None:
        if self._login is not None:
            login, self._login = self._login, None
            await login.close()


async def _discard(login: asyncio.Future[psycopg.AsyncConnection]) -> None:
    """Stop a login still under way, or close the session it opened (its login role goes with the run's end)."""
    import asyncio

    login.cancel()
    try:
        conn = await login
    except (asyncio.CancelledError, Exception):  # stopped, or it failed: nothing is open
        return
    await conn.close()


def _remove_litter(folder: Path, created: bool) -> None:
    """Undo what a refused `start` created: the folder it made, or the empty .musekit in a folder that existed."""
    import shutil

    if created:
        shutil.rmtree(folder, ignore_errors=True)
        return
    try:
        (folder / ".musekit").rmdir()
    except OSError:
        pass


def _template_note(template: MuseTemplate) -> str:
    return f"template {template.slug}: {len(template.files)} migration files"


def _checksums(template: MuseTemplate) -> dict[str, str]:
    return {f.filename: f.checksum for f in [*core_files(), *template.files]}


def _static_purity(template: MuseTemplate) -> list[PurityFinding]:
    """Refuses a template whose SQL breaks the purity rules; returns its warnings, to be shown."""
    from wizard.muses import static_findings

    findings = static_findings(template)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise TemplateError(
            f"template {template.slug} breaks the core-purity rules:\n" + "\n".join(f"  - {f}" for f in errors)
        )
    return [f for f in findings if not f.is_error]


async def _validate_remote(api: ManagementAPI, inputs: CloneInputs) -> None:
    """Token, organization, region and name, checked before anything is created. The regions are the ones
    Supabase offers the organization now; when it cannot say, the region is sent as given and the create's
    answer speaks."""
    org = await api.resolve_organization(inputs.organization)
    codes = await api.region_codes(org.slug)
    if codes is not None and inputs.region not in codes:
        raise CloneInputError(
            f"region {inputs.region!r} is not a Supabase region for organization {org.slug}. Choose one of: "
            + ", ".join(sorted(codes))
        )
    existing = await api.find_project(inputs.name, org.slug)
    if existing is not None:
        raise CloneInputError(
            f"organization {org.slug} already has a project named {inputs.name!r} ({existing.ref}). "
            f"Choose another name, or resume the clone that created it (musekit resume DIR)."
        )
