"""Options several commands share."""

from __future__ import annotations

import argparse

from wizard.errors import UsageError
from wizard.settings import DB_URL_ENV, db_url

DB_URL_HINT = (
    f"postgresql://user:password@host:port/db; default: ${DB_URL_ENV}, which is better: a URL on the "
    f"command line, password included, is visible to other users of this machine (ps)"
)


def add_db_url(parser: argparse.ArgumentParser | argparse._ActionsContainer, what: str = "the database") -> None:
    parser.add_argument("--db-url", metavar="URL", help=f"{what} ({DB_URL_HINT})")


def database_url(args: argparse.Namespace) -> str:
    """--db-url, else $MUSEKIT_DB_URL; UsageError when neither is given."""
    url: str | None = args.db_url or db_url()
    if not url:
        raise UsageError(
            f"no database URL: set {DB_URL_ENV} (the password then stays off the command line) or pass --db-url"
        )
    return url


def optional_database_url(args: argparse.Namespace) -> str | None:
    url: str | None = args.db_url or db_url()
    return url
