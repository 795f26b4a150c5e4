"""The static core-purity guard: a Muse's migrations may read and reference MuseKit core (a
foreign key to public.users, a view joining it, a policy calling private.is_org_member) but
never change it; every Muse table has RLS and a policy; Muse objects live in `public` or in
schemas the template declares, never in Supabase's own schemas.

Nor may a Muse reach past its tables: transaction control, roles, database and session settings,
settings that change how SQL is read, extensions, publications, programs and server files are
refused, also inside DO blocks and function bodies (plpgsql and SQL bodies are parsed, and so is
the constant string an EXECUTE runs). Rows of core tables are written only where muse.toml
declares it (`core_data_writes`), and a declared write is still shown as a warning.

`check_static` reads only the SQL. What it cannot see (EXECUTE of a computed string, a body in
another language) it reports as a warning; the catalog fingerprint (`wizard.guard.fingerprint`)
and the transaction's write counters on core tables (`wizard.muses.apply.CoreGuard`) catch those
when the Muse is applied."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from wizard.guard.core_objects import AUTH_USERS, RESERVED_SCHEMAS, CoreObjects, catalog_name_clash
from wizard.guard.fingerprint import Fingerprint, core_fingerprint, diff_fingerprints  # noqa: F401  (the dynamic guard)
from wizard.sql import TEMP_SCHEMA, Effect, ObjectRef, SchemaModel, SqlSource, StatementInfo, parse_sql_files

if TYPE_CHECKING:
    from wizard.migrations import Statement
    from wizard.sql.model import Location

Severity = Literal["error", "warning"]

RULES: dict[str, str] = {
    "core-alter": "alters a core object",
    "core-add-column": "adds a column to a core table",
    "core-drop": "drops a core object",
    "core-rename": "renames a core object",
    "core-truncate": "truncates a core table (undeclared, or with cascade)",
    "core-comment": "comments on a core object",
    "core-grant": "grants or revokes privileges on a core object",
    "core-policy": "adds or changes a policy on a core table",
    "core-trigger": "adds or replaces a trigger on a core table",
    "core-rule": "adds a rule to a core table",
    "core-index": "adds an index to a core table",
    "core-inherit": "makes a table inherit from (or partition) a core table",
    "core-replace": "creates an object under a core object's name",
    "core-schema": "creates an object in a core schema",
    "core-data": "writes rows into a core table (a warning only where muse.toml declares core_data_writes)",
    "auth-users": "touches auth.users beyond a foreign key",
    "schema-reserved": "creates or changes an object in a Supabase schema",
    "schema-undeclared": "creates an object outside public in a schema the template does not declare",
    "table-rls": "a Muse table without row level security",
    "table-policy": "a Muse table with row level security but no policy",
    "role-change": "creates, changes or switches to a database role (also SET ROLE)",
    "database-change": "changes database-wide settings or objects (event triggers, servers, subscriptions ...)",
    "extension": "creates or changes an extension or a procedural language",
    "default-privileges": "changes default privileges",
    "publication": "creates or changes a publication",
    "search-path": "changes search_path for the session",
    "transaction-control": "ends, starts or splits the migration's transaction (COMMIT, SAVEPOINT, SET TRANSACTION ...)",
    "procedure-call": "calls a procedure that is not the Muse's own, or one that may end the transaction",
    "sql-reading": "changes how the server reads SQL text (standard_conforming_strings, client_encoding ...)",
    "session-setting": "changes a session setting the run relies on (session_replication_role, RESET ALL ...)",
    "server-access": "runs a program, reads or writes server files, or loads server code",
    "split-mismatch": "the statements sent one by one are not the statements the SQL parser reads (so not the ones checked)",
    "catalog-name": "names an object like a PostgreSQL catalog object (pg_*, information_schema)",
    "dynamic-sql": "runs SQL the static check cannot see",
    "view-rls": "a view row level security does not hold through (no security_invoker, or materialized in public)",
    "definer-function": "makes a security definer function (it runs as core's owner, past every row level security)",
    "core-copy": "copies core rows into a Muse table a policy opens to every reader",
    "rule": "creates a rule (its actions run as the table's owner, past row level security)",
    "owner-change": "gives an object to another role (its owner is exempt from its row level security)",
    "core-function-trigger": "a Muse trigger runs a core function (core's trigger functions act on core rows)",
    "temporary-object": "creates or changes a temporary object (unqualified names reach it before public's)",
    "operator": "creates or changes an operator, operator class or family, or a cast (core's SQL could pick it)",
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
_MIGRATOR_SCHEMA = "postgres"  # "$user" on a hosted project's search_path: migrations run as postgres
_SCHEMA_BOUND = frozenset({"relation", "type", "function"})
_CATALOG_LIKE = frozenset({"relation", "type", "function", "index", "schema"})
_DATABASE_KINDS = frozenset(
    {
        "database",
        "event-trigger",
        "parameter",
        "foreign-data-wrapper",
        "foreign-server",
        "user-mapping",
        "subscription",
        "tablespace",
        "access-method",
    }
)

# Settings by what changing them does (names lower case, as wizard.sql records them).
_TRANSACTION_SETTINGS = frozenset(
    {
        "transaction",  # SET TRANSACTION ...
        "session characteristics",  # SET SESSION CHARACTERISTICS AS TRANSACTION ...
        "transaction_isolation",
        "transaction_read_only",
        "transaction_deferrable",
        "default_transaction_isolation",
        "default_transaction_read_only",
        "default_transaction_deferrable",
    }
)
# What the server's lexer and parser depend on: quotes and backslashes in string literals,
# the bytes of the text, `x = null` read as `x is null`. pglast reads Muse files with the
# defaults (standard_conforming_strings on, UTF-8), so a change here makes the server run
# something other than what was checked. DateStyle, IntervalStyle and array_nulls change how
# values are read, not statements, and stay allowed.
_READING_SETTINGS = frozenset(
    {
        "standard_conforming_strings",
        "backslash_quote",
        "escape_string_warning",
        "client_encoding",
        "transform_null_equals",
    }
)
_ROLE_SETTINGS = frozenset({"role", "session_authorization"})
_COMPUTED_SETTING = "?"  # set_config with a name computed at run time (wizard.sql.nodes.COMPUTED)
_SESSION_SETTINGS = {
    "all": "resets every session setting (RESET ALL), the ones the run chose included",
    "session_replication_role": "sets session_replication_role, which turns off triggers and foreign-key "
    "checks, core's too",
    _COMPUTED_SETTING: "calls set_config with a setting name computed at run time, so it could change any setting",
}
_SET_VERBS = {"set": "sets", "set local": "sets (locally)", "reset": "resets", "set_config": "sets (with set_config)"}


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
    muse: SchemaModel | Sequence[SqlSource],
    core: SchemaModel,
    declared_schemas: Sequence[str] = (),
    core_data_writes: Sequence[str] = (),
) -> list[PurityFinding]:
    """Every violation of the Muse extension rules visible in the SQL, in file and line order.

    `core_data_writes`: the core tables (schema-qualified) whose rows the template declares it
    writes (muse.toml); writes to those are warnings, writes to any other core table errors."""
    model = muse if isinstance(muse, SchemaModel) else parse_sql_files(muse)
    split = [] if isinstance(muse, SchemaModel) else split_findings(muse)
    checker = _Checker(
        CoreObjects.from_model(core),
        frozenset(declared_schemas),
        frozenset(core_data_writes),
        _procedures(model),
        _acting_functions(core),
    )
    checker.note_views(model.statements)
    findings: list[PurityFinding] = split
    for stmt in model.statements:
        findings += checker.statement(stmt)
    findings += checker.tables(model)
    order = {path: i for i, path in enumerate(model.files)}
    unique = dict.fromkeys(findings)
    return sorted(unique, key=lambda f: (order.get(f.file, len(order)), f.line, f.severity != "error", f.rule))


def split_findings(sources: Sequence[SqlSource]) -> list[PurityFinding]:
    """Where the migration engine's split (the Supabase CLI's, statement by statement) and the SQL parser
    (what the rules above read) disagree, SQL could run that no rule saw: e.g. `a$$ -- $$; insert ...` is
    one statement ending in a comment to the parser, and a dollar quote then a second statement to the
    split. Every piece sent must be exactly the parser's next statement, of the same kind."""
    import pglast
    from pglast.parser import ParseError

    from wizard.migrations import split_statements

    findings: list[PurityFinding] = []
    for source in sources:
        try:
            parsed = [type(raw.stmt).__name__ for raw in pglast.parse_sql(source.text)]
        except ParseError:
            continue  # the model's parse reports it
        pieces = split_statements(source.text)
        for i, piece in enumerate(pieces):
            try:
                kinds = [type(raw.stmt).__name__ for raw in pglast.parse_sql(piece.text)]
            except ParseError:
                kinds = ["an unparsable piece"]
            if kinds != parsed[i : i + 1] or (i == len(pieces) - 1 and len(parsed) > len(pieces)):
                findings.append(_split_mismatch(source.path, piece, kinds, parsed[i : i + 1]))
                break
    return findings


