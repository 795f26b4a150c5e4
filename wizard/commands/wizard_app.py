"""`musekit` with no subcommand: the Textual wizard, against the Supabase Management API, or with
`--sandbox` against the local sandbox (an embedded PostgreSQL 17 and an emulator of the API).
Only the stdlib is imported here; Textual is imported when the wizard runs."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    import sys

    from wizard.app import MuseKitApp

    app = MuseKitApp(sandbox=bool(getattr(args, "sandbox", False)))
    try:
        app.run()
    finally:
        app.connection.stop_sandbox()  # also waits for a sandbox still starting
    if app.exit_after_first_paint and app.first_paint_s is not None:
        # for `make bench` (MUSEKIT_EXIT_AFTER_FIRST_PAINT=1): process start -> first painted frame
        print(f"first paint after {app.first_paint_s * 1000:.0f} ms", file=sys.stderr)
    return app.return_code or 0  # 130 when quit during a step (the clone stays resumable)
