"""The sandbox's persistent state: its organizations and projects, as one JSON file in the
data dir, written atomically (temp file + fsync + rename). No secret is ever stored here:
database passwords live only in PostgreSQL (as SCRAM verifiers), the access token only in
the running process, and the API keys' JWT secrets beside each project's cluster (clusters.py).

Version 1 kept every project in one shared cluster; such a state is moved aside (see
`set_aside_v1`), since its projects cannot be served by per-project clusters."""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from wizard.errors import MusekitError
from wizard.fs import write_atomic

STATE_VERSION = 2
DEFAULT_ORG_SLUG = "musekit-sandbox"
DEFAULT_ORG_NAME = "Sandbox Org"
REF_LENGTH = 20


class SandboxStateError(MusekitError, RuntimeError):
    """The state file cannot be read or written."""


@dataclass
class Organization:
    slug: str
    name: str

    def to_api(self) -> dict[str, str]:
        # `id` is deprecated in favour of `slug`; the real API returns the same value in both.
        return {"id": self.slug, "slug": self.slug, "name": self.name}


@dataclass
class Project:
    ref: str
    number: int  # the integer `id` that DELETE returns
    name: str
    organization_slug: str
    region: str
    created_at: str  # RFC 3339, UTC
    ready_at: float  # epoch seconds: COMING_UP until then
    outcome: str  # status once ready: ACTIVE_HEALTHY or INIT_FAILED
    provisioned: bool  # the project's cluster exists
    desired_instance_size: str | None = None
    pooler_ready_at: float = 0.0  # epoch seconds: the pooler reports the tenant "not found" until then

    db_name = "postgres"  # as on the platform: each project has its own cluster

    @property
    def db_user(self) -> str:
        """The pooler's user name for the project's `postgres` (Supavisor routes by the suffix)."""
        return f"postgres.{self.ref}"

    def status(self, now: float | None = None) -> str:
        return self.outcome if (time.time() if now is None else now) >= self.ready_at else "COMING_UP"

    def pooler_ready(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= max(self.ready_at, self.pooler_ready_at)


@dataclass
class SandboxState:
    path: Path
    organizations: list[Organization] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    next_project_number: int = 1
    gotrue_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    api_port: int = 0
    pooler_host: str = ""  # the loopback address the pooler listens on (kept across restarts)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # -- loading and saving ---------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> SandboxState:
        """Read `path`, or start a fresh state with the default organization."""
        if not path.exists():
            state = cls(path=path, organizations=[Organization(DEFAULT_ORG_SLUG, DEFAULT_ORG_NAME)])
            state.save()
            return state
        try:
            raw = json.loads(path.read_text())
            if raw.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported state version {raw.get('version')!r} (expected {STATE_VERSION})")
            return cls(
                path=path,
                organizations=[Organization(**o) for o in raw["organizations"]],
                projects=[Project(**p) for p in raw["projects"]],
                next_project_number=int(raw["next_project_number"]),
                gotrue_id=str(raw["gotrue_id"]),
                api_port=int(raw.get("api_port", 0)),
                pooler_host=str(raw.get("pooler_host", "")),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SandboxStateError(
                f"the sandbox state file {path} is unreadable ({exc}); move it away to start an empty "
                "sandbox (its databases stay in the cluster under the same data dir)"
            ) from exc

    def save(self) -> None:
        data = {
            "version": STATE_VERSION,
            "gotrue_id": self.gotrue_id,
            "api_port": self.api_port,
            "pooler_host": self.pooler_host,
            "next_project_number": self.next_project_number,
            "organizations": [asdict(o) for o in self.organizations],
            "projects": [asdict(p) for p in self.projects],
        }
        with self._lock:
            write_atomic(self.path, json.dumps(data, indent=2) + "\n")

    # -- queries ----------------------------------------------------------------------
    def organization(self, slug: str) -> Organization | None:
        return next((o for o in self.organizations if o.slug == slug), None)

    def project(self, ref: str) -> Project | None:
        return next((p for p in self.projects if p.ref == ref), None)

    # -- changes (callers save) ----------------------------------------------------------
    def new_ref(self) -> str:
        while True:
            ref = "".join(secrets.choice(string.ascii_lowercase) for _ in range(REF_LENGTH))
            if self.project(ref) is None:
                return ref

    def add_project(self, project: Project) -> None:
        self.projects.append(project)
        self.next_project_number = max(self.next_project_number, project.number + 1)

    def remove_project(self, ref: str) -> None:
        self.projects = [p for p in self.projects if p.ref != ref]

    def finish_provisioning(self, now: float) -> list[str]:
        """Every project still coming up (or still unknown to the pooler) is ready at `now`, with the
        outcome it was given at creation. Returns the refs it changed."""
        finished = []
        for project in list(self.projects):
            if not project.pooler_ready(now):
                project.ready_at = min(project.ready_at, now)
                project.pooler_ready_at = min(project.pooler_ready_at, now)
                finished.append(project.ref)
        return finished


def set_aside_v1(data_dir: Path, state_file: str) -> Path | None:
    """If `data_dir` holds a version-1 sandbox (one shared cluster in `postgres/`), move its state
    and cluster into `v1-<time>/` and return that folder; a new, empty sandbox starts beside it."""
    path = data_dir / state_file
    try:
        version = json.loads(path.read_text()).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    if version != 1:
        return None
    aside = data_dir / f"v1-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
    aside.mkdir()
    for name in (state_file, "postgres"):
        if (data_dir / name).exists():
            (data_dir / name).rename(aside / name)
    return aside


def utc_now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
