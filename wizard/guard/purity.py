"""The static core-purity guard: a Muse's migrations may read and reference MuseKit core (a
foreign key to public.users, a view joining it, a policy calling private.is_org_member) but
never change it; every Muse table has RLS and a policy; Muse objects live in `public` or in
schemas the template declares, never in Supabase's own schemas.

`check_static` reads only the SQL. What it cannot see (DO blocks, EXECUTE) it reports as a
warning; the catalog fingerprint (`wizard.guard.fingerprint`) catches those when the Muse is applied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from wizard.guard.core_objects import AUTH_USERS, RESERVED_SCHEMAS, CoreObjects
from wizard.guard.fingerprint import Fingerprint, core_fingerprint, diff_fingerprints  # noqa: F401  (the dynamic guard)
from wizard.sql import Effect, ObjectRef, SchemaModel, SqlSource, StatementInfo, parse_sql_files

Severity = Literal["error", "warning"]

RULES: dict[str, str] = {
    "core-alter": "alters a core object",
    "core-add-column": "adds a column to a core table",
    "core-drop": "drops a core object",
    "core-rename": "renames a core object",
    "core-truncate": "truncates a core table",
    "core-comment": "comments on a core object",
    "core-grant": "grants or revokes privileges on a core object",
    "core-policy": "adds or changes a policy on a core table",
    "core-trigger": "adds or replaces a trigger on a core table",
    "core-rule": "adds a rule to a core table",
    "core-index": "adds an index to a core table",
    "core-inherit": "makes a table inherit from (or partition) a core table",
    "core-replace": "creates an object under a core object's name",
    "core-schema": "creates an object in a core schema",
    "core-data": "writes rows into a core table",
    "auth-users": "touches auth.users beyond a foreign key",
    "schema-reserved": "creates or changes an object in a Supabase schema",
    "schema-undeclared": "creates an object outside public in a schema the template does not declare",
    "table-rls": "a Muse table without row level security",
    "table-policy": "a Muse table with row level security but no policy",
    "role-change": "creates or changes a database role",
    "database-change": "changes database-wide settings or adds an event trigger",
    "extension": "creates or changes an extension",
    "default-privileges": "changes default privileges",
    "search-path": "changes search_path",
    "dynamic-sql": "runs SQL the static check cannot see",
}

_CORE_IS_FIXED = "MuseKit core is identical in every Muse and never altered by one"
_REMEDIES = {
    "core-add-column": "put the column in a Muse table instead (e.g. one with `user_id uuid references "
    "public.users (id)` or `org_id uuid references public.organizations (id)`)",
    "core-policy": "core's policies decide who sees core rows; put policies on the Muse's own tables",
    "core-trigger": "put the trigger on a Muse table; if core itself needs new behaviour, change core",
    "core-rule": "put the rule on a Muse table or view",
    "core-index": "index the Muse's own tables; if a core table needs an index, add it to core",
    "core-grant": "core's privileges are part of its security model; grant on the Muse's own objects",
    "core-comment": "comment on the Muse's own objects and list its tables in the Muse's README",
    "core-replace": "give the Muse's object its own name (e.g. prefixed with the Muse's slug)",
    "core-inherit": "reference the core table with a foreign key instead of inheriting from it",
    "core-schema": "create it in public or in a schema the Muse declares",
}
_DEFAULT_REMEDY = "remove this statement; reference core (foreign keys, views, policies calling private.*) instead"
_ACTION_RULES = {
    "add-column": "core-add-column",
    "drop": "core-drop",
    "rename": "core-rename",
    "truncate": "core-truncate",
    "comment": "core-comment",
    "grant": "core-grant",
    "revoke": "core-grant",
}
_CHILD_RULES = {"policy": "core-policy", "trigger": "core-trigger", "rule": "core-rule", "index": "core-index"}
_CREATES = frozenset({"create", "replace"})
_SCHEMA_BOUND = frozenset({"relation", "type", "function"})


class PurityFinding(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    statement: str  # shortened
    rule: str
    severity: Severity
    message: str  # what is wrong and what to do

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def level(self) -> Severity:
        """Alias of `severity`."""
        return self.severity

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity} [{self.rule}] {self.message}\n    {self.statement}"


def has_errors(findings: Sequence[PurityFinding]) -> bool:
    return any(f.is_error for f in findings)


def format_findings(findings: Sequence[PurityFinding]) -> str:
    return "\n".join(str(f) for f in findings)


def check_static(
    muse: SchemaModel | Sequence[SqlSource], core: SchemaModel, declared_schemas: Sequence[str] = ()
) -> list[PurityFinding]:
    """Every violation of the Muse extension rules visible in the SQL, in file and line order."""
    model = muse if isinstance(muse, SchemaModel) else parse_sql_files(muse)
    checker = _Checker(CoreObjects.from_model(core), frozenset(declared_schemas))
    findings: list[PurityFinding] = []
    for stmt in model.statements:
        findings += checker.statement(stmt)
    findings += checker.tables(model)
    order = {path: i for i, path in enumerate(model.files)}
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (order.get(f.file, len(order)), f.line, f.severity != "error", f.rule))


class _Checker:
    def __init__(self, core: CoreObjects, declared: frozenset[str]) -> None:
        self.core = core
        self.declared = declared

    def statement(self, stmt: StatementInfo) -> list[PurityFinding]:
        found = [f for e in stmt.effects if (f := self._effect(stmt, e)) is not None]
        if stmt.dynamic:
            found.append(self._dynamic(stmt))
        return found

    def _effect(self, stmt: StatementInfo, effect: Effect) -> PurityFinding | None:
        target = effect.target
        for check in (self._auth_users, self._platform, self._reserved, self._core, self._schema):
            finding = check(stmt, effect, target)
            if finding is not None or (check is self._core and self.core.owns(target)):
                return finding
        return None

    # --- the rules, most specific first ---------------------------------------------------------

    def _auth_users(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if AUTH_USERS not in (target.qualified_name, target.parent) or target.kind not in (
            "relation",
            "policy",
            "trigger",
            "rule",
            "column",
            "constraint",
            "index",
        ):
            return None
        if effect.action == "reference" and effect.detail == "foreign key":
            return None
        if effect.action == "reference":
            what = f"reads auth.users ({effect.detail})"
            todo = (
                "Read public.users instead (it mirrors id and email, under RLS); auth.users is "
                "Supabase's and is not exposed to the API."
            )
        else:
            what = _act(effect, target)
            todo = (
                "A Muse may only reference auth.users through a foreign key; core already mirrors every "
                "auth user into public.users, so build on public.users and the Muse's own tables."
            )
        return _finding(stmt, "auth-users", "error", f"{what}. {todo}")

    def _platform(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if target.kind == "role":
            return _finding(
                stmt,
                "role-change",
                "error",
                f"{_verb(effect)} role {target.name}. Roles are shared by the whole project and "
                "set up by Supabase and MuseKit core; grant privileges on the Muse's own objects "
                "to anon/authenticated/service_role instead.",
            )
        if target.kind in ("database", "event-trigger"):
            what = f"event trigger {target.name}" if target.kind == "event-trigger" else "database-wide settings"
            return _finding(
                stmt,
                "database-change",
                "error",
                f"{_verb(effect)} {what}, which every Muse and core share. Set what the Muse needs "
                "per function (`set search_path = ''`) or per role in core, not for the database.",
            )
        if target.kind == "extension":
            return _finding(
                stmt,
                "extension",
                "warning",
                f"{_verb(effect)} extension {target.name}. Extensions are database-wide: make sure "
                "core does not depend on it, install it `with schema extensions`, and say so in "
                "the Muse's README.",
            )
        if target.kind == "default-privileges":
            return _finding(
                stmt,
                "default-privileges",
                "warning",
                "changes default privileges, which also apply to objects created later by core "
                "migrations. Grant on the Muse's own objects explicitly instead.",
            )
        if target.kind == "setting":
            return _finding(
                stmt,
                "search-path",
                "warning",
                "changes search_path: the checks here read unqualified names as public. "
                "Schema-qualify names (public.x) instead of setting search_path.",
            )
        return None

    def _reserved(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        schema = _schema_of(target)
        if schema not in RESERVED_SCHEMAS or effect.action == "reference":
            return None
        return _finding(
            stmt,
            "schema-reserved",
            "error",
            f"{_act(effect, target)} in schema {schema}, which belongs to Supabase. "
            "Create the Muse's objects in public (or a schema the template declares).",
        )

    def _core(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.action == "reference":
            return None
        if (
            effect.action in _CREATES
            and target.kind in _SCHEMA_BOUND
            and target.schema in self.core.schemas_created
            and not self.core.owns(target)
        ):
            return _finding(
                stmt,
                "core-schema",
                "error",
                f"{_act(effect, target)} in core schema {target.schema}. {_CORE_IS_FIXED}: {_REMEDIES['core-schema']}.",
            )
        if effect.action in _CREATES and target.kind == "schema" and target.name in self.core.schemas:
            return _finding(
                stmt,
                "core-schema",
                "error",
                f"creates schema {target.name}, which core owns. Give the Muse's schema its own "
                "name and declare it in the template's muse.toml.",
            )
        if not self.core.owns(target):
            return None
        if effect.action == "write":
            return _finding(
                stmt,
                "core-data",
                "warning",
                f"writes rows into core table {target.qualified_name} ({effect.detail}). Seeding "
                "products, prices or feature flags is fine; keep it idempotent and never change "
                "rows core manages (users, memberships).",
            )
        rule = self._core_rule(effect, target)
        remedy = _REMEDIES.get(rule, _DEFAULT_REMEDY)
        return _finding(
            stmt, rule, "error", f"{_act(effect, target)}, which belongs to MuseKit core. {_CORE_IS_FIXED}: {remedy}."
        )

    def _core_rule(self, effect: Effect, target: ObjectRef) -> str:
        if target.kind in _CHILD_RULES and effect.action in ("create", "replace", "alter"):
            return _CHILD_RULES[target.kind]
        if effect.action in _CREATES:
            return "core-replace"
        if effect.detail.startswith(("inherits", "partition of")):
            return "core-inherit"
        return _ACTION_RULES.get(effect.action, "core-alter")

    def _schema(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.action not in _CREATES:
            return None
        schema = target.name if target.kind == "schema" else target.schema
        if target.kind not in _SCHEMA_BOUND | {"schema"} or schema == "public" or schema in self.declared:
            return None
        declared = ", ".join(sorted(self.declared)) or "none"
        where = "," if target.kind == "schema" else f" outside public, in schema {schema},"
        return _finding(
            stmt,
            "schema-undeclared",
            "error",
            f"{_act(effect, target)}{where} which the template does not declare (declared: "
            f"{declared}). Create Muse objects in public, or declare the schema in the template's "
            "muse.toml.",
        )

    def _dynamic(self, stmt: StatementInfo) -> PurityFinding:
        if stmt.kind == "DoStmt":
            what = "a DO block runs SQL the static check cannot see"
        elif stmt.kind == "CallStmt":
            what = "CALL runs a procedure whose statements the static check cannot see"
        else:
            what = "this function builds SQL at run time (EXECUTE), which the static check cannot see"
        return _finding(
            stmt,
            "dynamic-sql",
            "warning",
            f"{what}. Applying the Muse compares a catalog fingerprint of core before and after "
            "and rolls back if core changed; prefer plain statements.",
        )

    # --- whole-model rules ------------------------------------------------------------------------

    def tables(self, model: SchemaModel) -> list[PurityFinding]:
        found = []
        for table in model.tables:
            name = table.qualified_name
            if name in self.core.relations or table.schema in RESERVED_SCHEMAS:
                continue  # already reported as core-replace / schema-reserved
            statement = f"create table {name} (...)"
            if not table.rls_enabled:
                found.append(
                    PurityFinding(
                        file=table.location.file,
                        line=table.location.line,
                        statement=statement,
                        rule="table-rls",
                        severity="error",
                        message=f"Table {name} does not enable row level security. Add `alter table {name} enable "
                        "row level security;` and policies tied to user_id and/or org_id.",
                    )
                )
            elif not model.policies_on(name):
                found.append(
                    PurityFinding(
                        file=table.location.file,
                        line=table.location.line,
                        statement=statement,
                        rule="table-policy",
                        severity="error",
                        message=f"Table {name} has row level security but no policy, so nobody but service_role "
                        f"can use it. Add at least one `create policy ... on {name}` tied to user_id "
                        "(e.g. using (user_id = (select auth.uid()))) and/or org_id "
                        "(e.g. using (private.is_org_member(org_id))).",
                    )
                )
        return found


def _finding(stmt: StatementInfo, rule: str, severity: Severity, message: str) -> PurityFinding:
    return PurityFinding(
        file=stmt.location.file,
        line=stmt.location.line,
        statement=stmt.text,
        rule=rule,
        severity=severity,
        message=message[0].upper() + message[1:],
    )


def _schema_of(target: ObjectRef) -> str | None:
    if target.parent:
        return target.parent.split(".", 1)[0]
    if target.kind == "schema":
        return target.name
    return target.schema


_VERBS = {
    "create": "creates",
    "replace": "creates or replaces",
    "alter": "alters",
    "add-column": "adds a column to",
    "drop": "drops",
    "rename": "renames",
    "truncate": "truncates",
    "comment": "comments on",
    "grant": "grants privileges on",
    "revoke": "revokes privileges on",
    "write": "writes rows into",
    "set": "sets",
}


def _verb(effect: Effect) -> str:
    return _VERBS.get(effect.action, effect.action)


def _act(effect: Effect, target: ObjectRef) -> str:
    """E.g. "adds a column to public.users (add column niche)"."""
    name = target.qualified_name if target.kind == "relation" else target.describe()
    text = f"{_verb(effect)} {name}"
    if effect.detail and effect.action in ("alter", "add-column", "rename", "grant", "revoke"):
        text += f" ({effect.detail})"
    return text
