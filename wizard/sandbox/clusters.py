"""One embedded PostgreSQL cluster per sandbox project, as on the platform: each has its own
roles (`postgres`, `anon`, `authenticated`, `authenticator`, ...), its own `postgres` database
and its own superuser (`supabase_admin`, reachable only through the cluster's private socket),
so nothing one project does to its roles or data reaches another.

Layout under the sandbox's data dir:
    clusters/template/     a stopped cluster with the platform roles and shim (initdb once, ~3 s)
    clusters/spares/<n>/   a stopped copy of it: the next project's cluster, refilled in the background
    projects/<ref>/pgdata  the project's cluster
    projects/<ref>/jwt_secret   the secret its API keys are signed with

A project's cluster starts when first needed (its create, a query, a pooler login, a health
check), keeps running until the sandbox stops, and is deleted with the project. Its superuser
session for the login-role endpoints is kept while it runs (`admin`): a status or an upgrade of a
Muse makes and removes a login role, and a new backend for each cost more than the DDL itself.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from wizard.pg import EmbeddedPostgres
from wizard.pg import shim as platform_shim
from wizard.pg.embedded import copy_cluster, process_alive

log = logging.getLogger("musekit.sandbox")

TEMPLATE_RECIPE = "musekit-sandbox-template 2"  # change it when the template's making changes
MARKER = "musekit-template"
MIGRATOR = "postgres"
# Small clusters: many run at once. 60 connections, as a hosted micro instance.
SERVER_OPTIONS = ("shared_buffers=16MB", "max_connections=60")
_DATABASE_SQL = "alter database postgres owner to postgres"  # CONNECT stays PUBLIC's, as on the platform


class ClusterError(RuntimeError):
    """A project's cluster could not be made, started or found."""


def _cluster(
    data_dir: Path, socket_logins: tuple[str, ...] = (), initdb_options: tuple[str, ...] = ()
) -> EmbeddedPostgres:
    return EmbeddedPostgres(
        data_dir=data_dir,
        manage_roles=False,
        socket_logins=socket_logins,
        initdb_options=initdb_options,
        server_options=SERVER_OPTIONS,
    )


def _alive(pg: EmbeddedPostgres) -> bool:
    """Started by us, and its server still runs (one killed behind our back is started again)."""
    pid = pg.postmaster_pid()
    return pg.running and pid is not None and process_alive(pid)


def _discard(data_dir: Path) -> None:
    """Remove a cluster's data dir, stopping a server a killed process left running on it."""
    if (data_dir / "postmaster.pid").exists():
        _cluster(data_dir).stop_leftover()
    shutil.rmtree(data_dir, ignore_errors=True)


