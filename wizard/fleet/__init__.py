"""The portfolio: every Muse in the registry at once — its status, core (and template) roll-outs with a
canary and a resumable journal. Every database is reached with only the access token (login roles)."""

from wizard.fleet.access import UpgradeAccess
from wizard.fleet.core import core_for
from wizard.fleet.database import MuseLogins
from wizard.fleet.portfolio import ApiKey, FleetMuse, management_apis, portfolio
from wizard.fleet.rollout import (
    MuseRollout,
    Rollout,
    RolloutError,
    core_to_resume,
    new_rollout,
    rollouts_dir,
    run_rollout,
    save_rollout,
    unfinished_rollout,
)
from wizard.fleet.status import DEFAULT_CONCURRENCY, MuseStatus, fleet_status, muse_status
from wizard.fleet.upgrade import MusePlan, UpgradeFailed, plan_fleet, plan_muse, upgrade_muse

__all__ = [
    "DEFAULT_CONCURRENCY",
    "ApiKey",
    "FleetMuse",
    "MuseLogins",
    "MusePlan",
    "MuseRollout",
    "MuseStatus",
    "Rollout",
    "RolloutError",
    "UpgradeAccess",
    "UpgradeFailed",
    "core_for",
    "core_to_resume",
    "fleet_status",
    "management_apis",
    "muse_status",
    "new_rollout",
    "plan_fleet",
    "plan_muse",
    "portfolio",
    "rollouts_dir",
    "run_rollout",
    "save_rollout",
    "unfinished_rollout",
    "upgrade_muse",
]