def _split_mismatch(path: str, piece: Statement, sent: list[str], parsed: list[str]) -> PurityFinding:
    return PurityFinding(
        file=path,
        line=piece.line,
        statement=" ".join(piece.text.split())[:120],
        rule="split-mismatch",
        severity="error",
        message=f"The statements musekit sends one by one are not the ones the SQL parser reads, so not the ones "
        f"checked: from here it would send {', '.join(sent) or 'nothing'} where the parser reads "
        f"{', '.join(parsed) or 'nothing'}. Write the SQL so both read it the same way (no dollar signs inside "
        f"identifiers, no backslashes outside strings, dollar-quote tags of ASCII letters only).",
    )


def _procedures(model: SchemaModel) -> dict[str, list[StatementInfo]]:
    """The Muse's own functions and procedures by qualified name: the statements creating them."""
    made: dict[str, list[StatementInfo]] = {}
    for stmt in model.statements:
        if stmt.kind == "CreateFunctionStmt" and stmt.effects and stmt.effects[0].target.kind == "function":
            made.setdefault(stmt.effects[0].target.qualified_name, []).append(stmt)
    return made


def _ends_transaction(effect: Effect) -> bool:
    return effect.action == "transaction" or (effect.action == "set" and effect.target.name in _TRANSACTION_SETTINGS)