class _Stock:
    """The template, and spare copies of it so that a project's create only renames a folder.

    A spare is copied by a detached, low-priority `cp -a` that finishes even if this process
    exits first (a short `musekit clone --sandbox` run leaves the next run its spare): it copies
    into `spares/.<pid>.tmp` and renames that to `spares/<pid>` when complete."""

    def __init__(self, root: Path) -> None:
        self.template, self.spares = root / "template", root / "spares"
        self._lock = threading.Lock()
        self._building = threading.Lock()  # one template build at a time
        self._worker: threading.Thread | None = None

    def prepare(self) -> None:
        """Make the template (in a background thread; initdb takes seconds) and a spare, if missing."""
        self.spares.mkdir(parents=True, exist_ok=True)
        for leftover in self.spares.glob(".*.tmp"):  # a copy whose process died
            pid = leftover.name[1:-4]
            if not (pid.isdigit() and process_alive(int(pid))):
                shutil.rmtree(leftover, ignore_errors=True)
        if self._template_ok():
            self._refill()
            return
        with self._lock:
            self._worker = threading.Thread(target=self._build_then_refill, name="musekit-sandbox-template")
            self._worker.start()

    def take(self, target: Path) -> None:
        """Put a fresh stopped cluster at `target`: a spare if one is ready, else a copy of the
        template (made now, at normal priority: a spare still being copied may be slow)."""
        for spare in sorted(self.spares.glob("[!.]*")):
            try:
                spare.rename(target)
                break
            except OSError:  # another create took it first
                continue
        else:
            self._ensure_template()
            copy_cluster(self.template, target)
        self._refill()

    def stop(self) -> None:
        """Wait for a template build (it runs a server); a spare's copy carries on by itself."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join()

    # -- internals ----------------------------------------------------------------------
    def _build_then_refill(self) -> None:
        try:
            self._ensure_template()
            self._refill()
        except Exception as exc:  # the next create makes what it needs itself, and reports
            log.warning("sandbox: preparing the template cluster failed: %s", exc)

    def _template_ok(self) -> bool:
        marker = self.template / MARKER
        return marker.is_file() and marker.read_text() == TEMPLATE_RECIPE

    def _ensure_template(self) -> None:
        with self._building:
            if not self._template_ok():
                self._build_template()

    def _build_template(self) -> None:
        building = self.template.with_name("template.tmp")
        _discard(building)
        pg = _cluster(building, socket_logins=(MIGRATOR,), initdb_options=("--wal-segsize=1",))
        pg.start()
        try:
            platform_shim.ensure_cluster_roles(pg.admin_conninfo(), secrets.token_urlsafe(24))
            with psycopg.connect(pg.admin_conninfo(), autocommit=True) as conn:
                conn.execute(_DATABASE_SQL)
                conn.execute(platform_shim.shim_sql(MIGRATOR))
        finally:
            pg.stop()
        for leftover in ("server.log", "postmaster.opts"):
            (building / leftover).unlink(missing_ok=True)
        (building / MARKER).write_text(TEMPLATE_RECIPE)
        _discard(self.template)
        for old in self.spares.glob("[!.]*"):  # copies of the old template
            _discard(old)
        building.rename(self.template)

    def _refill(self) -> None:
        """Start copying a spare unless one is ready or being copied (or cp is missing)."""
        cp, sh = shutil.which("cp"), shutil.which("sh")
        if cp is None or sh is None or not self._template_ok():
            return
        with self._lock:
            self.spares.mkdir(parents=True, exist_ok=True)
            if any(self.spares.iterdir()):
                return
            nice = shutil.which("nice")
            script = 'd="$1/.$$.tmp"; "$3" -a "$2" "$d" && mv "$d" "$1/$$" || rm -rf "$d"'
            subprocess.Popen(
                [*([nice, "-n", "19"] if nice else []), sh, "-c", script, "sh", self.spares, self.template, cp],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not ours to stop: it ends by itself
            )


def build_template(clusters_dir: Path) -> Path:
    """The stopped template cluster under `clusters_dir` (a sandbox data dir's `clusters/`), built
    now unless a current one is there. A copy of it (`cp -a`, or hard links: it is never started) in
    another sandbox's `clusters/template` spares that sandbox the build."""
    stock = _Stock(clusters_dir)
    stock._ensure_template()
    return stock.template


@dataclass
class _AdminSession:
    """A cluster's kept superuser session, used by one request at a time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    pg: EmbeddedPostgres | None = None  # the running cluster it belongs to
    conn: psycopg.Connection | None = None

    def open_on(self, pg: EmbeddedPostgres) -> psycopg.Connection:
        """The session, (re)opened when it belongs to another run of the cluster or broke."""
        if self.conn is None or self.pg is not pg or not self.alive():
            self.close()
            self.conn, self.pg = psycopg.connect(pg.admin_conninfo(), autocommit=True), pg
        return self.conn

    def alive(self) -> bool:
        """Open and answering (a backend ended by a crash, or by an admin, shows only when used)."""
        if self.conn is None or self.conn.closed:
            return False
        try:
            self.conn.execute("")
        except psycopg.Error:
            return False
        return True

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.pg = self.conn = None


class ProjectClusters:
    """The projects' clusters. Thread-safe: the API's worker threads and the pooler use it at once."""

    def __init__(self, data_dir: Path) -> None:
        self.projects_dir = data_dir / "projects"
        self._stock = _Stock(data_dir / "clusters")
        self._lock = threading.Lock()
        self._running: dict[str, EmbeddedPostgres] = {}
        self._starting: dict[str, threading.Lock] = {}
        self._admins: dict[str, _AdminSession] = {}

    def prepare(self) -> None:
        """Adopt clusters a killed sandbox left running (so they stop with this one), and make the
        template and spare in the background."""
        self.projects_dir.mkdir(parents=True, exist_ok=True)
        for project in self.projects_dir.iterdir():
            pid = _cluster(project / "pgdata").postmaster_pid()
            if pid is not None and process_alive(pid):
                try:
                    self.cluster(project.name)
                except ClusterError as exc:
                    log.warning("sandbox: %s", exc)
        self._stock.prepare()

    def data_dir(self, ref: str) -> Path:
        return self.projects_dir / ref / "pgdata"

    def exists(self, ref: str) -> bool:
        return (self.data_dir(ref) / "PG_VERSION").is_file()

    # -- lifecycle (blocking) -------------------------------------------------------------
    def create(self, ref: str, db_pass: str | None) -> None:
        """The project's JWT secret and (unless `db_pass` is None: a project whose initialisation
        fails) its cluster, started, with `postgres`'s password set. All or nothing."""
        folder = self.projects_dir / ref
        try:
            folder.mkdir(parents=True)
            secret = folder / "jwt_secret"
            secret.touch(mode=0o600)
            secret.write_text(secrets.token_urlsafe(48))
            if db_pass is None:
                return
            self._stock.take(self.data_dir(ref))
            pg = self.cluster(ref)
            with psycopg.connect(pg.admin_conninfo(), autocommit=True) as conn:
                # hashed here: the plain password never reaches the server (nor its log)
                verifier = conn.pgconn.encrypt_password(db_pass.encode(), MIGRATOR.encode(), b"scram-sha-256")
                conn.execute(sql.SQL("alter role postgres password {}").format(sql.Literal(verifier.decode())))
        except BaseException:
            self.drop(ref)
            raise

    def cluster(self, ref: str) -> EmbeddedPostgres:
        """The project's cluster, started (or adopted) if it is not running."""
        with self._lock:
            pg = self._running.get(ref)
            if pg is not None and _alive(pg):
                return pg
            starting = self._starting.setdefault(ref, threading.Lock())
        with starting:
            with self._lock:
                pg = self._running.get(ref)
            if pg is not None and _alive(pg):
                return pg
            if not self.exists(ref):
                raise ClusterError(f"project {ref} has no database cluster")
            pg = _cluster(self.data_dir(ref))
            try:
                pg.start()
            except Exception as exc:
                raise ClusterError(f"the cluster of project {ref} did not start: {exc}") from exc
            with self._lock:
                self._running[ref] = pg
            return pg

    @contextmanager
    def admin(self, ref: str) -> Iterator[psycopg.Connection]:
        """The project's superuser session (autocommit, through the private socket), kept while its
        cluster runs and used by one caller at a time. A caller leaves no session state behind."""
        pg = self.cluster(ref)
        with self._lock:
            session = self._admins.setdefault(ref, _AdminSession())
        with session.lock:
            conn = session.open_on(pg)
            try:
                yield conn
            except psycopg.OperationalError:
                session.close()
                raise

    def _close_admin(self, ref: str) -> None:
        with self._lock:
            session = self._admins.pop(ref, None)
        if session is not None:
            with session.lock:
                session.close()

    def drop(self, ref: str) -> None:
        self._close_admin(ref)
        with self._lock:
            pg = self._running.pop(ref, None)
        if pg is not None:
            pg.stop()
        data = self.data_dir(ref)
        if data.exists():
            _discard(data)
        shutil.rmtree(self.projects_dir / ref, ignore_errors=True)

    def stop(self) -> None:
        """Stop every running cluster (in parallel) and the background worker."""
        self._stock.stop()
        for ref in list(self._admins):
            self._close_admin(ref)
        with self._lock:
            running, self._running = list(self._running.values()), {}
        if running:
            with ThreadPoolExecutor(max_workers=min(8, len(running))) as pool:
                list(pool.map(lambda pg: pg.stop(), running))

    def pids(self) -> list[int]:
        """Postmaster pids of the running clusters."""
        with self._lock:
            found = [pg.postmaster_pid() for pg in self._running.values()]
        return [pid for pid in found if pid is not None]

    def jwt_secret(self, ref: str) -> str:
        try:
            return (self.projects_dir / ref / "jwt_secret").read_text()
        except OSError as exc:
            raise LookupError(f"no JWT secret for project {ref}") from exc
