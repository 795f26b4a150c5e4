"""Test databases on the session cluster: the core applied by hand, and template databases that
are built once per session and copied per test (`CREATE DATABASE … TEMPLATE`)."""

from __future__ import annotations

import itertools
import os
from typing import Literal

import psycopg
from psycopg import sql

from wizard.pg import EmbeddedPostgres
from wizard.settings import core_migrations_dir

_counter = itertools.count()
MIGRATOR = "postgres"  # the non-superuser role that owns test databases, as with pg.create_database
Template = Literal["shim", "core"]


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{next(_counter)}"


def apply_core(url: str) -> None:
    """Apply the shipped core migrations to `url`: plain psycopg, one transaction per file."""
    with psycopg.connect(url, autocommit=True) as conn:
        for path in sorted(core_migrations_dir().glob("*.sql")):
            with conn.transaction():
                conn.execute(path.read_text())


class Templates:
    """Template databases of one cluster, each built on first use: `shim` (the platform shim, as
    `pg.create_database` makes it) and `core` (the shim plus the core migrations).

    A copy keeps the template's objects, owners and default privileges; what lives outside the
    database (its own ACL) is granted again exactly as `wizard.pg.shim.create_database` does."""

    def __init__(self, pg: EmbeddedPostgres) -> None:
        self._pg = pg
        self._built: dict[Template, str] = {}

    def copy(self, template: Template, name: str, owner: str = MIGRATOR) -> str:
        source = self._built.get(template) or self._build(template)
        with psycopg.connect(self._pg.admin_conninfo(), autocommit=True) as conn:
            db, role = sql.Identifier(name), sql.Identifier(owner)
            # file_copy: for databases this small, cheaper than logging every page (the default)
            create = "create database {} template {} owner {} strategy file_copy"
            conn.execute(sql.SQL(create).format(db, sql.Identifier(source), role))
            conn.execute(sql.SQL("revoke connect on database {} from public").format(db))
            conn.execute(sql.SQL("grant connect on database {} to {}, authenticator").format(db, role))
        return self._pg.url(name)

    def _build(self, template: Template) -> str:
        name = unique_name(f"template_{template}")
        if template == "shim":
            self._pg.create_database(name)
        else:
            apply_core(self.copy("shim", name))
        # nobody may connect to a template (a copy fails while the source has other sessions)
        with psycopg.connect(self._pg.admin_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("alter database {} with allow_connections false").format(sql.Identifier(name)))
        self._built[template] = name
        return name
