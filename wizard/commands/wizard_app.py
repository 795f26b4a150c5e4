"""`musekit` with no subcommand. Until the Textual wizard lands, this runs the furthest-along
real flow: an embedded database, the core migrations with progress, and the verification."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from wizard import migrations
    from wizard.console import MigrationPrinter
    from wizard.embedded_pg import EmbeddedPostgres
    from wizard.muse_templates import core_files
    from wizard.paths import core_migrations_dir

    print("starting an embedded Postgres 17 (shaped like a hosted Supabase project)…", flush=True)
    with EmbeddedPostgres.throwaway() as pg:
        url = pg.create_database("musekit_demo")
        files = core_files()
        printer = MigrationPrinter(stream=sys.stdout)
        printer.header(core_migrations_dir(), files, migrations.describe_url(url), False)
        result = asyncio.run(migrations.apply(url, files, progress=printer.event))
        printer.result(result)
        try:
            from wizard.verify import verify_url
        except ImportError:
            print("verification: not built yet")
            return 0
        findings = asyncio.run(verify_url(url))
        print(f"verification: {len(findings)} findings")
        for f in findings:
            print(f"  {f}")
        return 3 if findings else 0
