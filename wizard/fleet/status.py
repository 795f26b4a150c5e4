"""`musekit fleet status`: one row per Muse, read-only, checked concurrently; one Muse that cannot be
read gets a row saying why and never fails the whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from wizard.errors import MusekitError
from wizard.settings import DEFAULT_FLEET_CONCURRENCY

if TYPE_CHECKING:
    from wizard import migrations
    from wizard.api import ManagementAPI
    from wizard.fleet.portfolio import ApiKey, FleetMuse
    from wizard.lints import Level

DEFAULT_CONCURRENCY = DEFAULT_FLEET_CONCURRENCY
# A row counts these; the INFO-only checks (table bloat, indexes) do not run.
COUNTED_LEVELS: tuple[Level, ...] = ("ERROR", "WARN")


@dataclass(frozen=True)
class MuseStatus:
    clone_id: str
    name: str
    folder: str
    template: str
    ref: str | None = None
    template_version: str | None = None
    project_status: str | None = None
    core_applied: int = 0
    core_total: int = 0
    own_applied: int = 0
    own_total: int = 0
    drift: tuple[str, ...] = ()
    lint_errors: int = 0
    lint_warnings: int = 0
    problem: str | None = None  # set when the Muse could not be looked at (then the counts mean nothing)

    @property
    def pending_core(self) -> int:
        return self.core_total - self.core_applied

    @property
    def pending_own(self) -> int:
        return self.own_total - self.own_applied

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "pending_core": self.pending_core, "pending_own": self.pending_own}


async def fleet_status(
    muses: Sequence[FleetMuse],
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_done: Callable[[MuseStatus], None] | None = None,
) -> list[MuseStatus]:
    """Every Muse's row, in the order given. Project statuses come from one project list per API (one
    request, not one per Muse: the API's budget is per endpoint)."""
    from wizard.fleet.portfolio import bounded

    statuses = await _project_statuses(apis)

    async def one(muse: FleetMuse) -> MuseStatus:
        row = await muse_status(muse, apis, core, project_statuses=statuses)
        if on_done is not None:
            on_done(row)
        return row

    return await bounded(muses, one, concurrency)


async def _project_statuses(apis: dict[ApiKey, ManagementAPI | str]) -> dict[str, str]:
    statuses: dict[str, str] = {}
    for api in apis.values():
        if isinstance(api, str):
            continue
        try:
            statuses.update({p.ref: str(p.status) for p in await api.list_projects()})
        except MusekitError:
            pass  # each Muse then asks for its own project, and says why it cannot
    return statuses


async def muse_status(
    muse: FleetMuse,
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    *,
    project_statuses: dict[str, str] | None = None,
) -> MuseStatus:
    import psycopg

    base = MuseStatus(muse.clone_id, muse.name, str(muse.folder), muse.template, ref=muse.ref)
    from wizard.fleet.portfolio import reachable

    api = reachable(muse, apis)
    if isinstance(api, str):
        return replace(base, problem=api)
    try:
        return await _look(base, muse, api, core, (project_statuses or {}).get(muse.ref or ""))
    except (MusekitError, psycopg.Error, OSError) as exc:
        return replace(base, problem=str(exc).splitlines()[0])


async def _look(
    base: MuseStatus,
    muse: FleetMuse,
    api: ManagementAPI,
    core: Sequence[migrations.MigrationFile],
    project_status: str | None,
) -> MuseStatus:
    from wizard.fleet.database import holdings, muse_connection, target_files
    from wizard.lints import run_report
    from wizard.muses import core_differences_in, load_template

    assert muse.ref is not None
    template = load_template(muse.template)
    if project_status is None:
        project_status = str((await api.get_project(muse.ref)).status)
    if project_status != "ACTIVE_HEALTHY":
        return replace(base, project_status=project_status, problem=f"the project is {project_status}")
    files = target_files(muse, core, template)
    async with muse_connection(api, muse.ref) as conn:
        held = await holdings(conn, files, core)
        drift = await core_differences_in(conn, held.applied_core)
        report = await run_report(conn, levels=COUNTED_LEVELS)
    levels = [f.level for f in report.findings]
    own = [f for f in files if f.version not in {c.version for c in core}]
    return replace(
        base,
        template_version=template.manifest.version,
        project_status=project_status,
        core_applied=len(held.applied_core),
        core_total=len(core),
        own_applied=len(own) - len(held.pending_own),
        own_total=len(own),
        drift=tuple(drift),
        lint_errors=levels.count("ERROR"),
        lint_warnings=levels.count("WARN"),
    )
