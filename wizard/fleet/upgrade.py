"""Upgrading one Muse: its pending core files in one transaction, then its template's pending files in
one transaction under the purity guard, then the checks, then its folder (files and README table list).
A Muse with core drift, a conflicting file or an impure template is skipped before anything runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard import migrations
from wizard.errors import MusekitError

if TYPE_CHECKING:
    from wizard.api import ManagementAPI
    from wizard.fleet.database import MuseLogins
    from wizard.fleet.portfolio import ApiKey, FleetMuse
    from wizard.muses import MuseTemplate


class UpgradeFailed(MusekitError):
    """The upgrade of one Muse stopped; what was applied was applied whole (one transaction per part)."""


@dataclass(frozen=True)
class MusePlan:
    """What upgrading a Muse would apply, or why it is skipped."""

    name: str
    clone_id: str
    files: tuple[str, ...] = ()  # file names, core first
    skip: str | None = None

    @property
    def needed(self) -> bool:
        return self.skip is None and bool(self.files)


async def plan_muse(
    muse: FleetMuse,
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    logins: MuseLogins | None = None,
) -> MusePlan:
    """Read-only: the pending files, or the reason to skip (drift, conflicts, impure template, unreachable)."""
    import psycopg

    from wizard.fleet.database import holdings, muse_connection, target_files
    from wizard.fleet.portfolio import reachable
    from wizard.muses import load_template, static_findings, verify_findings_in

    api = reachable(muse, apis)
    if isinstance(api, str):
        return MusePlan(muse.name, muse.clone_id, skip=api)
    assert muse.ref is not None  # reachable() said so
    try:
        template = load_template(muse.template)
        impure = [f for f in static_findings(template) if f.is_error]
        if impure:
            return MusePlan(muse.name, muse.clone_id, skip=f"its template breaks the purity rules: {impure[0]}")
        files = target_files(muse, core, template)
        async with muse_connection(api, muse.ref, logins) as conn:
            held = await holdings(conn, files, core)
            checked = await verify_findings_in(conn, None, held.applied_core)  # the core compared once
    except (MusekitError, psycopg.Error, OSError) as exc:
        return MusePlan(muse.name, muse.clone_id, skip=str(exc).splitlines()[0])
    drift, failing = list(checked.core), checked.lines()
    if drift or failing:
        what, found = ("core drift", drift) if drift else ("a failing check", failing)
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return MusePlan(muse.name, muse.clone_id, skip=f"{what}: {found[0]}{more}")
    pending = [*held.pending_core, *held.pending_own]
    return MusePlan(muse.name, muse.clone_id, tuple(f.filename for f in pending))


async def plan_fleet(
    muses: Sequence[FleetMuse],
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    *,
    concurrency: int,
    logins: MuseLogins | None = None,
) -> list[MusePlan]:
    """Every Muse's plan, looked at `concurrency` at a time, in the order given."""
    from wizard.fleet.portfolio import bounded

    return await bounded(muses, lambda muse: plan_muse(muse, apis, core, logins), concurrency)


async def upgrade_muse(
    muse: FleetMuse,
    api: ManagementAPI,
    core: Sequence[migrations.MigrationFile],
    *,
    on_progress: Callable[[str], None] | None = None,
    logins: MuseLogins | None = None,
) -> int:
    """Apply what is pending (looked at again now: a resumed roll-out applies nothing twice), check, and bring
    the folder up to date. Returns how many files this call applied; UpgradeFailed when a step fails."""
    import psycopg

    from wizard.fleet.database import MuseLogins, holdings, muse_connection, target_files
    from wizard.muses import apply_muse, load_template, verify_database_in
    from wizard.readme import write_table_list_in

    say = on_progress or (lambda _: None)
    assert muse.ref is not None
    try:
        template = load_template(muse.template)
        files = target_files(muse, core, template)
        async with MuseLogins.or_new(logins) as logins:  # one login role for the whole upgrade
            async with muse_connection(api, muse.ref, logins) as conn:  # one session for the core part and the checks
                held = await holdings(conn, files, core)
                applied = 0
                if held.pending_core:
                    say(f"{muse.name}: applying {len(held.pending_core)} core migration(s) in one transaction")
                    only = {f.version for f in held.pending_core}
                    result = await migrations.apply_on(conn, files, only=only, include_all=True, atomic=True)
                    applied += len(result.applied)
                if held.pending_own:  # the template's files run and are checked by the guard on sessions of their own
                    say(f"{muse.name}: applying {len(held.pending_own)} {template.slug} migration(s) under the guard")
                    url = await logins.url(api, muse.ref)
                    applied += len((await apply_muse(url, files, template)).applied)
                problems = await verify_database_in(conn, template, core)
                if problems:
                    raise UpgradeFailed(f"{len(problems)} check(s) failed after the upgrade: {problems[0]}")
                _write_folder(muse, template, files)
                await write_table_list_in(muse.folder, template, conn)
    except UpgradeFailed:
        raise
    except (MusekitError, psycopg.Error, OSError) as exc:
        raise UpgradeFailed(str(exc).splitlines()[0]) from None
    return applied


def _write_folder(muse: FleetMuse, template: MuseTemplate, files: Sequence[migrations.MigrationFile]) -> None:
    """The new files into supabase/migrations, so `supabase migration list` stays in sync."""
    from wizard.clone import MIGRATIONS_DIR
    from wizard.fs import inside, write_atomic

    for f in files:
        dest = inside(muse.folder, MIGRATIONS_DIR / f.filename)
        if not dest.exists():
            write_atomic(dest, f.path.read_bytes())
