"""`musekit fleet status|upgrade`: the whole portfolio of Muses at once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wizard.errors import ExitCode, UsageError, exit_codes_help

if TYPE_CHECKING:
    from wizard.fleet import MusePlan, MuseStatus, Rollout

HELP = "every Muse at once: status, and core roll-outs that never half-upgrade a Muse"
DESCRIPTION = """\
The portfolio: every Muse musekit cloned on this machine (its registry in the data dir).
Only the access token is needed: each database is reached with a temporary login role.

  status    one row per Muse: project status, core and template migrations applied vs
            shipped, core drift (the live core against the canonical one), lint counts.
            Read-only; a Muse whose folder or project is unavailable gets a row saying so.
  upgrade   apply pending core migrations (from this musekit, or --core-dir) and pending
            migrations of a newer template to every Muse that needs them: canary Muses
            first, then the rest; each Muse's core files in one transaction, its own under
            the purity guard, then the checks, then its folder (files, README table list).
            A Muse with core drift, a conflicting file or a failing check is skipped with
            the reason, never half-upgraded. Resumable: `musekit fleet upgrade --resume`."""
EPILOG = """\
examples:
  musekit fleet status
  musekit fleet status --json | jq '.[] | select(.pending_core > 0) | .name'
  musekit fleet upgrade --dry-run                       the plan: which files go to which Muses
  musekit fleet upgrade --core-dir ../musekit/templates/core/migrations --canary 2 --yes
  musekit fleet upgrade --resume                        finish an interrupted roll-out
  musekit fleet upgrade --resume --core-dir DIR         ... of DIR's core (named again: the journal never chooses)

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    notes={
        ExitCode.OK: "shown / every Muse upgraded or up to date",
        ExitCode.FAILED: "a Muse failed or was skipped",
        ExitCode.USAGE: "bad usage",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="fleet_command", metavar="SUBCOMMAND")
    fmt = argparse.RawDescriptionHelpFormatter
    status = sub.add_parser("status", help="one row per Muse (read-only)", formatter_class=fmt, epilog=EPILOG)
    _common(status)
    upgrade = sub.add_parser(
        "upgrade", help="roll pending core/template migrations out to every Muse", formatter_class=fmt, epilog=EPILOG
    )
    _common(upgrade)
    upgrade.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    upgrade.add_argument("--canary", type=int, default=1, metavar="N", help="Muses upgraded and verified first (1)")
    upgrade.add_argument("--keep-going", action="store_true", help="after a failure, still upgrade the others")
    upgrade.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    upgrade.add_argument(
        "--resume",
        action="store_true",
        help="finish the last interrupted roll-out (with the --core-dir it had, if any)",
    )


