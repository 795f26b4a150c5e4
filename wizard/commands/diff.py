from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.commands.options import add_db_url
from wizard.errors import ExitCode, UsageError, exit_codes_help

if TYPE_CHECKING:
    from wizard.diff import Side

HELP = "compare the schemas of two Muses, or a Muse's migrations with its live database"
DESCRIPTION = """\
Compare two schemas: tables and their columns (type, null, default, row level security),
enums and their values, views, indexes, policies and functions, each added (+), removed (-)
or changed (~) from A to B. Nothing is written anywhere; a database is only read.

A and B are each one of:
  a Muse folder           what `musekit clone` made: its supabase/migrations/ files
  a folder of .sql files  <version>_<name>.sql migrations (read on top of the core if they
                          hold none of it)
  a Muse template         a shipped slug (`musekit muses list`) or a template folder
  a database URL          postgres://… or postgresql://…: its live catalog

Files are read as SQL (never applied): the comparison is of what they create. The MuseKit
core (what the core migrations create, and the columns, indexes and policies of core
tables) is left out unless --include-core.

With --live, DIR's migration files are compared with its live database (--db-url, or
$MUSEKIT_DB_URL): the differences are drift made outside musekit."""
EPILOG = """\
examples:
  musekit diff socioscheduler realtor            two shipped templates
  musekit diff ./my-muse realtor --include-core  a cloned Muse against a template, core too
  musekit diff ./my-muse --live                  drift: the files vs $MUSEKIT_DB_URL
  musekit diff ./old-muse ./my-muse --json       one JSON object: added/removed/changed per kind

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    notes={
        ExitCode.OK: "the two sides are the same (no drift)",
        ExitCode.FAILED: "they differ (drift with --live), as with diff(1)",
        ExitCode.USAGE: "bad usage, a side that can't be read (folder, SQL, template, database)",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="a Muse folder, a folder of .sql files, a template slug or folder, a URL")
    p.add_argument("b", metavar="B", nargs="?", help="the same kinds as A (not with --live)")
    p.add_argument("--live", action="store_true", help="compare A (a Muse folder) with its database: drift")
    add_db_url(p, "with --live: the Muse's database")
    p.add_argument("--include-core", action="store_true", help="also compare the MuseKit core's objects")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of lines")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from wizard.commands.output import Printer
    from wizard.diff import diff_sides
    from wizard.diff.render import json_data, text_lines

    a, b = _sides(args)
    diff = asyncio.run(diff_sides(a, b, include_core=args.include_core))
    printer = Printer(json_mode=args.json)
    if args.json:
        printer.emit("diff", **json_data(diff, a, b, live=args.live, include_core=args.include_core))
    else:
        for line in text_lines(diff, a, b, live=args.live, include_core=args.include_core):
            printer.info(line)
    return ExitCode.OK if diff.equal else ExitCode.FAILED


def _sides(args: argparse.Namespace) -> tuple[Side, Side]:
    from wizard.commands.options import database_url
    from wizard.diff import resolve_live, resolve_side

    if args.live:
        if args.b is not None:
            raise UsageError(
                f"--live compares one Muse folder with its database, but two sides were given ({args.a}, "
                f"{args.b if not _is_url(args.b) else 'a database URL'}). Drop B (the database comes from "
                "--db-url or $MUSEKIT_DB_URL), or drop --live to compare A with B."
            )
        return resolve_live(args.a, database_url(args))
    if args.db_url:
        raise UsageError("--db-url is for --live. To compare with a database, pass its URL as A or B.")
    if args.b is None:
        raise UsageError(
            f"diff needs two sides, A and B (only {args.a} was given): e.g. `musekit diff socioscheduler "
            "realtor`, or `musekit diff DIR --live` to compare a Muse folder with its database."
        )
    return resolve_side("A", args.a), resolve_side("B", args.b)


def _is_url(text: str) -> bool:
    return text.lower().startswith(("postgres://", "postgresql://"))
