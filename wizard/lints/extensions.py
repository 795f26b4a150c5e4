"""Extensions: 0014 extension_in_public, 0022 extension_versions_outdated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.lints.catalog import Context, rows
from wizard.lints.model import Finding, Lint

if TYPE_CHECKING:
    import psycopg

EXTENSION_IN_PUBLIC = Lint(
    "0014",
    "extension_in_public",
    "Extension in Public",
    "WARN",
    ("SECURITY",),
    "Detects extensions installed in the `public` schema.",
)
EXTENSION_OUTDATED = Lint(
    "0022",
    "extension_versions_outdated",
    "Extension Versions Outdated",
    "WARN",
    ("SECURITY",),
    "Detects extensions that are not using the default (recommended) version.",
)

# plpgsql lives in pg_catalog on every database; splinter names it anyway.
IN_PUBLIC_SQL = """
select e.extname::text, pg_catalog.quote_ident(e.extname), e.extrelocatable
from pg_catalog.pg_extension e
join pg_catalog.pg_namespace n on n.oid = e.extnamespace
where n.nspname = 'public' and e.extname <> 'plpgsql'
order by 1
"""


async def check_extensions_in_public(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for name, qname, relocatable in await rows(conn, IN_PUBLIC_SQL):
        move = f"alter extension {qname} set schema extensions;"
        out.append(
            EXTENSION_IN_PUBLIC.finding(
                obj=name,
                detail=f"Extension `{name}` is installed in the public schema. Move it to another schema.",
                metadata={"schema": "public", "name": name, "type": "extension"},
                cache_key=f"extension_in_public_{name}",
                message=f"extension {name} put its functions, types and operators in public, the schema the Data "
                f"API exposes and every role's search_path reads first",
                fix=move
                if relocatable
                else f"{name} cannot be moved: drop extension {qname}; then create extension {qname} with schema "
                f"extensions; (recreate what depends on it)",
                sql=move if relocatable else None,
            )
        )
    return out


# Versions no longer available (left behind by pg_upgrade) are skipped, as splinter skips them.
OUTDATED_SQL = """
select e.name::text, pg_catalog.quote_ident(e.name), e.installed_version, e.default_version
from pg_catalog.pg_available_extensions e
join pg_catalog.pg_available_extension_versions v on v.name = e.name and v.installed
where e.installed_version is not null and e.default_version is not null and e.installed_version <> e.default_version
order by 1
"""


async def check_outdated_extensions(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for name, qname, installed, default in await rows(conn, OUTDATED_SQL):
        update = f"alter extension {qname} update;"
        out.append(
            EXTENSION_OUTDATED.finding(
                obj=name,
                detail=f"Extension `{name}` is using version `{installed}` but version `{default}` is available. "
                f"Using outdated extension versions may expose the database to security vulnerabilities.",
                metadata={"extension_name": name, "installed_version": installed, "default_version": default},
                cache_key=f"extension_versions_outdated_{name}_{installed}",
                message=f"extension {name} is at version {installed}; this server's default (recommended) version "
                f"is {default}",
                fix=f"{update} (to {default}; read the extension's release notes first)",
                sql=update,
            )
        )
    return out
