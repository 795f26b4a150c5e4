"""A core (or template) roll-out over the portfolio: canary Muses first, then the rest with bounded
concurrency, stopping at the first failure unless told to keep going. Its journal (in the data dir,
atomic, mode 0600) makes it resumable: after Ctrl-C or kill -9, `--resume` finishes the Muses not
done, applies nothing twice (each Muse's history says what is applied) and reports the same table."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from wizard.errors import ExitCode, MusekitError

if TYPE_CHECKING:
    from wizard import migrations
    from wizard.api import ManagementAPI
    from wizard.fleet.database import MuseLogins
    from wizard.fleet.portfolio import ApiKey, FleetMuse
    from wizard.fleet.upgrade import MusePlan

ROLLOUT_ID = r"^\d{14,17}-[0-9a-f]{6}$"  # when it started (to the millisecond), then a random part
State = Literal["pending", "upgraded", "unchanged", "skipped", "failed", "not_started"]
FINAL: frozenset[str] = frozenset({"upgraded", "unchanged", "skipped", "failed"})


class RolloutError(MusekitError):
    exit_code = ExitCode.USAGE


class MuseRollout(BaseModel):
    clone_id: str
    name: str
    files: list[str]  # what the plan found pending when the roll-out started
    state: State = "pending"
    detail: str = ""


class Rollout(BaseModel):
    """The roll-out journal."""

    id: str = Field(pattern=ROLLOUT_ID)  # also the journal's file name: never a path
    started_at: datetime
    core_dir: str | None  # absolute; None: the core shipped with musekit
    # file name -> sha256 of every core migration its plan compared with (journals before it: empty)
    core_files: dict[str, str] = Field(default_factory=dict)
    canary: int
    keep_going: bool
    muses: list[MuseRollout]
    finished: bool = False

    @property
    def failed(self) -> bool:
        return any(m.state == "failed" for m in self.muses)


def rollouts_dir() -> Path:
    from wizard.settings import data_dir

    return data_dir() / "rollouts"


def new_rollout(
    plans: Sequence[MusePlan],
    core: Sequence[migrations.MigrationFile],
    *,
    core_dir: str | Path | None,
    canary: int,
    keep_going: bool,
) -> Rollout:
    """The journal of a roll-out of `plans`, made against `core` (read from `core_dir`, or shipped)."""
    from wizard.clone.journal import now

    muses = [
        MuseRollout(
            clone_id=p.clone_id,
            name=p.name,
            files=list(p.files),
            state="skipped" if p.skip else ("pending" if p.files else "unchanged"),
            detail=p.skip or ("" if p.files else "up to date"),
        )
        for p in plans
    ]
    stamp = now()
    rollout_id = f"{stamp:%Y%m%d%H%M%S}{stamp.microsecond // 1000:03d}-{secrets.token_hex(3)}"  # sorts as started
    return Rollout(
        id=rollout_id,
        started_at=stamp,
        core_dir=str(Path(core_dir).resolve()) if core_dir is not None else None,
        core_files={f.filename: f.checksum for f in core},
        canary=canary,
        keep_going=keep_going,
        muses=muses,
    )


def core_to_resume(rollout: Rollout, core_dir: str | Path | None) -> list[migrations.MigrationFile]:
    """The core a resumed roll-out applies. A journal is a file anyone with access to the data dir can write,
    so it never chooses which SQL runs: a core folder must be named again by the user (`core_dir`), and its
    files must be the ones the plan saw, unchanged. RolloutError otherwise; nothing is applied then."""
    from wizard.fleet.core import core_for

    given = str(Path(core_dir).resolve()) if core_dir is not None else None
    if given != rollout.core_dir:
        if rollout.core_dir is None:
            raise RolloutError(
                f"roll-out {rollout.id} rolls out the core shipped with musekit, not {given}: "
                f"resume it without --core-dir."
            )
        raise RolloutError(
            f"roll-out {rollout.id} rolls out the core migrations in {rollout.core_dir}. Its journal alone never "
            f"chooses which SQL runs: name that folder to resume it, "
            f"`musekit fleet upgrade --resume --core-dir {rollout.core_dir}`."
        )
    core = core_for(rollout.core_dir)
    changes = _changes(rollout.core_files, {f.filename: f.checksum for f in core})
    if rollout.core_files and changes:
        where = rollout.core_dir or "the core shipped with musekit (was musekit upgraded?)"
        again = f" --core-dir {rollout.core_dir}" if rollout.core_dir else ""
        raise RolloutError(
            f"the core migrations changed since roll-out {rollout.id} started ({', '.join(changes)}) in {where}; "
            f"nothing was applied. Start a new roll-out to see its plan: "
            f"`musekit fleet upgrade{again} --dry-run`."
        )
    return core


def _changes(planned: dict[str, str], now: dict[str, str]) -> list[str]:
    changed = [f"{name} differs" for name in sorted(planned.keys() & now.keys()) if planned[name] != now[name]]
    return (
        [f"{name} is new" for name in sorted(now.keys() - planned.keys())]
        + [f"{name} is gone" for name in sorted(planned.keys() - now.keys())]
        + changed
    )


def save_rollout(rollout: Rollout) -> None:
    from wizard.fs import write_atomic

    write_atomic(rollouts_dir() / f"{rollout.id}.json", rollout.model_dump_json(indent=2) + "\n", mode=0o600)


def unfinished_rollout() -> Rollout | None:
    """The last roll-out, if it did not finish; RolloutError when its journal cannot be read. An older one
    left unfinished is not offered: the roll-out after it planned from what its Muses then held."""
    folder = rollouts_dir()
    journals = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not journals:
        return None
    path = journals[-1]
    try:
        rollout = Rollout.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise RolloutError(f"{path}: the roll-out journal cannot be read ({exc.__class__.__name__}).") from None
    return None if rollout.finished else rollout


Report = Callable[[str], None]


async def run_rollout(
    rollout: Rollout,
    muses: dict[str, FleetMuse],
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    *,
    concurrency: int,
    say: Report,
    logins: MuseLogins | None = None,
) -> Rollout:
    """Canary first, then the rest. Every state change is journaled before the next Muse starts."""
    todo = [m for m in rollout.muses if m.state in ("pending", "not_started")]
    for m in todo:
        m.state = "pending"
    canary, rest = todo[: rollout.canary], todo[rollout.canary :]
    if canary:
        say(f"canary: {', '.join(m.name for m in canary)}")
        await _wave(rollout, canary, muses, apis, core, concurrency, say, stop_at_failure=True, logins=logins)
    if rollout.failed and canary:
        say("the canary failed: no other Muse was touched")
    elif rest:
        await _wave(
            rollout, rest, muses, apis, core, concurrency, say, stop_at_failure=not rollout.keep_going, logins=logins
        )
    for m in rollout.muses:
        if m.state == "pending":
            m.state, m.detail = "not_started", "stopped after a failure"
    rollout.finished = True
    save_rollout(rollout)
    return rollout


async def _wave(
    rollout: Rollout,
    wave: Sequence[MuseRollout],
    muses: dict[str, FleetMuse],
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    concurrency: int,
    say: Report,
    *,
    stop_at_failure: bool,
    logins: MuseLogins | None,
) -> None:
    from wizard.clone import failpoint
    from wizard.fleet.portfolio import bounded

    async def one(entry: MuseRollout) -> None:
        if stop_at_failure and rollout.failed:
            return  # scheduled no further after a failure
        await _upgrade_one(entry, muses.get(entry.clone_id), apis, core, say, logins)
        save_rollout(rollout)
        failpoint(f"fleet:after:{entry.name}")

    await bounded(wave, one, concurrency)


async def _upgrade_one(
    entry: MuseRollout,
    muse: FleetMuse | None,
    apis: dict[ApiKey, ManagementAPI | str],
    core: Sequence[migrations.MigrationFile],
    say: Report,
    logins: MuseLogins | None,
) -> None:
    from wizard.fleet.portfolio import reachable
    from wizard.fleet.upgrade import UpgradeFailed, upgrade_muse

    api = reachable(muse, apis) if muse is not None else "the Muse is no longer registered"
    if muse is None or isinstance(api, str):
        entry.state, entry.detail = "failed", str(api)
        say(f"✗ {entry.name}: {entry.detail}")
        return
    say(f"… {entry.name}: upgrading ({len(entry.files)} file(s))")
    try:
        await upgrade_muse(muse, api, core, on_progress=say, logins=logins)
    except UpgradeFailed as exc:
        entry.state, entry.detail = "failed", str(exc)
        say(f"✗ {entry.name}: {exc}")
        return
    entry.state, entry.detail = "upgraded", f"{len(entry.files)} file(s) applied and verified"
    say(f"✓ {entry.name}: {entry.detail}")
