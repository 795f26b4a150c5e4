"""Lints on row level security policies: 0003 auth_rls_initplan (and musekit's stricter
musekit_0003_strict), 0006 multiple_permissive_policies, 0015 rls_references_user_metadata,
0024 rls_policy_always_true."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from wizard.lints.catalog import (
    HOSTED_ONLY_ROLES,
    PROJECT_SCHEMA,
    SYSTEM_SCHEMAS,
    Context,
    Policy,
    not_extension_member,
    row_condition,
    rows,
    table_metadata,
)
from wizard.lints.model import DOCS, Finding, Lint

if TYPE_CHECKING:
    import psycopg

INITPLAN = Lint(
    "0003",
    "auth_rls_initplan",
    "Auth RLS Initialization Plan",
    "WARN",
    ("PERFORMANCE",),
    "Detects if calls to `current_setting()` and `auth.<function>()` in RLS policies are being unnecessarily "
    "re-evaluated for each row",
)
INITPLAN_STRICT = Lint(
    "musekit_0003_strict",
    "auth_rls_initplan_partly_wrapped",
    "Auth RLS Initialization Plan (partly wrapped)",
    "WARN",
    ("PERFORMANCE",),
    "Detects RLS policies that call `auth.<function>()` or `current_setting()` both as `(select ...)` and "
    "unwrapped: splinter 0003 stops at the wrapped call, but the unwrapped one is still evaluated for each row.",
    remediation=f"{DOCS}0003_auth_rls_initplan",
)
MULTIPLE_PERMISSIVE = Lint(
    "0006",
    "multiple_permissive_policies",
    "Multiple Permissive Policies",
    "WARN",
    ("PERFORMANCE",),
    "Detects if multiple permissive row level security policies are present on a table for the same `role` and "
    "`action` (e.g. insert). Multiple permissive policies are suboptimal for performance as each policy must be "
    "executed for every relevant query.",
)
USER_METADATA = Lint(
    "0015",
    "rls_references_user_metadata",
    "RLS references user metadata",
    "ERROR",
    ("SECURITY",),
    "Detects when Supabase Auth user_metadata is referenced insecurely in a row level security (RLS) policy.",
)
ALWAYS_TRUE = Lint(
    "0024",
    "rls_policy_always_true",
    "RLS Policy Always True",
    "WARN",
    ("SECURITY",),
    "Detects RLS policies that use overly permissive expressions like `USING (true)` or `WITH CHECK (true)` for "
    "UPDATE, DELETE, or INSERT operations. SELECT policies with `USING (true)` are intentionally excluded as this "
    "pattern is often used deliberately for public read access.",
    remediation="https://supabase.com/docs/guides/database/database-linter?lint=0024_permissive_rls_policy",
)


# -- 0003 auth_rls_initplan ---------------------------------------------------------------------
_CALL = re.compile(r"(?i:(select\s+)?)(auth\.(?:uid|jwt|role|email)\(\)|current_setting\()")
_SPLINTER_CALLS = ("auth.uid()", "auth.jwt()", "auth.role()", "auth.email()")
_SETTING = re.compile(r"current_setting\(.*\)", re.S)
_SETTING_WRAPPED = re.compile(r"select current_setting\(.*\)", re.S)


def splinter_reevaluates(expr: str | None) -> bool:
    """Splinter 0003's test of one expression: a call appears, and no `select <call>` does."""
    if expr is None:
        return False
    lowered = expr.lower()
    if any(call in expr and f"select {call}" not in lowered for call in _SPLINTER_CALLS):
        return True
    return bool(_SETTING.search(expr)) and not _SETTING_WRAPPED.search(lowered)


def closing_paren(text: str, open_at: int) -> int | None:
    """Index of the parenthesis closing the one at `open_at`, skipping quoted literals."""
    depth, i, quote = 0, open_at, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def unwrapped_calls(expr: str | None) -> list[str]:
    """auth.<fn>() and current_setting(...) calls not written as `(select ...)`."""
    calls = []
    for m in _CALL.finditer(expr or ""):
        if m.group(1) is None:
            calls.append(m.group(2) if m.group(2).startswith("auth.") else "current_setting()")
    return calls


