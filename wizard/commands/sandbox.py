from __future__ import annotations

import argparse
from pathlib import Path

from wizard.errors import ExitCode, exit_codes_help

HELP = "run a local emulator of the Supabase Management API (each project is an embedded Postgres cluster)"
DESCRIPTION = """\
Run the MuseKit sandbox: a local emulator of the Supabase Management API (the endpoints musekit
uses: organizations, projects, health, API keys, pooler config, SQL queries, temporary login
roles, advisors), answering with the real API's paths, shapes, status codes and headers. Every
project it creates is its own embedded PostgreSQL 17 cluster, with the platform's roles; its
non-superuser `postgres` has the project's db_pass as password. A pooler on a loopback address
of the sandbox's own routes `postgres.<ref>` logins to the project: session mode on port 5432,
transaction mode on 6543, as on the platform. Nothing is hosted or billed.

It prints its address and the one access token it accepts, and writes a Supabase CLI profile
into its data dir, so the official CLI can talk to it:
  SUPABASE_ACCESS_TOKEN=<token> supabase --profile <data-dir>/supabase-profile.yaml projects list

State (organizations, projects) and the clusters persist in --data-dir (default: the sandbox/
folder of musekit's data dir, where `musekit clone --sandbox` and the wizard's sandbox keep theirs
too): a restarted sandbox still has its projects and their databases (a cluster starts when first
used). Runs until Ctrl-C, SIGTERM or SIGHUP, then stops every cluster. `--reset` removes that
folder: every sandbox project and its database (after a confirmation, or with --yes).

Faults can be injected at start (flags below) or changed while it runs:
  curl -X PUT -H "Authorization: Bearer <token>" -d '{"rate_limit_every": 3}' <url>/_sandbox/faults
(PUT replaces all faults; GET shows them.)"""
EPILOG = """\
examples:
  musekit sandbox                                   the default: state in the user data dir, port reused
  musekit sandbox --health-delay 30 --quiet         projects take 30 s to come up; no access log
  musekit sandbox --data-dir /tmp/sb --init-failed 1   a throwaway sandbox whose next project fails to start
  musekit sandbox --health-delay 90 --health-not-found 20 --foreign-projects   as unkind as the platform
  musekit sandbox --reset                           remove every sandbox project and its database (asks first)

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    notes={
        ExitCode.OK: "stopped by Ctrl-C, SIGTERM or SIGHUP (the clusters were stopped too); --reset: removed",
        ExitCode.FAILED: "could not start, or the web server stopped unexpectedly; --reset: could not remove",
        ExitCode.USAGE: "bad arguments, or --reset not confirmed or refused (nothing was started or removed)",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", help="where state and the clusters live (default: the user data dir's musekit/sandbox)"
    )
    p.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port on 127.0.0.1 (default: the last run's port if free, else any free port)",
    )
    p.add_argument(
        "--token",
        help="the access token to accept, 'sbp_' + 40 hex digits (default: $MUSEKIT_SANDBOX_TOKEN, "
        "else a new one each start)",
    )
    p.add_argument(
        "--health-delay",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="how long after its create request a new project turns ACTIVE_HEALTHY (COMING_UP until then); "
        "the platform takes 60-180 "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--rate-limit",
        type=int,
        default=120,
        metavar="N",
        help="requests per minute per endpoint and project/organization before 429 (default: %(default)s)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    p.add_argument(
        "--reset",
        action="store_true",
        help="instead of running: remove the data dir (every project, its cluster and database), after a confirmation",
    )
    p.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    f = p.add_argument_group("faults (all off by default)")
    f.add_argument("--rate-limit-every", type=int, default=0, metavar="N", help="answer every Nth API request with 429")
    f.add_argument(
        "--rate-limit-reset",
        type=int,
        default=0,
        metavar="SECONDS",
        help="x-ratelimit-reset on those 429s (default: the seconds left in the real one-minute window)",
    )
    f.add_argument(
        "--error-burst",
        type=int,
        default=0,
        metavar="K",
        help="answer the first K API requests with --error-status, without effect",
    )
    f.add_argument(
        "--error-status", type=int, default=500, metavar="CODE", help="the 5xx status of --error-burst (default: 500)"
    )
    f.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay every API answer this long")
    f.add_argument(
        "--drop-after-create",
        type=int,
        default=0,
        metavar="N",
        help="the next N project creations commit the project, then drop the connection without answering",
    )
    f.add_argument(
        "--init-failed",
        type=int,
        default=0,
        metavar="N",
        help="the next N created projects end INIT_FAILED instead of ACTIVE_HEALTHY",
    )
    f.add_argument(
        "--slow-health",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="new projects stay COMING_UP (health not healthy) this long, instead of --health-delay",
    )
    f.add_argument(
        "--error-after-create",
        type=int,
        default=0,
        metavar="N",
        help="the next N project creations create the project, then answer --error-status",
    )
    f.add_argument(
        "--health-not-found",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="while a new project is COMING_UP its /health answers 404, and for SECONDS after it reads "
        'ACTIVE_HEALTHY the pooler is UNHEALTHY with {"error":"not found"} (and refuses logins)',
    )
    f.add_argument(
        "--foreign-projects",
        action="store_true",
        help="the account also holds projects in other states (INACTIVE, PAUSING, RESIZING, a status no client "
        "knows, one without `database`), and /available-regions lists a region code no client knows",
    )
    f.add_argument(
        "--login-role-ttl",
        type=int,
        default=0,
        metavar="SECONDS",
        help="how long a temporary login role's password lives (default: the platform's 300)",
    )


def run(args: argparse.Namespace) -> int:
    import signal
    import sys
    import threading

    from wizard import settings
    from wizard.sandbox import Faults, SandboxError, default_data_dir, start_sandbox

    if args.reset:
        return reset(Path(args.data_dir).expanduser().resolve() if args.data_dir else default_data_dir(), args.yes)
    try:
        faults = Faults(
            rate_limit_every=args.rate_limit_every,
            rate_limit_reset=args.rate_limit_reset,
            error_burst=args.error_burst,
            error_status=args.error_status,
            latency=args.latency,
            drop_after_create=args.drop_after_create,
            init_failed=args.init_failed,
            slow_health=args.slow_health,
            error_after_create=args.error_after_create,
            health_not_found=args.health_not_found,
            foreign_projects=args.foreign_projects,
            login_role_ttl=args.login_role_ttl,
        )
    except ValueError as exc:
        print(f"musekit sandbox: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    token = args.token or settings.sandbox_token() or None
    try:
        handle = start_sandbox(
            data_dir,
            port=args.port,
            token=token,
            health_delay=args.health_delay,
            faults=faults,
            rate_limit=args.rate_limit,
            access_log=not args.quiet,
        )
    except ValueError as exc:  # bad arguments: nothing was started
        print(f"musekit sandbox: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except SandboxError as exc:
        print(f"musekit sandbox: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    stop = threading.Event()
    # SIGINT explicitly (a background job inherits it ignored); SIGHUP: a closed terminal
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    try:
        print(handle.banner())
        print("press Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            if not handle.alive:
                print("musekit sandbox: the web server stopped unexpectedly", file=sys.stderr)
                return ExitCode.FAILED
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping the sandbox (web server, pooler, then the clusters)…", flush=True)
        handle.stop()
    return ExitCode.OK


def reset(data_dir: Path, yes: bool) -> int:
    """Remove a sandbox's data dir (stopping clusters a killed sandbox left running), refusing a
    folder that is not a sandbox's and a sandbox that runs."""
    import shutil
    import sys

    if not data_dir.exists():
        print(f"{data_dir}: no sandbox data here; nothing to remove")
        return ExitCode.OK
    projects = _sandbox_projects(data_dir)
    if projects is None:
        print(
            f"musekit sandbox --reset: {data_dir} is not a sandbox's data dir (it has no state.json); nothing was "
            "removed. Pass the folder `musekit sandbox` prints as `data:`.",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    if (pid := _running_pid(data_dir)) is not None:
        print(
            f"musekit sandbox --reset: a sandbox (pid {pid}) runs on {data_dir}; stop it first (Ctrl-C where it "
            "runs, or quit the wizard). Nothing was removed.",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    what = f"{data_dir}: the sandbox's {len(projects)} project(s){': ' + ', '.join(projects) if projects else ''}"
    if not yes and not _confirm(f"Remove {what}, with their databases? Muse folders made on them stay as they are."):
        return ExitCode.USAGE
    _stop_leftover_clusters(data_dir)
    try:
        shutil.rmtree(data_dir)
    except OSError as exc:
        print(f"musekit sandbox --reset: could not remove {data_dir}: {exc.strerror} ({exc.filename})", file=sys.stderr)
        return ExitCode.FAILED
    print(f"removed {what}")
    return ExitCode.OK


def _sandbox_projects(data_dir: Path) -> list[str] | None:
    """The project names in a sandbox's state.json, or None if `data_dir` holds no sandbox state."""
    import json

    try:
        state = json.loads((data_dir / "state.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return []  # a sandbox's, but unreadable: it goes all the same
    projects = state.get("projects") if isinstance(state, dict) else None
    return [f"{p.get('name')} ({p.get('ref')})" for p in projects or () if isinstance(p, dict)]


def _running_pid(data_dir: Path) -> str | None:
    """The pid of a sandbox running on `data_dir` (it holds the lock), else None."""
    import fcntl

    lock = data_dir / ".lock"
    if not lock.exists():
        return None
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            return f.read().strip() or "?"
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def _stop_leftover_clusters(data_dir: Path) -> None:
    """A killed sandbox can leave its clusters running: stop them before their files go."""
    from wizard.pg import EmbeddedPostgres

    for pid_file in data_dir.rglob("postmaster.pid"):
        EmbeddedPostgres(data_dir=pid_file.parent, manage_roles=False).stop_leftover()


def _confirm(question: str) -> bool:
    import sys

    if not sys.stdin.isatty():
        print(
            f"musekit sandbox --reset: {question}\nNo terminal to ask: pass --yes. Nothing was removed.",
            file=sys.stderr,
        )
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        print("not removed")
        return False
    return True
