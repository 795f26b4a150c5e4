from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.commands.options import add_db_url, optional_database_url
from wizard.errors import ExitCode, exit_codes_help

if TYPE_CHECKING:
    from pathlib import Path

HELP = "write the table list of a Muse's README (from its migrations or its database)"
DESCRIPTION = """\
Write the section of a Muse's README.md between <!-- musekit:tables:start --> and
<!-- musekit:tables:end -->: the tables the Muse adds (purpose, columns, row level security
and policies), its enums and views, and the MuseKit core tables and functions it relies on.

DIR is a cloned Muse folder (supabase/migrations/ holds the core migrations and the Muse's;
its name comes from .musekit/clone.json) or a Muse template folder (muse.toml + migrations/).
Which tables are the Muse's: the ones its own migration files create. With --db-url their
details come from the live database's catalog (read-only), otherwise from the SQL.

A missing README is created (title, description, how to apply the migrations, the list);
a README without markers gets them at its end. Text outside the markers is never changed,
and a README already up to date is not rewritten."""
EPILOG = """\
examples:
  musekit readme --dir ./my-muse
  MUSEKIT_DB_URL=... musekit readme --dir ./my-muse   read the tables from the live catalog
  musekit readme --dir ./my-muse --check          exit 1 if the README is out of date

""" + exit_codes_help(
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    notes={
        ExitCode.OK: "written or already up to date",
        ExitCode.FAILED: "out of date (--check) or the database could not be read",
        ExitCode.USAGE: "bad folder, broken markers or invalid SQL (nothing written)",
    },
)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", required=True, metavar="DIR", help="a cloned Muse folder or a Muse template folder")
    add_db_url(p, "read the tables from this database's catalog instead of the migration files")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if the README would change")


def run(args: argparse.Namespace) -> int:
    import asyncio
    from pathlib import Path

    from wizard.pg import describe_url
    from wizard.readme import MuseSources, build_doc, count_phrase, render_table_list, update_readme

    url = optional_database_url(args)
    sources = MuseSources.for_folder(Path(args.dir), _clone_identity(Path(args.dir)))
    doc = asyncio.run(build_doc(sources, url))
    update = update_readme(sources, render_table_list(doc), write=not args.check)

    source = f"the catalog of {describe_url(url)}" if url else "the migration files"
    counts = (
        f"{count_phrase(len(doc.tables), 'table')}, {count_phrase(len(doc.enums), 'enum')}, "
        f"{count_phrase(len(doc.views), 'view')}, from {source}"
    )
    if args.check:
        if update.changed:
            why = {
                "created": "does not exist yet",
                "added": "has no table-list markers yet",
                "replaced": "has an out of date table list",
            }[update.action]
            print(f"{update.path}: {why} ({counts}). Run `musekit readme --dir {args.dir}` to write it.")
            return ExitCode.FAILED
        print(f"{update.path}: the table list is up to date ({counts}).")
        return ExitCode.OK
    said = {
        "created": "created, with the table list",
        "added": "table list added at the end",
        "replaced": "table list updated",
        "unchanged": "table list already up to date; nothing written",
    }
    print(f"{update.path}: {said[update.action]} ({counts}).")
    return ExitCode.OK


def _clone_identity(folder: Path) -> tuple[str, str] | None:
    """(name, description) of the template recorded in a clone's journal, if there is one."""
    from wizard.clone import JournalError, journal_path, load_journal
    from wizard.muses import TemplateError, load_template

    if not journal_path(folder).is_file():
        return None
    try:
        template = load_template(load_journal(folder).inputs.muse)
    except (JournalError, TemplateError):
        return None  # only needed to create a README; the table list comes from the folder's files
    return template.manifest.name, template.manifest.description