def _common(p: argparse.ArgumentParser) -> None:
    from wizard.settings import DEFAULT_FLEET_CONCURRENCY

    p.add_argument("--muse", action="append", default=[], metavar="NAME|SLUG", help="only these Muses (repeatable)")
    p.add_argument(
        "--core-dir", metavar="DIR", help="the core migrations to compare with / roll out (default: this musekit's)"
    )
    p.add_argument(
        "--concurrency", type=int, default=DEFAULT_FLEET_CONCURRENCY, metavar="N", help="Muses at once (%(default)s)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    import asyncio

    if args.fleet_command is None:
        raise UsageError("say what to do: `musekit fleet status` or `musekit fleet upgrade` (see --help)")
    if args.concurrency < 1 or getattr(args, "canary", 0) < 0:
        raise UsageError("--concurrency must be at least 1 and --canary at least 0")
    if args.fleet_command == "status":
        return asyncio.run(_status(args))
    return asyncio.run(_upgrade(args))


async def _status(args: argparse.Namespace) -> int:
    from wizard.clone import SecretStore
    from wizard.fleet import core_for, fleet_status, management_apis, portfolio

    muses = portfolio(args.muse)
    core = core_for(args.core_dir)
    store = SecretStore(notify=lambda line: print(line, file=sys.stderr))
    async with management_apis(muses, store, interactive=sys.stdin.isatty()) as apis:
        rows = await fleet_status(muses, apis, core, concurrency=args.concurrency)
    if args.json:
        import json

        print(json.dumps([r.as_dict() for r in rows], indent=2))
    else:
        _print_status(rows, len(core))
    return ExitCode.OK


def _print_status(rows: Sequence[MuseStatus], shipped: int) -> None:
    if not rows:
        print("no Muses yet: `musekit clone` (or the wizard) registers each one it makes")
        return
    print(f"{'MUSE':<20} {'PROJECT':<22} {'TEMPLATE':<22} {'CORE':>7} {'OWN':>7}  DRIFT  LINTS")
    for r in rows:
        if r.problem is not None:
            print(f"{r.name:<20} {r.ref or '-':<22} {r.template:<22} unavailable: {r.problem}")
            continue
        template = f"{r.template} {r.template_version or ''}".strip()
        core = f"{r.core_applied}/{r.core_total}"
        own = f"{r.own_applied}/{r.own_total}"
        drift = f"{len(r.drift)}" if r.drift else "none"
        lints = f"{r.lint_errors}E {r.lint_warnings}W"
        print(f"{r.name:<20} {r.ref or '-':<22} {template:<22} {core:>7} {own:>7}  {drift:<5}  {lints}")
        print(f"{'':<20} {r.project_status or '':<22} {r.folder}")
        for line in r.drift:
            print(f"{'':<20} drift: {line}")
    behind = sum(1 for r in rows if r.problem is None and (r.pending_core or r.pending_own))
    print(f"\n{len(rows)} Muse(s); {behind} with pending migrations (core shipped: {shipped} files)")


async def _upgrade(args: argparse.Namespace) -> int:
    from wizard.clone import SecretStore
    from wizard.fleet import (
        MuseLogins,
        RolloutError,
        core_for,
        core_to_resume,
        management_apis,
        new_rollout,
        plan_fleet,
        portfolio,
        run_rollout,
        save_rollout,
        unfinished_rollout,
    )

    say = _reporter(args.json)
    rollout: Rollout | None = unfinished_rollout() if args.resume else None
    if args.resume and rollout is None:
        raise RolloutError("there is no unfinished roll-out to resume (`musekit fleet upgrade` starts one)")
    core = core_to_resume(rollout, args.core_dir) if rollout is not None else core_for(args.core_dir)
    ids = {m.clone_id for m in rollout.muses} if rollout is not None else None
    muses = [m for m in portfolio(args.muse) if ids is None or m.clone_id in ids]
    store = SecretStore(notify=lambda line: print(line, file=sys.stderr))
    # one login role per Muse from the plan to the end of its upgrade
    async with management_apis(muses, store, interactive=sys.stdin.isatty()) as apis, MuseLogins() as logins:
        if rollout is None:
            plans = await plan_fleet(muses, apis, core, concurrency=args.concurrency, logins=logins)
            _print_plan(plans, say)
            if args.dry_run:
                return ExitCode.OK
            if not any(p.needed for p in plans):
                say("nothing to upgrade")
                return ExitCode.FAILED if any(p.skip for p in plans) else ExitCode.OK
            if not args.yes and not _confirm(sum(p.needed for p in plans)):
                say("not confirmed; nothing was changed")
                return ExitCode.FAILED
            rollout = new_rollout(plans, core, core_dir=args.core_dir, canary=args.canary, keep_going=args.keep_going)
            save_rollout(rollout)
        else:
            say(f"resuming roll-out {rollout.id}")
        done = await run_rollout(
            rollout, {m.clone_id: m for m in muses}, apis, core, concurrency=args.concurrency, say=say, logins=logins
        )
    _print_outcome(done, args.json)
    return ExitCode.FAILED if any(m.state in ("failed", "skipped", "not_started") for m in done.muses) else ExitCode.OK


def _reporter(json_mode: bool) -> Callable[[str], None]:
    def say(line: str) -> None:
        print(line, file=sys.stderr if json_mode else sys.stdout, flush=True)

    return say


def _print_plan(plans: Sequence[MusePlan], say: Callable[[str], None]) -> None:
    say("plan:")
    for p in plans:
        if p.skip:
            say(f"  skip    {p.name}: {p.skip}")
        elif p.files:
            say(f"  upgrade {p.name}: {', '.join(p.files)}")
        else:
            say(f"  ok      {p.name}: up to date")


def _confirm(count: int) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("confirmation needed but there is no terminal to ask: pass --yes (or --dry-run first)")
    answer = input(f"Upgrade {count} Muse(s)? [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _print_outcome(rollout: Rollout, json_mode: bool) -> None:
    if json_mode:
        print(rollout.model_dump_json(indent=2))
        return
    print(f"\nroll-out {rollout.id}:")
    for m in rollout.muses:
        print(f"  {m.state:<11} {m.name}: {m.detail}")
