"""Catalog queries for the Supabase splinter lints the templates must pass (0001, 0003, 0006,
0007, 0008, 0010, 0011, 0013, 0024), written after splinter's own SQL, plus one MuseKit rule
(every column a policy reads is the leading column of an index).

Test-side only: `musekit verify` (wizard/verify.py) is the product's implementation."""

from __future__ import annotations

from dataclasses import dataclass

_SYSTEM_SCHEMAS = (
    "'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', "
    "'pgsodium', 'pgsodium_masks', 'pgbouncer', 'pg_catalog', 'pgtle', 'realtime', 'storage', "
    "'supabase_functions', 'supabase_migrations', 'vault', 'pg_toast'"
)

LINT_QUERIES: dict[str, str] = {
    "0001_unindexed_foreign_keys": f"""
        select format('%s.%s', c.conrelid::regclass, c.conname)
        from pg_constraint c
        join pg_class t on t.oid = c.conrelid
        where c.contype = 'f'
          and t.relnamespace::regnamespace::text not in ({_SYSTEM_SCHEMAS})
          and not exists (
            select 1 from pg_index i
            where i.indrelid = c.conrelid and i.indisvalid
              and string_to_array(i.indkey::text, ' ')::smallint[] = c.conkey)""",
    "0003_auth_rls_initplan": f"""
        select format('%s.%s', schemaname, policyname || ' on ' || tablename)
        from pg_policies
        where schemaname not in ({_SYSTEM_SCHEMAS})
          and ((qual ~ '(auth)\\.(uid|jwt|role|email)\\(\\)'
                and lower(qual) !~ 'select\\s+(auth)\\.(uid|jwt|role|email)\\(\\)')
            or (with_check ~ '(auth)\\.(uid|jwt|role|email)\\(\\)'
                and lower(with_check) !~ 'select\\s+(auth)\\.(uid|jwt|role|email)\\(\\)'))""",
    "0006_multiple_permissive_policies": f"""
        select format('%s.%s %s %s', n.nspname, c.relname, r.rolname, act.cmd)
        from pg_policy p
        join pg_class c on c.oid = p.polrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_roles r on p.polroles @> array[r.oid] or p.polroles = array[0::oid],
        lateral unnest(case p.polcmd when 'r' then array['SELECT'] when 'a' then array['INSERT']
                                     when 'w' then array['UPDATE'] when 'd' then array['DELETE']
                                     else array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] end) act(cmd)
        where c.relkind = 'r' and p.polpermissive
          and n.nspname not in ({_SYSTEM_SCHEMAS})
          and r.rolname not like 'pg\\_%' and r.rolname not like 'supabase%admin' and not r.rolbypassrls
        group by n.nspname, c.relname, r.rolname, act.cmd
        having count(*) > 1""",
    "0007_policy_exists_rls_disabled": f"""
        select distinct format('%s.%s', n.nspname, c.relname)
        from pg_policy p
        join pg_class c on c.oid = p.polrelid
        join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and not c.relrowsecurity and n.nspname not in ({_SYSTEM_SCHEMAS})""",
    "0008_rls_enabled_no_policy": f"""
        select format('%s.%s', n.nspname, c.relname)
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and c.relrowsecurity and n.nspname not in ({_SYSTEM_SCHEMAS})
          and not exists (select 1 from pg_policy p where p.polrelid = c.oid)""",
    "0010_security_definer_view": f"""
        select format('%s.%s', n.nspname, c.relname)
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'v' and n.nspname not in ({_SYSTEM_SCHEMAS})
          and (has_table_privilege('anon', c.oid, 'SELECT')
               or has_table_privilege('authenticated', c.oid, 'SELECT'))
          and not (lower(coalesce(c.reloptions::text, '{{}}'))::text[] && array[
            'security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])""",
    "0011_function_search_path_mutable": f"""
        select format('%s.%s', n.nspname, p.proname)
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname not in ({_SYSTEM_SCHEMAS})
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
          and not exists (select 1 from unnest(coalesce(p.proconfig, '{{}}')) cfg where cfg like 'search_path=%')""",
    "0013_rls_disabled_in_public": """
        select format('public.%s', c.relname)
        from pg_class c
        where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace and not c.relrowsecurity""",
    "0024_rls_policy_always_true": f"""
        select format('%s.%s %s', schemaname, tablename, policyname)
        from pg_policies
        where schemaname not in ({_SYSTEM_SCHEMAS})
          and permissive = 'PERMISSIVE'
          and (roles && array['public', 'anon', 'authenticated']::name[])
          and ((cmd in ('UPDATE', 'DELETE', 'ALL')
                and (replace(lower(coalesce(qual, '')), ' ', '') in ('true', '(true)', '1=1', '(1=1)') or qual is null))
            or replace(lower(coalesce(with_check, '')), ' ', '') in ('true', '(true)', '1=1', '(1=1)')
            or (with_check is null and cmd = 'INSERT'))""",
    # MuseKit's own rule: a column a policy reads leads some index (or the table is tiny by design)
    "policy_column_unindexed": f"""
        select distinct format('%s.%s.%s (policy %s)', n.nspname, c.relname, a.attname, p.polname)
        from pg_policy p
        join pg_depend d on d.classid = 'pg_policy'::regclass and d.objid = p.oid
                        and d.refclassid = 'pg_class'::regclass and d.refobjid = p.polrelid and d.refobjsubid > 0
        join pg_class c on c.oid = p.polrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid
        where n.nspname not in ({_SYSTEM_SCHEMAS})
          and not exists (select 1 from pg_index i where i.indrelid = c.oid and i.indkey[0] = a.attnum)""",
}


@dataclass(frozen=True)
class Finding:
    lint: str
    detail: str


def lint_findings(conn) -> list[Finding]:
    """Every finding of every lint in LINT_QUERIES on the database behind `conn`."""
    findings: list[Finding] = []
    for lint, query in LINT_QUERIES.items():
        findings += [Finding(lint, row[0]) for row in conn.execute(query)]
    return findings
