"""Views the Data API serves: 0002 auth_users_exposed, 0010 security_definer_view and musekit's
stricter musekit_0010_strict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.lints.catalog import (
    API_ROLES,
    EXPOSED_SCHEMA,
    QUOTED_RELATION,
    Context,
    api_privileges,
    exposure,
    not_extension_member,
    params,
    rows,
    table_metadata,
)
from wizard.lints.model import DOCS, Finding, Lint

if TYPE_CHECKING:
    import psycopg

AUTH_USERS_EXPOSED = Lint(
    "0002",
    "auth_users_exposed",
    "Exposed Auth Users",
    "ERROR",
    ("SECURITY",),
    "Detects if auth.users is exposed to anon or authenticated roles via a view or materialized view in schemas "
    "exposed to PostgREST, potentially compromising user data security.",
)
DEFINER_VIEW = Lint(
    "0010",
    "security_definer_view",
    "Security Definer View",
    "ERROR",
    ("SECURITY",),
    "Detects views defined with the SECURITY DEFINER property. These views enforce Postgres permissions and row "
    "level security policies (RLS) of the view creator, rather than that of the querying user",
)
DEFINER_VIEW_STRICT = Lint(
    "musekit_0010_strict",
    "security_definer_view_not_granted_yet",
    "Security Definer View (no API grant yet)",
    "ERROR",
    ("SECURITY",),
    "Detects views without security_invoker in schemas exposed to PostgREST that anon and authenticated cannot "
    "SELECT yet. Splinter 0010 waits for that grant; the first grant would bypass the row level security of "
    "every table the view reads.",
    remediation=f"{DOCS}0010_security_definer_view",
)

_INVOKER = (
    "(pg_catalog.lower(coalesce(c.reloptions::text, '{}'))::text[]"
    " && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])"
)

# A view or materialized view whose rewrite rule reads auth.users, in an exposed schema (splinter
# does not skip Supabase's schemas here), selectable by an API role, and insecure: a materialized
# view (no RLS), a definer view, or an invoker view while auth.users has no RLS.
AUTH_USERS_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION}, c.relkind::text,
       exists (select from pg_catalog.pg_roles r where r.rolname = 'anon'
               and pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT'))
from pg_catalog.pg_class au
join pg_catalog.pg_namespace aun on aun.oid = au.relnamespace and aun.nspname = 'auth' and au.relname = 'users'
join pg_catalog.pg_depend d on d.refobjid = au.oid and d.deptype = 'n'
join pg_catalog.pg_rewrite rw on rw.oid = d.objid
join pg_catalog.pg_class c on c.oid = rw.ev_class
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(exposed)s::text[])
  and exists (select from pg_catalog.pg_roles r where r.rolname = any(%(api)s::text[])
              and pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT'))
  and (c.relkind = 'm'
       or (c.relkind = 'v' and not {_INVOKER})
       or (c.relkind = 'v' and {_INVOKER} and not au.relrowsecurity))
group by n.nspname, c.relname, c.relkind, c.oid
order by 1, 2
"""


async def check_auth_users_exposed(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for schema, name, qview, relkind, anon in await rows(
        conn, AUTH_USERS_SQL, exposed=list(ctx.exposed), api=list(API_ROLES)
    ):
        kind = "materialized view" if relkind == "m" else "view"
        revoke = f"revoke select on {qview} from anon, authenticated;"
        out.append(
            AUTH_USERS_EXPOSED.finding(
                obj=f"{schema}.{name}",
                detail=f'View/Materialized View "{name}" in the public schema may expose `auth.users` data to anon '
                f"or authenticated roles.",
                # splinter's `case` names anon when anon can read it, otherwise authenticated
                metadata={**table_metadata(schema, name, "view"), "exposed_to": ["anon" if anon else "authenticated"]},
                cache_key=f"auth_users_exposed_{schema}_{name}",
                message=f"{kind} {schema}.{name} reads auth.users (emails, phone numbers, metadata) and the API roles "
                f"can select it{'' if relkind == 'v' else ' (a materialized view has no row level security)'}",
                fix=f"{revoke} read the profile from a table of your own (the core keeps public.users in step "
                f"with auth.users) through a view with (security_invoker = true)",
                sql=revoke,
            )
        )
    return out


DEFINER_VIEW_SQL = f"""
select n.nspname, c.relname, {QUOTED_RELATION}, {api_privileges("view")}
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'v' and {EXPOSED_SCHEMA} and {not_extension_member("c.oid")} and not {_INVOKER}
order by 1, 2
"""


async def check_security_definer_views(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    if ctx.server_version < 150000:  # security_invoker exists since PostgreSQL 15
        return []
    out = []
    for schema, name, qview, privileges in await rows(conn, DEFINER_VIEW_SQL, **params(ctx)):
        sql = f"alter view {qview} set (security_invoker = true);"
        lint = DEFINER_VIEW if privileges else DEFINER_VIEW_STRICT
        out.append(
            lint.finding(
                obj=f"{schema}.{name}",
                detail=f"View `{schema}.{name}` is defined with the SECURITY DEFINER property",
                metadata=table_metadata(schema, name, "view"),
                cache_key=f"{lint.name}_{schema}_{name}",
                message=f"view {schema}.{name} runs with its owner's rights (no security_invoker), so it bypasses "
                f"the row level security of the tables it reads; {exposure(privileges, 'view')}",
                fix=sql,
                sql=sql,
            )
        )
    return out