def wrap_calls(expr: str) -> str | None:
    """`expr` with each unwrapped call written as `(select call)`; None if it cannot be parsed."""
    out, pos = [], 0
    for m in _CALL.finditer(expr):
        if m.group(1) is not None or m.start() < pos:
            continue
        end = m.end(2)
        if m.group(2).startswith("current_setting"):
            close = closing_paren(expr, m.end(2) - 1)
            if close is None:
                return None
            end = close + 1
        out.append(expr[pos : m.start(2)])
        out.append(f"(select {expr[m.start(2) : end]})")
        pos = end
    out.append(expr[pos:])
    return "".join(out)


def parenthesized(expr: str) -> str:
    if expr.startswith("(") and closing_paren(expr, 0) == len(expr) - 1:
        return expr
    return f"({expr})"


def _wrapping_sql(p: Policy) -> str | None:
    clauses = []
    for keyword, expr in (("using", p.qual), ("with check", p.with_check)):
        if expr and unwrapped_calls(expr):
            wrapped = wrap_calls(expr)
            if wrapped is None:
                return None
            clauses.append(f"{keyword} {parenthesized(wrapped)}")
    return f"alter policy {p.qname} on {p.qtable} {' '.join(clauses)};" if clauses else None


def _initplan_detail(p: Policy, splinter: bool, shown: str) -> str:
    if not splinter:
        return (
            f"Table `{p.object}` has a row level security policy `{p.name}` that wraps some calls of {shown} in "
            f"(select ...) but not all: the unwrapped ones are re-evaluated for each row."
        )
    return (
        f"Table `{p.object}` has a row level security policy `{p.name}` that re-evaluates current_setting() or "
        f"auth.<function>() for each row. This produces suboptimal query performance at scale. Resolve the issue "
        f"by replacing `auth.<function>()` with `(select auth.<function>())`. See "
        f"[docs](https://supabase.com/docs/guides/database/postgres/row-level-security#call-functions-with-select) "
        f"for more info."
    )


def _initplan_finding(p: Policy) -> Finding | None:
    """0003 when splinter flags the policy; musekit_0003_strict when only musekit does (one call of
    a function wrapped, another not)."""
    splinter = splinter_reevaluates(p.qual) or splinter_reevaluates(p.with_check)
    calls = sorted(set(unwrapped_calls(p.qual) + unwrapped_calls(p.with_check)))
    if not splinter and not calls:
        return None
    sql = _wrapping_sql(p)
    shown = ", ".join(calls) or "auth.<function>() / current_setting()"
    wrap_hint = ", ".join(f"{c} as (select {c})" for c in calls) or "each call as (select ...)"
    partly = "" if splinter else " (another call of it in the policy is wrapped, which is all splinter looks for)"
    key = "auth_rls_init_plan" if splinter else INITPLAN_STRICT.name  # sic: splinter's key spells init_plan
    return (INITPLAN if splinter else INITPLAN_STRICT).finding(
        obj=p.object,
        detail=_initplan_detail(p, splinter, shown),
        metadata=table_metadata(p.schema, p.table),
        cache_key=f"{key}_{p.schema}_{p.table}_{p.name}",
        message=f"policy {p.name} on {p.object} calls {shown} once per row{partly}; written as (select ...) "
        f"Postgres evaluates it once per query",
        fix=f"wrap {wrap_hint} in policy {p.name} on {p.object}" + (f": {sql}" if sql else ""),
        sql=sql,
    )


