"""Functions: 0011 function_search_path_mutable, 0028 anon_security_definer_function_executable,
0029 authenticated_security_definer_function_executable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.lints.catalog import (
    EXPOSED_SCHEMA,
    PROJECT_SCHEMA,
    SYSTEM_SCHEMAS,
    Context,
    not_extension_member,
    params,
    rows,
)
from wizard.lints.model import Finding, Lint

if TYPE_CHECKING:
    import psycopg

SEARCH_PATH_MUTABLE = Lint(
    "0011",
    "function_search_path_mutable",
    "Function Search Path Mutable",
    "WARN",
    ("SECURITY",),
    "Detects functions where the search_path parameter is not set.",
)
ANON_DEFINER = Lint(
    "0028",
    "anon_security_definer_function_executable",
    "Public Can Execute SECURITY DEFINER Function",
    "WARN",
    ("SECURITY",),
    "Detects `SECURITY DEFINER` functions that are callable without signing in. Revoke `EXECUTE`, switch the "
    "function to `SECURITY INVOKER`, or move it out of your exposed API schema if it is not meant to be public.",
)
AUTHENTICATED_DEFINER = Lint(
    "0029",
    "authenticated_security_definer_function_executable",
    "Signed-In Users Can Execute SECURITY DEFINER Function",
    "WARN",
    ("SECURITY",),
    "Detects `SECURITY DEFINER` functions that are callable by signed-in users. Revoke `EXECUTE`, switch the "
    "function to `SECURITY INVOKER`, or move it out of your exposed API schema if signed-in users should not "
    "call it.",
)

_KINDS = "case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end"

# every kind of routine, aggregates included (splinter does not filter prokind)
MUTABLE_SEARCH_PATH_SQL = f"""
select n.nspname, p.proname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname),
       pg_catalog.pg_get_function_identity_arguments(p.oid), {_KINDS}, pg_catalog.md5(p.prosrc)
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
where {PROJECT_SCHEMA} and {not_extension_member("p.oid")}
  and not exists (select from pg_catalog.unnest(coalesce(p.proconfig, '{{}}')) cfg where cfg like 'search\\_path=%%')
order by 1, 2, 4
"""


def _search_path_fix(kind: str, qname: str, args: str) -> tuple[str, str | None]:
    if kind == "aggregate":
        return (
            "an aggregate cannot carry a search_path setting (ALTER AGGREGATE has no SET), yet splinter flags it: "
            f"give its state and final functions `set search_path = ''`, then move {qname}({args}) to a schema "
            "the linter skips (e.g. `alter aggregate ... set schema extensions`) or drop it",
            None,
        )
    sql = f"alter {kind} {qname}({args}) set search_path = '';"
    return f"{sql} and write every table, type and function in its body schema-qualified (public.x, auth.uid())", sql


async def check_function_search_path(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, name, qname, args, kind, source_md5 in await rows(
        conn, MUTABLE_SEARCH_PATH_SQL, skip=list(SYSTEM_SCHEMAS)
    ):
        fix, sql = _search_path_fix(kind, qname, args)
        out.append(
            SEARCH_PATH_MUTABLE.finding(
                obj=f"{schema}.{name}",
                detail=f"Function `{schema}.{name}` has a role mutable search_path",
                metadata={"schema": schema, "name": name, "type": "function"},
                cache_key=f"function_search_path_mutable_{schema}_{name}_{source_md5}",
                message=f"{kind} {schema}.{name}({args}) has no search_path setting, so the names in its body "
                f"resolve through whatever search_path the caller has",
                fix=fix,
                sql=sql,
            )
        )
    return out


# -- 0028 / 0029: security definer functions the API roles may call ----------------------------------
DEFINER_EXECUTABLE_SQL = f"""
select n.nspname, p.proname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname),
       pg_catalog.pg_get_function_identity_arguments(p.oid), l.lanname::text
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
join pg_catalog.pg_language l on l.oid = p.prolang
join pg_catalog.pg_roles r on r.rolname = %(role)s
where p.prosecdef and pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE') and {EXPOSED_SCHEMA}
order by 1, 2, 4
"""


async def _definer_executable(conn: psycopg.AsyncConnection, ctx: Context, lint: Lint, role: str) -> list[Finding]:
    out = []
    for schema, name, qname, args, language in await rows(conn, DEFINER_EXECUTABLE_SQL, **params(ctx), role=role):
        signature = f"{qname}({args})"
        out.append(
            lint.finding(
                obj=f"{schema}.{name}",
                detail=f"Function `{schema}.{name}({args})` can be executed by the `{role}` role as a `SECURITY "
                f"DEFINER` function via `/rest/v1/rpc/{name}`. Revoke `EXECUTE` or switch it to `SECURITY "
                f"INVOKER` if that is not intentional.",
                metadata={
                    "schema": schema,
                    "name": name,
                    "arguments": args,
                    "language": language,
                    "security_definer": True,
                },
                cache_key=f"{lint.name}_{schema}_{name}_{args}",
                message=f"{schema}.{name}({args}) runs with its owner's rights, bypassing row level security, and "
                f"{role} may call it through the Data API (/rest/v1/rpc/{name})",
                fix=f"move the definer code to a schema the Data API does not expose (e.g. private) and keep a "
                f"security invoker function here that calls it; or, if {role} should not call it, revoke execute "
                f"on function {signature} from {role}{', public' if role == 'anon' else ''};",
            )
        )
    return out


async def check_anon_definer_functions(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    return await _definer_executable(conn, ctx, ANON_DEFINER, "anon")


async def check_authenticated_definer_functions(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    return await _definer_executable(conn, ctx, AUTHENTICATED_DEFINER, "authenticated")
