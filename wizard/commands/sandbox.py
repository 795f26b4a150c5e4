from __future__ import annotations

import argparse

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

State (organizations, projects) and the clusters persist in --data-dir: a restarted sandbox still
has its projects and their databases (a cluster starts when first used). Runs until Ctrl-C,
SIGTERM or SIGHUP, then stops every cluster.

Faults can be injected at start (flags below) or changed while it runs:
  curl -X PUT -H "Authorization: Bearer <token>" -d '{"rate_limit_every": 3}' <url>/_sandbox/faults
(PUT replaces all faults; GET shows them.)"""
EPILOG = """\
examples:
  musekit sandbox                                   the default: state in the user data dir, port reused
  musekit sandbox --health-delay 30 --quiet         projects take 30 s to come up; no access log
  musekit sandbox --data-dir /tmp/sb --init-failed 1   a throwaway sandbox whose next project fails to start
  musekit sandbox --health-delay 90 --health-not-found 20 --foreign-projects   as unkind as the platform

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    notes={
        ExitCode.OK: "stopped by Ctrl-C, SIGTERM or SIGHUP (the clusters were stopped too)",
        ExitCode.FAILED: "could not start, or the web server stopped unexpectedly",
        ExitCode.USAGE: "bad arguments (nothing was started)",
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
        help="how long a new project stays COMING_UP before ACTIVE_HEALTHY; the platform takes 60-180 "
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
    from pathlib import Path

    from wizard import settings
    from wizard.sandbox import Faults, SandboxError, default_data_dir, start_sandbox

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