async def check_auth_rls_initplan(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    """Policies on any kind of table (partitioned parents too) with row level security on."""
    found = (_initplan_finding(p) for p in ctx.policies if p.rls_enabled)
    return [f for f in found if f is not None]


# -- 0006 multiple_permissive_policies ----------------------------------------------------------
MULTIPLE_PERMISSIVE_SQL = f"""
select n.nspname, c.relname, r.rolname, act.cmd,
       pg_catalog.array_agg(p.polname order by p.polname)::text[],
       pg_catalog.array_agg(p.polname order by p.polname)::text
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
join pg_catalog.pg_roles r on r.oid = any(p.polroles) or p.polroles = '{{0}}'::oid[]
cross join lateral pg_catalog.unnest(case p.polcmd when 'r' then array['SELECT'] when 'a' then array['INSERT']
                                        when 'w' then array['UPDATE'] when 'd' then array['DELETE']
                                        else array['SELECT', 'INSERT', 'UPDATE', 'DELETE'] end) act(cmd)
where c.relkind = 'r' and p.polpermissive and {PROJECT_SCHEMA} and {not_extension_member("c.oid")}
  -- splinter's role filter, wildcards included ('pg_%%' also drops e.g. pgbouncer)
  and r.rolname not like 'pg_%%' and r.rolname not like 'supabase%%admin' and not r.rolbypassrls
group by n.nspname, c.relname, r.rolname, act.cmd
having pg_catalog.count(*) > 1
"""


def _effective_check(p: Policy) -> str | None:
    return p.with_check if p.with_check is not None else p.qual


def _all_present(expressions: list[str | None]) -> list[str] | None:
    present = [e for e in expressions if e is not None]
    return present if len(present) == len(expressions) else None


def merged_policy_sql(policies: list[Policy], action: str, existing: set[str]) -> str | None:
    """One policy equivalent to several permissive ones (their expressions OR'd), or None when
    they differ in command or roles and merging needs a decision."""
    first = policies[0]
    if any(p.command != action or (p.to_public, p.roles) != (first.to_public, first.roles) for p in policies):
        return None
    using = _all_present([p.qual for p in policies] if action != "INSERT" else [])
    checks = _all_present([_effective_check(p) for p in policies] if action in ("INSERT", "UPDATE") else [])
    if using is None or checks is None:
        return None
    name = f"{first.table}_{action.lower()}"
    while name in existing:
        name += "_merged"
    parts = [f'create policy "{name.replace(chr(34), chr(34) * 2)}" on {first.qtable} for {action.lower()}']
    if not first.to_public:
        parts.append(f"to {', '.join(first.roles)}")
    if using:
        parts.append(f"using ({' or '.join(parenthesized(e) for e in using)})")
    if checks:
        parts.append(f"with check ({' or '.join(parenthesized(e) for e in checks)})")
    drops = " ".join(f"drop policy {p.qname} on {p.qtable};" for p in policies)
    return " ".join(parts) + "; " + drops


async def check_multiple_permissive_policies(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    """One finding per table, role and action, as splinter reports them."""
    by_name = {(p.schema, p.table, p.name): p for p in ctx.policies}
    out = []
    for schema, table, role, action, names, names_text in await rows(
        conn, MULTIPLE_PERMISSIVE_SQL, skip=list(SYSTEM_SCHEMAS)
    ):
        policies = [by_name[(schema, table, n)] for n in names]
        out.append(_multiple_permissive_finding(policies, role, action, names_text, ctx))
    return out


def _multiple_permissive_finding(
    policies: list[Policy], role: str, action: str, names_text: str, ctx: Context
) -> Finding:
    first = policies[0]
    names = ", ".join(p.name for p in policies)
    hosted = [r for r in HOSTED_ONLY_ROLES if r not in ctx.roles]
    note = (
        f" (a hosted project reports the same for {', '.join(hosted)})"
        if hosted and all(p.to_public for p in policies)
        else ""
    )
    existing = {p.name for p in ctx.policies if p.object == first.object}
    sql = merged_policy_sql(policies, action, existing)
    if sql:
        fix = f"merge them into one policy (same rows allowed): {sql}"
    else:
        fix = (
            f"keep one permissive policy per role and action on {first.object}: OR their conditions into one "
            f"policy for {action.lower()}, give the policies disjoint `to` roles, or make a policy that "
            f"only narrows access `as restrictive`; a `for all` policy among {names} must be split "
            f"into separate insert, update and delete policies"
        )
    return MULTIPLE_PERMISSIVE.finding(
        obj=first.object,
        detail=f"Table `{first.object}` has multiple permissive policies for role `{role}` for action `{action}`. "
        f"Policies include `{names_text}`",
        metadata=table_metadata(first.schema, first.table),
        cache_key=f"multiple_permissive_policies_{first.schema}_{first.table}_{role}_{action}",
        message=f"{first.object} has {len(policies)} permissive policies for {action} that apply to role "
        f"{role}{note}: {names}; Postgres evaluates every one of them for each row",
        fix=fix,
        sql=sql,
    )


# -- 0015 rls_references_user_metadata -----------------------------------------------------------
# splinter's LIKE patterns, `_` being "any one character" there
_USER_METADATA = (
    re.compile(r"auth\.jwt\(\).*user.metadata", re.S),
    re.compile(r"current.setting\(.*request\.jwt\.claims.*\).*user.metadata", re.S),
)


def references_user_metadata(expr: str | None) -> bool:
    return expr is not None and any(pattern.search(expr) for pattern in _USER_METADATA)


async def check_rls_references_user_metadata(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for p in ctx.policies:
        if p.schema in SYSTEM_SCHEMAS or not (
            references_user_metadata(p.qual) or references_user_metadata(p.with_check)
        ):
            continue
        out.append(
            USER_METADATA.finding(
                obj=p.object,
                detail=f"Table `{p.object}` has a row level security policy `{p.name}` that references Supabase "
                f"Auth `user_metadata`. `user_metadata` is editable by end users and should never be used in a "
                f"security context.",
                metadata=table_metadata(p.schema, p.table),
                cache_key=f"rls_references_user_metadata_{p.schema}_{p.table}_{p.name}",
                message=f"policy {p.name} on {p.object} decides on user_metadata, which every signed-in user can "
                f"change for themselves (supabase.auth.updateUser), so they can grant themselves the rows",
                fix=f"decide on something the user cannot write: app_metadata ((select auth.jwt()) -> "
                f"'app_metadata' ->> '<claim>', set by the server only) or a table such as public.memberships; "
                f"alter policy {p.qname} on {p.qtable} using (<that condition>);",
            )
        )
    return out


# -- 0024 rls_policy_always_true -----------------------------------------------------------------
_ALWAYS_TRUE = {"true", "(true)", "1=1", "(1=1)"}


def _normalized(expr: str | None) -> str:
    return (expr or "").lower().replace(" ", "").replace("\n", "").replace("\t", "")


def always_true_clauses(p: Policy) -> list[str]:
    """Which of USING / WITH CHECK let every row through, as splinter 0024 decides it."""
    if not (p.rls_enabled and p.permissive and (p.to_public or {"anon", "authenticated"} & set(p.roles))):
        return []
    qual_true = _normalized(p.qual) in _ALWAYS_TRUE
    clauses = []
    if p.command in ("UPDATE", "DELETE", "ALL") and (qual_true or p.qual is None):
        clauses.append("using")
    if (
        _normalized(p.with_check) in _ALWAYS_TRUE
        or (p.with_check is None and p.command == "INSERT")
        or (p.with_check is None and p.command in ("UPDATE", "ALL") and qual_true)
    ):
        clauses.append("with check")
    return clauses


def _always_true_detail(p: Policy, clauses: list[str]) -> str:
    which = {
        ("using", "with check"): " (both USING and WITH CHECK are always true)",
        ("using",): " (USING clause is always true)",
        ("with check",): " (WITH CHECK clause is always true)",
    }[tuple(clauses)]
    return (
        f"Table `{p.object}` has an RLS policy `{p.name}` for `{p.command}` that allows unrestricted access{which}. "
        f"This effectively bypasses row-level security for {', '.join(p.role_names)}."
    )


async def check_policies_always_true(conn: psycopg.AsyncConnection, ctx: Context) -> list[Finding]:
    out = []
    for p in ctx.policies:
        clauses = always_true_clauses(p)
        if not clauses or p.relkind != "r" or p.schema in SYSTEM_SCHEMAS:
            continue
        cond = row_condition(p.columns, ctx)
        new = " ".join(f"{c} ({cond})" for c in clauses)
        out.append(
            ALWAYS_TRUE.finding(
                obj=p.object,
                detail=_always_true_detail(p, clauses),
                metadata={
                    **table_metadata(p.schema, p.table),
                    "policy_name": p.name,
                    "command": p.command,
                    "roles": list(p.role_names),
                    "qual": p.qual,
                    "with_check": p.with_check,
                    "permissive_using": "using" in clauses,
                    "permissive_with_check": "with check" in clauses,
                },
                cache_key=f"rls_policy_always_true_{p.schema}_{p.table}_{p.name}",
                message=f"policy {p.name} on {p.object} lets {p.role_list} {p.command.lower()} any row: its "
                f"{' and '.join(c.upper() for c in clauses)} is always true",
                fix=f"restrict it to the rows the user owns: alter policy {p.qname} on {p.qtable} {new}; "
                f"or, if only the server writes this table, drop policy {p.qname} on {p.qtable}; "
                f"(service_role bypasses RLS)",
            )
        )
    return out