class _Checker:
    def __init__(
        self,
        core: CoreObjects,
        declared: frozenset[str],
        core_writes: frozenset[str],
        procedures: dict[str, list[StatementInfo]],
        core_acting: frozenset[str],
    ) -> None:
        self.core = core
        self.declared = declared
        self.core_writes = core_writes  # core tables muse.toml declares the Muse writes rows into
        self.procedures = procedures  # the Muse's own functions and procedures
        self.core_acting = core_acting  # core functions that write rows or run as their owner
        self.view_reads: dict[str, frozenset[str]] = {}  # a Muse view -> the relations under it (note_views)
        self.copies: dict[str, tuple[StatementInfo, list[str]]] = {}  # Muse table -> (a copy into it, core read)

    def statement(self, stmt: StatementInfo) -> list[PurityFinding]:
        found = []
        self._note_copy(stmt)
        for effect in stmt.effects:
            if effect.action == "definer":
                found += self._definer(stmt, effect.target)
        for i, effect in self._through_views(stmt.effects):
            if effect.action in ("definer", "body-read"):
                continue
            finding = self._effect(stmt, effect)
            if finding is not None and _in_body(stmt, i, effect):
                finding = finding.model_copy(update={"message": _inside(stmt) + _lower_first(finding.message)})
            if finding is not None:
                found.append(finding)
        if stmt.dynamic:
            found.append(self._dynamic(stmt))
        return found

    def note_views(self, statements: Sequence[StatementInfo]) -> None:
        """What each view the Muse makes reads, down to the relations under its views, whenever in the files it
        is made, renamed or moved (a function made before the view writes into it when called)."""
        changed = True
        while changed:  # until every view's relations are the ones under the views it reads
            changed = False
            for stmt in statements:
                for name, reads in _view_reads(stmt):
                    under = set(self.view_reads.get(name, ()))
                    for read in reads:
                        under |= self.view_reads.get(read, {read})
                    if under != set(self.view_reads.get(name, ())):
                        self.view_reads[name], changed = frozenset(under), True

    def _note_copy(self, stmt: StatementInfo) -> None:
        """Muse tables a statement fills with what it reads from core rows (INSERT ... SELECT, CREATE TABLE AS,
        SELECT INTO), with the core tables read."""
        if stmt.kind in ("DoStmt", "CreateFunctionStmt"):  # a body: what it reads, and then writes
            read = sorted({name for e in stmt.effects if e.action == "body-read" for name in self._core_rows_of(e)})
        elif stmt.kind in ("InsertStmt", "UpdateStmt", "MergeStmt", "CreateTableAsStmt", "SelectStmt"):
            read = sorted({name for e in stmt.effects if e.action == "reference" for name in self._core_rows_of(e)})
        else:
            return
        filled = [e.target for e in stmt.effects if e.action in ("write", "create") and e.target.kind == "relation"]
        for target in filled:
            if read and not self.core.owns(target):
                self.copies.setdefault(target.qualified_name, (stmt, []))[1].extend(read)

    def _definer(self, stmt: StatementInfo, function: ObjectRef) -> list[PurityFinding]:
        """A security definer function runs with its owner's rights, whoever calls it, long after the guard: the
        owner is the role that owns core's tables, so core's row level security holds neither in it nor in
        anything it calls (a Muse function of its caller's rights, an EXECUTE). A Muse may not make one."""
        problems = []
        if function.schema == "public":
            problems.append("it is in public, where the API lets anon and every user call it")
        for s in [stmt] if stmt.kind == "CreateFunctionStmt" else []:
            touched = sorted({name for e in s.effects[1:] for name in self._core_rows_of(e)})
            if touched:
                problems.append(f"it reads or writes {', '.join(touched)}")
            if s.dynamic:
                problems.append("it runs SQL built at run time, which no check sees")
        because = f" ({'; '.join(problems)})" if problems else ""
        return [
            _finding(
                stmt,
                "definer-function",
                "error",
                f"makes {function.qualified_name} a security definer function{because}: it runs with the rights of "
                "the role that owns core's tables, so row level security holds neither in it nor in what it calls, "
                "whoever calls it. Make it security invoker (drop SECURITY DEFINER); in policies, ask core's "
                "helpers (private.is_org_member ...) about core.",
            )
        ]

    def _core_rows_of(self, effect: Effect) -> set[str]:
        """The core tables (and auth.users) whose rows `effect` reads or writes, also through the Muse's views."""
        target = effect.target
        if target.kind != "relation" or effect.action not in ("reference", "body-read", "write", "truncate"):
            return set()
        if effect.action == "reference" and effect.detail == "foreign key":
            return set()
        return self._core_under(target.qualified_name)

    def _core_under(self, relation: str) -> set[str]:
        """The core tables (and auth.users) among `relation` and the relations under it, if it is a Muse view."""
        names = {relation} | self.view_reads.get(relation, frozenset())
        return {n for n in names if n in self.core.relations or n == AUTH_USERS or n in self.core.attached_tables}

    def _through_views(self, effects: list[Effect]) -> Iterator[tuple[int, Effect]]:
        """Each effect, and after a write into a Muse view a write into each relation its query reads: a
        simple view passes its writes on to the table under it."""
        for i, effect in enumerate(effects):
            yield i, effect
            if effect.action == "write" and effect.target.kind == "relation":
                view = effect.target.qualified_name
                for name in sorted(self.view_reads.get(view, ())):
                    detail = f"{effect.detail} through view {view}"
                    yield i, Effect("write", ObjectRef("relation", *name.split(".", 1)), detail)

    def _effect(self, stmt: StatementInfo, effect: Effect) -> PurityFinding | None:
        target = effect.target
        checks = (
            self._session,
            self._trigger_function,
            self._operator,
            self._auth_users,
            self._platform,
            self._reserved,
            self._catalog_name,
            self._temporary,
            self._core,
            self._muse_rule,
            self._owner,
            self._schema,
        )
        for check in checks:
            finding = check(stmt, effect, target)
            if finding is not None or (check is self._core and self.core.owns(target)):
                return finding
        return None

    # --- what a statement does to the session and the server ----------------------------------

    def _session(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.action == "transaction":
            return _finding(
                stmt,
                "transaction-control",
                "error",
                f"runs {target.name}, which ends, starts or splits the transaction the Muse's migrations run in: "
                "what follows would run outside the guard, unchecked and never rolled back. Remove it; "
                "musekit runs a Muse's migrations in one transaction and commits it itself.",
            )
        if effect.action == "set":
            return self._setting(stmt, effect, target.name)
        if effect.action == "call":
            return self._call(stmt, target)
        if effect.action == "server":
            return _finding(
                stmt,
                "server-access",
                "error",
                f"{effect.detail} {target.name} on the database server: programs, server files and "
                "libraries are the server's, not a Muse's. Seed data with INSERT statements (or from "
                "the app) and write functions in sql or plpgsql.",
            )
        if target.kind == "conversion" and effect.detail == "default":
            return _finding(
                stmt,
                "sql-reading",
                "error",
                f"creates default conversion {target.qualified_name}, which changes how the server "
                "reads the bytes of SQL text. Remove it; Muse files are UTF-8.",
            )
        return None

    def _setting(self, stmt: StatementInfo, effect: Effect, name: str) -> PurityFinding | None:
        if effect.detail == "function set clause":
            return self._function_setting(stmt, name)
        rule_and_text = self._setting_rule(name)
        if rule_and_text is None:
            return None
        rule, consequence = rule_and_text
        if name in ("transaction", "session characteristics"):
            what = f"runs SET {name.upper()}"
        elif name in _SESSION_SETTINGS:
            what = _SESSION_SETTINGS[name]
        else:
            what = f"{_SET_VERBS.get(effect.detail, 'sets')} {name}"
        return _finding(stmt, rule, "error", what + consequence)

    @staticmethod
    def _function_setting(stmt: StatementInfo, name: str) -> PurityFinding | None:
        """A function's own SET clause holds while it runs: search_path and the like are its business, but
        not who it runs as, whether triggers fire, or whose request (the JWT claims core's policies read)."""
        if name in _ROLE_SETTINGS:
            rule, why = "role-change", "runs every call of it as that role, the caller's rights and RLS aside"
        elif name == "session_replication_role" or name.startswith("request."):
            rule, why = "session-setting", "turns off triggers, or poses as another user to core's policies"
        else:
            return None
        return _finding(
            stmt,
            rule,
            "error",
            f"sets {name} in a function's SET clause, which {why}. Remove the clause; grant the Muse's own "
            "objects to the roles that need them instead.",
        )

    def _muse_rule(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if target.kind != "rule" or effect.action not in _CREATES:
            return None
        return _finding(
            stmt,
            "rule",
            "error",
            f"{_act(effect, target)}. A rule's actions run with the rights of the table's owner, the role that owns "
            "core's tables: a rule of the Muse's read api_keys and users for anon (found in review). Use a "
            "trigger with a function of the caller's rights instead.",
        )

    def _owner(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.action != "alter" or not effect.detail.startswith("owner to "):
            return None
        return _finding(
            stmt,
            "owner-change",
            "error",
            f"{_act(effect, target)}. An object's owner is exempt from its row level security and may drop its "
            "policies: given to an API role, every user would be. Leave the Muse's objects with the role "
            "musekit migrates as; grant the privileges they need.",
        )

    @staticmethod
    def _setting_rule(name: str) -> tuple[str, str] | None:
        """(rule, what the change does and what to do instead) for a setting a Muse may not change."""
        if name in _TRANSACTION_SETTINGS:
            return "transaction-control", (
                ", which changes the transaction the Muse's migrations run in. Remove it; musekit "
                "decides how the migrations' transaction runs."
            )
        if name in _READING_SETTINGS:
            return "sql-reading", (
                ", which changes how the server reads the SQL that follows (quotes, backslashes, "
                "bytes), so it could run something other than what was checked. Remove it; Muse files "
                "are read as UTF-8 with standard_conforming_strings on, the defaults."
            )
        if name in _ROLE_SETTINGS:
            return "role-change", (
                ": what follows would run as another role. Remove it; Muse migrations run as the role "
                "musekit connects with; grant privileges on the Muse's own objects instead."
            )
        if name == "search_path":
            return "search-path", (
                ", which changes what the unqualified names in the statements that follow (core's too) "
                "resolve to. "
                "Schema-qualify names (public.x) instead; a function of the Muse's own may pin its "
                "path in its definition (`set search_path = ''`)."
            )
        if name in _SESSION_SETTINGS:
            return "session-setting", ". Remove it."
        return None

    def _call(self, stmt: StatementInfo, target: ObjectRef) -> PurityFinding | None:
        name = target.qualified_name
        if name not in self.procedures:
            why = "which the Muse does not create; a procedure can commit or roll back the migration's transaction"
        elif not self._harmless_procedure(name, frozenset()):
            why = "whose body ends or splits the transaction (COMMIT, ROLLBACK ...) or runs SQL the static check cannot see"
        else:
            return None
        return _finding(
            stmt,
            "procedure-call",
            "error",
            f"calls procedure {name}, {why}. Call only the Muse's own procedures, without transaction "
            "control in them, or put the statements in the migration itself.",
        )

    def _harmless_procedure(self, name: str, seen: frozenset[str]) -> bool:
        """A Muse procedure whose every version is fully visible and never touches the transaction."""
        if name in seen or name not in self.procedures:
            return False
        for stmt in self.procedures[name]:
            if stmt.dynamic or any(_ends_transaction(e) for e in stmt.effects[1:]):
                return False
            calls = [e.target.qualified_name for e in stmt.effects[1:] if e.action == "call"]
            if not all(self._harmless_procedure(c, seen | {name}) for c in calls):
                return False
        return True

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
        if target.kind == "database":
            return _finding(
                stmt,
                "database-change",
                "error",
                f"{_verb(effect)} {'database-wide settings' if effect.action == 'alter' else 'database ' + target.name}"
                ", which every Muse and core share. Set what the "
                "Muse needs per function (`set search_path = ''`) or per role in core, not for the database.",
            )
        if target.kind in _DATABASE_KINDS:
            return _finding(
                stmt,
                "database-change",
                "error",
                f"{_verb(effect)} {target.kind.replace('-', ' ')} {target.name}, which belongs to the whole "
                "database (or server), not to a Muse. Remove it; a Muse adds tables, views, functions and "
                "policies of its own.",
            )
        if target.kind in ("extension", "language"):
            return _finding(
                stmt,
                "extension",
                "error",
                f"{_verb(effect)} {target.kind} {target.name}, which is database-wide: core and every "
                "Muse share it. Extensions are managed in the Supabase dashboard (Database > Extensions, "
                "schema extensions); say in the Muse's README which ones it needs.",
            )
        if target.kind == "default-privileges":
            return _finding(
                stmt,
                "default-privileges",
                "error",
                "changes default privileges, which also apply to objects created later by core "
                "migrations and by other roles. Grant on the Muse's own objects explicitly instead.",
            )
        if target.kind == "publication":
            return _finding(
                stmt,
                "publication",
                "error",
                f"{_verb(effect)} publication {target.name}, which decides what leaves the database "
                "(Supabase Realtime reads supabase_realtime). Turn on Realtime for the Muse's tables "
                "in the Supabase dashboard after the clone, and say so in the Muse's README.",
            )
        return None

    def _temporary(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        schema = _schema_of(target) or ""
        if effect.action == "reference" or not (schema == TEMP_SCHEMA or schema.startswith(TEMP_SCHEMA + "_")):
            return None
        return _finding(
            stmt,
            "temporary-object",
            "error",
            f"{_act(effect, target)}, a temporary object. Until the migration's session ends, unqualified "
            "names reach it before public's: what the SQL seems to do to a Muse table (enable row level "
            "security, add a policy) would be done to it instead, and it vanishes at the session's end. "
            "Use a CTE, or a table of the Muse's own that the migration drops when done with it.",
        )

    def _trigger_function(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.detail != "trigger function" or target.qualified_name not in self.core_acting:
            return None  # not core's, or a helper like private.set_updated_at that only sets the new row
        return _finding(
            stmt,
            "core-function-trigger",
            "error",
            f"runs core function {target.qualified_name} as a trigger of the Muse's. Core's trigger functions act "
            "on core rows with their owner's rights (a user's email, their organizations), here whenever anyone "
            "writes the Muse's table. Write the Muse's own trigger function, acting on the Muse's tables.",
        )

    def _operator(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.action == "reference" or target.kind not in ("operator", "cast"):
            return None
        return _finding(
            stmt,
            "operator",
            "error",
            f"{_act(effect, target)}. PostgreSQL picks the closest match among the operators and casts it can "
            "see, so a Muse's one can take over an expression in core's SQL (a roll-out's core migration, a "
            "check musekit runs). Write a function with a name of the Muse's own and call it.",
        )

    def _reserved(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        schema = _schema_of(target)
        if schema == _MIGRATOR_SCHEMA and effect.action != "reference":
            return _finding(
                stmt,
                "schema-reserved",
                "error",
                f"{_act(effect, target)}{'' if target.kind == 'schema' else f' in schema {schema}'}, named like "
                "the role migrations run as: "
                'search_path starts with "$user", so unqualified names would reach that schema before '
                "public, and what the SQL says would not be what runs. Give the schema another name.",
            )
        if schema not in RESERVED_SCHEMAS or effect.action == "reference":
            return None
        return _finding(
            stmt,
            "schema-reserved",
            "error",
            f"{_act(effect, target)} in schema {schema}, which belongs to Supabase. "
            "Create the Muse's objects in public (or a schema the template declares).",
        )

    def _catalog_name(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        if effect.action not in _CREATES or target.kind not in _CATALOG_LIKE:
            return None
        clash = catalog_name_clash(target.name)
        if clash is None:
            return None
        return _finding(
            stmt,
            "catalog-name",
            "error",
            f"{_act(effect, target)}, named like {clash}. Where SQL names it without a schema, such an "
            "object can stand in for the catalog (a temporary one is even found before pg_catalog), "
            f"and names starting with pg_ are PostgreSQL's. {_REMEDIES['core-replace'][0].upper()}"
            f"{_REMEDIES['core-replace'][1:]}.",
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
        if effect.action in ("write", "truncate"):
            return self._core_rows(stmt, effect, target)
        rule = self._core_rule(effect, target)
        remedy = _REMEDIES.get(rule, _DEFAULT_REMEDY)
        return _finding(
            stmt, rule, "error", f"{_act(effect, target)}, which belongs to MuseKit core. {_CORE_IS_FIXED}: {remedy}."
        )

    def _core_rows(self, stmt: StatementInfo, effect: Effect, target: ObjectRef) -> PurityFinding | None:
        name = target.qualified_name
        how = effect.detail or effect.action
        if effect.action == "truncate" and (name not in self.core_writes or effect.detail == "cascade"):
            also = " with cascade (which also empties every table that references it)" if effect.detail else ""
            return _finding(
                stmt,
                "core-truncate",
                "error",
                f"truncates core table {name}{also}. {_CORE_IS_FIXED}: {_DEFAULT_REMEDY}.",
            )
        if name in self.core_writes:
            return _finding(
                stmt,
                "core-data",
                "warning",
                f"writes rows into core table {name} ({how}), as the template declares in muse.toml "
                "(core_data_writes). Keep it idempotent; rows deleted here may take rows of other "
                "core tables with them (on delete cascade).",
            )
        return _finding(
            stmt,
            "core-data",
            "error",
            f"writes rows into core table {name} ({how}). Core rows belong to the app's users and "
            "organizations. Keep the Muse's data in its own tables; a Muse that must seed a core "
            f'table (feature flags, products) declares it in muse.toml: core_data_writes = ["{name}"].',
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
            what = (
                "a DO block runs SQL the static check cannot see (EXECUTE of a computed string, "
                "or a language other than plpgsql)"
            )
        else:
            what = (
                "this function builds SQL at run time (EXECUTE of a computed string) or is written in "
                "a language other than sql and plpgsql, which the static check cannot see"
            )
        return _finding(
            stmt,
            "dynamic-sql",
            "warning",
            f"{what}. Applying the Muse compares a catalog fingerprint of core, the rows it wrote in core "
            "tables, its relations' row level security and functions named like built-ins, before and after, and "
            "rolls back if any changed; a function's dynamic SQL runs later, unchecked. Prefer plain statements.",
        )

    # --- whole-model rules ------------------------------------------------------------------------

    def tables(self, model: SchemaModel) -> list[PurityFinding]:
        found = []
        for table in model.tables:
            name = table.qualified_name
            if name in self.core.relations or table.schema in RESERVED_SCHEMAS | {_MIGRATOR_SCHEMA, TEMP_SCHEMA}:
                continue  # already reported as core-replace / schema-reserved / temporary-object
            statement = f"create table {name} (...)"
            if not table.rls_enabled:
                message = (
                    f"Table {name} does not enable row level security. Add `alter table {name} enable "
                    "row level security;` and policies tied to user_id and/or org_id."
                )
                found.append(_object_finding(table.location, statement, "table-rls", message))
            elif not model.policies_on(name):
                message = (
                    f"Table {name} has row level security but no policy, so nobody but service_role "
                    f"can use it. Add at least one `create policy ... on {name}` tied to user_id "
                    "(e.g. using (user_id = (select auth.uid()))) and/or org_id "
                    "(e.g. using (private.is_org_member(org_id)))."
                )
                found.append(_object_finding(table.location, statement, "table-policy", message))
        return found + self._views(model) + self._open_copies(model)

    def _open_copies(self, model: SchemaModel) -> list[PurityFinding]:
        """Core rows copied into a Muse table that a policy opens to every reader: RLS holds on the copy, but
        lets everyone see what core's policies showed each user only of their own."""
        found = []
        for table, (stmt, read) in self.copies.items():
            open_to = sorted(
                {
                    role
                    for p in model.policies_on(table)
                    if p.permissive and p.command in ("all", "select") and _holds_for_every_row(p.using)
                    for role in p.roles
                    if role in ("public", "anon", "authenticated")
                }
            )
            if open_to:
                found.append(
                    _finding(
                        stmt,
                        "core-copy",
                        "error",
                        f"copies rows of {', '.join(sorted(set(read)))} into {table}, which a policy lets "
                        f"{', '.join(open_to)} read in full (its USING does not tie a row to its reader): core's row level security shows "
                        "each user only their own rows. Tie the copy's policies to user_id or org_id as core's "
                        "are, or read core through core's tables where its policies hold.",
                    )
                )
        return found

    def _views(self, model: SchemaModel) -> list[PurityFinding]:
        """A view runs with its owner's rights unless it says security_invoker: through it anyone granted it
        (in public, the API's roles, by Supabase's default privileges) reads every row of what it reads."""
        found = []
        for view in model.views:
            name = view.qualified_name
            if name in self.core.relations or view.schema in RESERVED_SCHEMAS | {_MIGRATOR_SCHEMA, TEMP_SCHEMA}:
                continue  # core's, or reported already
            core_read = sorted({n for ref in view.references for n in self._core_under(ref)})
            if view.materialized and core_read:
                message = (
                    f"Materialized view {name} holds a copy of rows of {', '.join(core_read)}, and row level "
                    "security cannot apply to a materialized view: whoever can read it (or a view over it) "
                    "reads every row. Make it a view with (security_invoker = true)."
                )
            elif view.materialized and view.schema == "public":
                message = (
                    f"Materialized view {name} is in public, where the API's roles can read it, and row level "
                    "security cannot apply to a materialized view: every row it holds is readable. Put it in a "
                    "schema the template declares (not exposed to the API), or make it a view with "
                    "(security_invoker = true)."
                )
            elif not view.materialized and not view.security_invoker:
                message = (
                    f"View {name} runs with its owner's rights: the row level security of the tables it reads "
                    "does not hold for whoever reads it, in public the API's roles (Supabase's advisor: "
                    "security_definer_view), elsewhere anyone granted it or a view of public over it. "
                    f"Create it with (security_invoker = true): `create view {name} with (security_invoker = "
                    "true) as ...`."
                )
            else:
                continue
            statement = f"create {'materialized ' if view.materialized else ''}view {name} ..."
            found.append(_object_finding(view.location, statement, "view-rls", message))
        return found


def _holds_for_every_row(expression: str | None) -> bool:
    """Whether a policy's USING lets every reader see every row: unless it compares something of the row with
    who is reading (auth.uid(), auth.jwt(), core's private helpers, current_user, a subquery), it does
    (`true`, `1 = 1`, `id is not null`, `auth.uid() is not null`)."""
    import json

    from pglast.parser import ParseError, parse_sql_json

    from wizard.sql.nodes import svals, walk

    if expression is None:
        return False
    try:
        tree = json.loads(parse_sql_json("SELECT " + expression))
    except ParseError:
        return False
    nodes = list(walk(tree))
    of_the_row = any("ColumnRef" in node for node in nodes)
    who = any("SubLink" in node or "SQLValueFunction" in node for node in nodes) or any(
        svals(node["FuncCall"].get("funcname"))[:1] in (["auth"], ["private"]) for node in nodes if "FuncCall" in node
    )
    return not (of_the_row and who)


def _object_finding(location: Location, statement: str, rule: str, message: str) -> PurityFinding:
    """An error about an object as the files leave it (not about one statement)."""
    return PurityFinding(
        file=location.file, line=location.line, statement=statement, rule=rule, severity="error", message=message
    )


def _finding(stmt: StatementInfo, rule: str, severity: Severity, message: str) -> PurityFinding:
    return PurityFinding(
        file=stmt.location.file,
        line=stmt.location.line,
        statement=stmt.text,
        rule=rule,
        severity=severity,
        message=message[0].upper() + message[1:],
    )


def _acting_functions(core: SchemaModel) -> frozenset[str]:
    """Core functions that write rows, run SQL no check sees, or run with their owner's rights."""
    return frozenset(
        stmt.effects[0].target.qualified_name
        for stmt in core.statements
        if stmt.kind == "CreateFunctionStmt"
        and (stmt.dynamic or any(e.action in ("write", "truncate", "definer") for e in stmt.effects[1:]))
    )


def _view_reads(stmt: StatementInfo) -> Iterator[tuple[str, set[str]]]:
    """(view, relations it reads) for a view made; (new name, {old name}) for a relation renamed or moved."""
    effects = stmt.effects
    if stmt.kind == "ViewStmt" and effects and effects[0].action in _CREATES:
        reads = {
            e.target.qualified_name for e in effects[1:] if e.action == "reference" and e.target.kind == "relation"
        }
        yield effects[0].target.qualified_name, reads
    for e in effects:
        if e.target.kind != "relation":
            continue
        if e.action == "rename" and e.detail.startswith("rename to ") and e.target.schema:
            yield f"{e.target.schema}.{e.detail.removeprefix('rename to ')}", {e.target.qualified_name}
        if e.action == "alter" and e.detail.startswith("set schema "):
            yield f"{e.detail.removeprefix('set schema ')}.{e.target.name}", {e.target.qualified_name}


def _in_body(stmt: StatementInfo, index: int, effect: Effect) -> bool:
    """Whether an effect comes from inside a DO block or a function body (a function's own
    effects come first: creating it, then what its text references)."""
    if stmt.kind == "DoStmt":
        return True
    return stmt.kind == "CreateFunctionStmt" and index > 0 and effect.action != "reference"


def _inside(stmt: StatementInfo) -> str:
    if stmt.kind == "DoStmt":
        return "Inside this DO block, the code "
    return f"Inside the body of {stmt.effects[0].target.describe()}, the code "


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
    "call": "calls",
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
