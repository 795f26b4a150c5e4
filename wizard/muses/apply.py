"""Applying a Muse template to a database under the core-purity rules, and verifying the result.

Static rules run before anything touches the database; the Muse's files then run in ONE
transaction between two catalog fingerprints of the core objects and of the platform around them
(roles, settings, default privileges, extensions, publications, event triggers), so a template
that changes them in any way (even through dynamic SQL) leaves the database exactly as it was;
a new connection then confirms it. Verifying compares the live core with the canonical one: the
shipped core migrations applied to an empty database of the platform shim."""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import migrations
from wizard.errors import ExitCode, MusekitError
from wizard.muses.templates import MuseTemplate, core_files
from wizard.pg import connect

if TYPE_CHECKING:
    import psycopg

    from wizard.guard import Fingerprint, PurityFinding
    from wizard.lints import Finding
    from wizard.sql import SchemaModel, SqlSource

BeforeFile = Callable[[migrations.MigrationFile], Awaitable[None] | None]


class PurityError(migrations.MigrationError):
    exit_code = ExitCode.FINDINGS

    """The template breaks the core-purity rules; nothing was applied."""

    def __init__(self, findings: list[PurityFinding]):
        self.findings = findings
        super().__init__(
            "the Muse breaks the core-purity rules, so nothing was applied:\n" + "\n".join(f"  - {f}" for f in findings)
        )


def _sources(files: Sequence[migrations.MigrationFile]) -> tuple[SqlSource, ...]:
    from wizard.sql import SqlSource

    return tuple(SqlSource(path=str(f.path), text=f.text) for f in files)


def core_model(files: Sequence[migrations.MigrationFile] | None = None) -> SchemaModel:
    """The model of the core: the shipped core files, or `files` (e.g. the core a Muse has applied so far,
    or a newer core a portfolio roll-out brings)."""
    from wizard.sql import parse_sql_once

    return parse_sql_once(_sources(core_files() if files is None else files))


def template_model(template: MuseTemplate) -> SchemaModel:
    from wizard.sql import parse_sql_once

    return parse_sql_once(_sources(template.files))


def static_findings(template: MuseTemplate) -> list[PurityFinding]:
    """Every purity finding of the template's SQL: errors refuse it; warnings (dynamic SQL the
    fingerprint will judge, declared writes to core rows) are shown before anything is applied."""
    manifest = template.manifest
    return list(_static_findings(_sources(template.files), tuple(manifest.schemas), tuple(manifest.core_data_writes)))


@lru_cache(maxsize=16)  # once per process for the same SQL and manifest: a fleet command checks many Muses
def _static_findings(
    sources: tuple[SqlSource, ...], schemas: tuple[str, ...], core_data_writes: tuple[str, ...]
) -> tuple[PurityFinding, ...]:
    from wizard.guard import check_static, split_findings
    from wizard.sql import parse_sql_once

    model = parse_sql_once(sources)  # the parse the previews share (check_static would parse again)
    findings = check_static(model, core_model(), declared_schemas=schemas, core_data_writes=core_data_writes)
    return tuple(split_findings(sources) + findings)


class CoreChangedError(migrations.MigrationError):
    """The core or the platform around it changed and the change was committed: the guarded
    transaction did not hold it (e.g. a statement that committed on its own)."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, differences: list[str], rolled_back: bool):
        self.differences = differences
        what = (
            "the migrations were rolled back, but these changes stayed"
            if rolled_back
            else "the migrations were committed, and with them these changes"
        )
        super().__init__(
            f"the core changed although the Muse runs under the core-purity guard: {what} "
            "(compared on a new connection with the state before the Muse ran):\n"
            + "\n".join(f"  - {d}" for d in differences)
            + "\n  Undo them by hand: until then this database's core is not the shipped one."
        )


# The core tables' rows (and those of the tables core hooks into: auth.users) as the migration's transaction
# left them: its own write counters (which see what dynamic SQL, triggers and called functions wrote too)
# and the table's storage (TRUNCATE replaces it). Read with the session pinned (pinned_catalog_session):
# an operator of the Muse's, e.g. public.||(name, text), would otherwise take over this query's own.
_CORE_ROWS_SQL = """
select n.nspname || '.' || c.relname, coalesce(s.n_tup_ins, 0), coalesce(s.n_tup_upd, 0), coalesce(s.n_tup_del, 0),
  pg_catalog.pg_relation_filenode(c.oid)
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
left join pg_catalog.pg_stat_xact_user_tables s on s.relid = c.oid
where n.nspname || '.' || c.relname = any(%(names)s::pg_catalog.text[]) and c.relkind in ('r', 'p')"""

# Functions and operators outside pg_catalog named like one of pg_catalog's. SQL that runs later with
# another search_path (a core migration of a roll-out, core's own unpinned functions) picks the closest
# match among all of them: a Muse's public.length(varchar) or public.||(name, text) would take the call.
# `skip`: schemas left out; `members`: whether an extension's own functions and operators count.
_SHADOWS_OF = """
select '{kind} ' operator(pg_catalog.||) x.oid::pg_catalog.{reg}::pg_catalog.text
from pg_catalog.{table} x join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) x.{ns}
where n.nspname operator(pg_catalog.<>) all(%(skip)s::pg_catalog.text[])
  and (%(members)s or not exists (select from pg_catalog.pg_depend d
       where d.classid operator(pg_catalog.=) 'pg_catalog.{table}'::pg_catalog.regclass
         and d.objid operator(pg_catalog.=) x.oid and d.deptype operator(pg_catalog.=) 'e'::pg_catalog."char"))
  and exists (select from pg_catalog.{table} b
              where b.{ns} operator(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                and b.{name} operator(pg_catalog.=) x.{name})"""
_SHADOWS_SQL = "\nunion all".join(
    _SHADOWS_OF.format(kind=kind, reg=reg, table=table, ns=ns, name=name)
    for kind, reg, table, ns, name in (
        ("function", "regprocedure", "pg_proc", "pronamespace", "proname"),
        ("operator", "regoperator", "pg_operator", "oprnamespace", "oprname"),
    )
)
_BUILT_INS_ONLY = {"skip": ["pg_catalog"], "members": True}  # for a comparison before and after

# Relations row level security does not hold through, outside Supabase's schemas: a table without it, a view
# without security_invoker, a materialized view in public; objects given to another role (their owner is exempt
# from their RLS); functions whose SET clause changes who they run as (what the static rules refuse, made by
# dynamic SQL).
_UNGUARDED_SQL = """
select case c.relkind when 'v' then 'view ' when 'm' then 'materialized view ' else 'table ' end
  operator(pg_catalog.||) n.nspname operator(pg_catalog.||) '.' operator(pg_catalog.||) c.relname
  operator(pg_catalog.||) case c.relkind when 'v' then ' without security_invoker'
    when 'm' then ' in public' else ' without row level security' end
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
where n.nspname operator(pg_catalog.<>) all(%(skip)s::pg_catalog.text[])
  and n.nspname operator(pg_catalog.!~~) 'pg\\_%%'
  and ((c.relkind operator(pg_catalog.=) any('{r,p}'::pg_catalog."char"[]) and not c.relrowsecurity)
    or (c.relkind operator(pg_catalog.=) 'v'::pg_catalog."char" and not exists (
          select from pg_catalog.pg_options_to_table(c.reloptions) o
          where o.option_name operator(pg_catalog.=) 'security_invoker'
            and pg_catalog.lower(o.option_value) operator(pg_catalog.=) any('{true,on,yes,1}'::pg_catalog.text[])))
    or (c.relkind operator(pg_catalog.=) 'm'::pg_catalog."char" and n.nspname operator(pg_catalog.=) 'public'))
union all
-- read with the session pinned (search_path pg_catalog): the operators below are pg_catalog's
select case when c.relkind in ('v', 'm') then 'view ' else 'relation ' end || n.nspname || '.' || c.relname
  || ' owned by ' || pg_catalog.pg_get_userbyid(c.relowner)
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname <> all(%(skip)s::pg_catalog.text[]) and n.nspname !~~ 'pg\\_%%'
  and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and c.relowner <> pg_catalog.current_user()::pg_catalog.regrole
union all
select 'function ' || p.oid::pg_catalog.regprocedure::pg_catalog.text || case
    when p.proowner <> pg_catalog.current_user()::pg_catalog.regrole
    then ' owned by ' || pg_catalog.pg_get_userbyid(p.proowner)
    else ' with ' || pg_catalog.array_to_string(p.proconfig, ', ') || ' in its SET clause' end
from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
where n.nspname <> all(%(skip)s::pg_catalog.text[]) and n.nspname !~~ 'pg\\_%%'
  and (p.proowner <> pg_catalog.current_user()::pg_catalog.regrole or exists (
    select from pg_catalog.unnest(p.proconfig) setting
    where pg_catalog.split_part(setting, '=', 1) in ('role', 'session_authorization', 'session_replication_role')
       or setting ~~ 'request.%%'))
union all
select 'function ' || p.oid::pg_catalog.regprocedure::pg_catalog.text || ' security definer'
from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
where n.nspname <> all(%(skip)s::pg_catalog.text[]) and n.nspname !~~ 'pg\\_%%' and p.prosecdef
union all
select 'rule ' || r.rulename || ' on ' || n.nspname || '.' || c.relname
from pg_catalog.pg_rewrite r join pg_catalog.pg_class c on c.oid = r.ev_class
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname <> all(%(skip)s::pg_catalog.text[]) and n.nspname !~~ 'pg\\_%%' and r.rulename <> '_RETURN'
union all
select 'large object ' || l.oid::pg_catalog.text || ' owned by ' || pg_catalog.pg_get_userbyid(l.lomowner)
from pg_catalog.pg_largeobject_metadata l"""


class CoreGuard:
    """migrations.Guard: the catalog fingerprint of the core and of the platform around it (roles,
    settings, default privileges, extensions, publications, event triggers) must not change, and no
    row of a core table the template does not declare in `core_data_writes` may be written.

    Both snapshots run in the migration's session, the only one that sees its uncommitted changes;
    the fingerprint pins that session's settings and qualifies every catalog name while it reads,
    so what the Muse did to the session (search_path, temporary objects) does not count. After the
    transaction, `confirm` reads the committed state on a new connection."""

    def __init__(self, declared_writes: Sequence[str] = ()) -> None:
        self.before: Fingerprint | None = None
        self.declared_writes = frozenset(declared_writes)
        self._rows_before: dict[str, tuple[int, ...]] = {}
        self._additions_before: set[str] = set()
        self._core_tables: frozenset[str] = frozenset()

    async def snapshot(self, conn: psycopg.AsyncConnection) -> Fingerprint:
        from wizard.guard import Fingerprint, core_fingerprint

        if self.before is not None:
            # deferred constraint triggers would fire at COMMIT, after this last look: fire them now
            await conn.execute("set constraints all immediate", prepare=False)
        fingerprint = await core_fingerprint(conn, core_model())
        rows, additions = await self._rows_and_additions(conn)
        if self.before is None:
            self.before, self._rows_before, self._additions_before = fingerprint, rows, additions
            return fingerprint
        # the static check sees only the writes the SQL spells out: these counters see every one
        found: dict[str, dict[str, str]] = {
            _rows_written(name, name in self._core_tables, self._rows_before.get(name), now): {}
            for name, now in rows.items()
            if name not in self.declared_writes and now != self._rows_before.get(name)
        }
        found |= {added: {} for added in sorted(additions - self._additions_before)}
        return Fingerprint(objects={**fingerprint.objects, **found}) if found else fingerprint

    async def _rows_and_additions(self, conn: psycopg.AsyncConnection) -> tuple[dict[str, tuple[int, ...]], set[str]]:
        """The core rows' write counters, and what a Muse may not add: functions and operators named like
        built-ins, and objects row level security does not hold through (one line each)."""
        from wizard.guard import RESERVED_SCHEMAS, CoreObjects, pinned_catalog_session

        objects = CoreObjects.from_model(core_model())
        self._core_tables = objects.tables
        names = sorted(objects.tables | objects.attached_tables)
        async with pinned_catalog_session(conn):
            cur = await conn.execute(_CORE_ROWS_SQL, {"names": names}, prepare=False)
            rows = {name: tuple(counts) for name, *counts in await cur.fetchall()}
            cur = await conn.execute(_SHADOWS_SQL, _BUILT_INS_ONLY, prepare=False)
            additions = {
                f"{shadow}, named like a built-in of pg_catalog (SQL run later with its schema on the search_path, "
                "core's included, could call it instead of the built-in),"
                for (shadow,) in await cur.fetchall()
            }
            cur = await conn.execute(_UNGUARDED_SQL, {"skip": sorted(RESERVED_SCHEMAS)}, prepare=False)
            additions |= {
                f"{relation} (made by SQL the static check could not see: row level security does not hold through it),"
                for (relation,) in await cur.fetchall()
            }
        return rows, additions

    def compare(self, before: Fingerprint, after: Fingerprint) -> list[str]:
        from wizard.guard import diff_fingerprints

        return diff_fingerprints(before, after)

    async def confirm(self, url: str) -> list[str]:
        """What differs, on a new connection, from the first snapshot (empty when none was taken)."""
        if self.before is None:
            return []
        from wizard.guard import core_fingerprint

        conn = await connect(url)
        async with conn:
            now = await core_fingerprint(conn, core_model())
        return self.compare(self.before, now)


async def apply_muse(
    url: str,
    files: Sequence[migrations.MigrationFile],
    template: MuseTemplate,
    *,
    progress: migrations.Progress | None = None,
    dry_run: bool = False,
    before_file: BeforeFile | None = None,
) -> migrations.ApplyResult:
    """Apply the template's pending files (the ones in `files` whose versions are the template's),
    atomically under the purity guard. `files` is the whole folder the history is compared with."""
    _refuse_impure(template)
    return await _apply_guarded(url, files, template, progress=progress, dry_run=dry_run, before_file=before_file)


def _refuse_impure(template: MuseTemplate) -> None:
    findings = static_findings(template)
    if any(f.is_error for f in findings):
        raise PurityError(findings)


async def _apply_guarded(
    url: str,
    files: Sequence[migrations.MigrationFile],
    template: MuseTemplate,
    *,
    progress: migrations.Progress | None,
    dry_run: bool,
    before_file: BeforeFile | None = None,
) -> migrations.ApplyResult:
    guard = CoreGuard(template.manifest.core_data_writes)
    try:
        result = await migrations.apply(
            url,
            files,
            only={f.version for f in template.files},
            atomic=True,
            guard=guard,
            progress=progress,
            dry_run=dry_run,
            before_file=before_file,
        )
    except migrations.MigrationError as exc:
        stayed = await _left_behind(guard, url)
        if stayed:
            raise CoreChangedError(stayed, rolled_back=True) from exc
        raise
    changed = await guard.confirm(url)
    if changed:
        raise CoreChangedError(changed, rolled_back=False)
    return result


def _rows_written(name: str, core: bool, before: tuple[int, ...] | None, now: tuple[int, ...]) -> str:
    was = before or (0, 0, 0, now[3])
    counts = [
        f"{b - a} {what}" for a, b, what in zip(was, now, ("inserted", "updated", "deleted"), strict=False) if b != a
    ]
    if was[3] != now[3]:
        counts.append("truncated or rewritten")
    if not core:  # auth.users, or another platform table core hooks into
        return f"rows of {name}, a platform table core relies on, written by the Muse ({', '.join(counts)})"
    hint = "declare it in muse.toml `core_data_writes` if the Muse must write there"
    return f"rows of core table {name} written by the Muse ({', '.join(counts)}; {hint})"


async def _left_behind(guard: CoreGuard, url: str) -> list[str]:
    """After a failed apply: what the rollback did not undo. Empty when that cannot be read: the
    failure being raised says more than a second one would."""
    import psycopg

    from wizard.pg import DatabaseError

    try:
        return await guard.confirm(url)
    except (DatabaseError, psycopg.Error):
        return []


@dataclass
class TemplateApplyResult:
    core: migrations.ApplyResult
    muse: migrations.ApplyResult


async def apply_template(
    url: str, template: MuseTemplate, *, progress: migrations.Progress | None = None, dry_run: bool = False
) -> TemplateApplyResult:
    """`musekit muses apply`: the pending core migrations (one transaction each), then the Muse's.
    An impure template is refused before anything, the core included, is applied."""
    _refuse_impure(template)
    core = core_files()
    files = [*core, *template.files]
    core_result = await migrations.apply(url, files, only={f.version for f in core}, progress=progress, dry_run=dry_run)
    muse_result = await _apply_guarded(url, files, template, progress=progress, dry_run=dry_run)
    return TemplateApplyResult(core_result, muse_result)


LINT_LEVELS = ("ERROR", "WARN", "INFO")


@dataclass(frozen=True)
class VerifyFindings:
    """What verifying a database found, by check; nothing in any group means all is well."""

    lints: tuple[Finding, ...]
    core: tuple[str, ...]  # every way the live core differs from the canonical one
    rls: tuple[str, ...]  # RLS disabled on a public table, or rows a stranger can read

    def lines(self) -> list[str]:
        """One line per problem, lints first (as `musekit verify` and the clone print them)."""
        return [*(str(f) for f in self.lints), *self.core, *self.rls]

    def lint_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(LINT_LEVELS, 0)
        for finding in self.lints:
            counts[finding.level] = counts.get(finding.level, 0) + 1
        return counts


async def verify_database(
    url: str, template: MuseTemplate | None = None, core: Sequence[migrations.MigrationFile] | None = None
) -> list[str]:
    """Lint findings, RLS-probe problems and every way the live core differs from the shipped one (or from
    `core`, the core files the database should hold), one line each; empty when all is well."""
    return (await verify_findings(url, template, core)).lines()


async def verify_database_in(
    conn: psycopg.AsyncConnection,
    template: MuseTemplate | None = None,
    core: Sequence[migrations.MigrationFile] | None = None,
) -> list[str]:
    """verify_database() on an open connection."""
    return (await verify_findings_in(conn, template, core)).lines()


async def verify_findings(
    url: str, template: MuseTemplate | None = None, core: Sequence[migrations.MigrationFile] | None = None
) -> VerifyFindings:
    """verify_database()'s problems grouped by check."""
    conn = await connect(url)
    async with conn:
        return await verify_findings_in(conn, template, core)


async def verify_findings_in(
    conn: psycopg.AsyncConnection,
    template: MuseTemplate | None = None,
    core: Sequence[migrations.MigrationFile] | None = None,
) -> VerifyFindings:
    """verify_findings() on an open connection."""
    from wizard.lints import run_lints

    lints = tuple(await run_lints(conn))
    core_problems = tuple(await core_differences_in(conn, core))
    muse_tables = [t.name for t in template_model(template).tables if t.schema == "public"] if template else []
    rls = tuple(await rls_probe_in(conn, muse_tables))  # last: it pins the session's search_path
    return VerifyFindings(lints=lints, core=core_problems, rls=rls)


# -- the canonical core: the shipped core migrations on an empty database of the platform shim ----
# Computed once per core version on a throwaway embedded cluster (the user's server is only read:
# no scratch database on a hosted project, whose pooler would not reach one anyway) and cached in
# the data dir under the sha256 of everything that shapes it.
CANONICAL_MIGRATOR = "postgres"
_CANONICAL_DIR = "core-fingerprints"


@dataclass(frozen=True)
class CanonicalCore:
    server_version: int
    fingerprint: Fingerprint


_canonical_memo: dict[str, CanonicalCore] = {}
# per event loop (a lock is bound to the loop it first waited in): many Muses checked at once build a core's
# canonical once
_canonical_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def canonical_key(core: Sequence[migrations.MigrationFile] | None = None) -> str:
    """sha256 of the core files (the shipped ones by default), the platform shim and the fingerprint's
    own queries."""
    return _canonical_key(tuple((f.filename, f.text) for f in (core_files() if core is None else core)))


@lru_cache(maxsize=8)  # asked once per Muse a command looks at
def _canonical_key(core: tuple[tuple[str, str], ...]) -> str:
    from importlib.resources import files

    from wizard.guard import fingerprint

    digest = hashlib.sha256()
    parts = [Path(fingerprint.__file__).read_bytes(), files("wizard.pg").joinpath("platform_shim.sql").read_bytes()]
    parts += [f"{filename}\n{text}".encode() for filename, text in core]
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def canonical_cache_path(key: str) -> Path:
    from wizard.settings import data_dir

    return data_dir() / _CANONICAL_DIR / f"{key}.json"


async def canonical_core(core: Sequence[migrations.MigrationFile] | None = None) -> CanonicalCore:
    """The canonical fingerprint (core objects only) of the core files (the shipped ones by default),
    from the cache or computed now."""
    core = core_files() if core is None else list(core)
    key = canonical_key(core)
    locks = _canonical_locks.setdefault(asyncio.get_running_loop(), {})
    async with locks.setdefault(key, asyncio.Lock()):
        if key in _canonical_memo:
            return _canonical_memo[key]
        path = canonical_cache_path(key)
        canonical = _read_canonical(path)
        if canonical is None:
            canonical = await _compute_canonical(core)
            _write_canonical(path, canonical)
        _canonical_memo[key] = canonical
        return canonical


def _read_canonical(path: Path) -> CanonicalCore | None:
    from wizard.guard import Fingerprint

    try:
        data = json.loads(path.read_text())
        return CanonicalCore(int(data["server_version"]), Fingerprint(objects=data["objects"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: computed again


def _write_canonical(path: Path, canonical: CanonicalCore) -> None:
    from wizard.fs import write_atomic

    data = {"server_version": canonical.server_version, "objects": canonical.fingerprint.objects}
    try:
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True))
    except OSError:
        pass  # a cache: the next verify computes it again


async def _compute_canonical(core: Sequence[migrations.MigrationFile]) -> CanonicalCore:
    from wizard.guard import core_fingerprint
    from wizard.guard.fingerprint import core_part
    from wizard.pg import EmbeddedPostgres

    pg = await asyncio.to_thread(lambda: EmbeddedPostgres.throwaway().start())
    try:
        url = await asyncio.to_thread(pg.create_database, "musekit_canonical_core", CANONICAL_MIGRATOR)
        await migrations.apply(url, core)
        conn = await connect(url)
        async with conn:
            fingerprint = await core_fingerprint(conn, core_model(core))
            version = conn.info.server_version
    finally:
        await asyncio.to_thread(pg.stop)
    return CanonicalCore(version, core_part(fingerprint, core_model(core)))


async def core_differences(url: str, core: Sequence[migrations.MigrationFile] | None = None) -> list[str]:
    """Every way the core of the database at `url` differs from the canonical core, one line each
    (e.g. a column added with psql or the dashboard); empty when it is the shipped core. `core`: the
    core files the database should hold (default: the shipped ones), e.g. a Muse not yet upgraded."""
    conn = await connect(url)
    async with conn:
        return await core_differences_in(conn, core)


async def core_differences_in(
    conn: psycopg.AsyncConnection, core: Sequence[migrations.MigrationFile] | None = None
) -> list[str]:
    """core_differences() on an open connection (one connection serves several checks of a Muse)."""
    import psycopg

    from wizard.guard import core_fingerprint, core_part, diff_fingerprints, rename_role, without_privilege

    try:
        canonical = await canonical_core(core)
    except (MusekitError, psycopg.Error, OSError) as exc:
        return [f"the core could not be compared with the shipped core (building it locally failed: {exc})"]
    live = await core_fingerprint(conn, core_model(core), platform=False)  # core_part keeps no platform key
    version = conn.info.server_version
    owner = live.objects.get("database", {}).get("owner", CANONICAL_MIGRATOR)
    live_core = rename_role(core_part(live, core_model(core)), owner, CANONICAL_MIGRATOR)
    expected = canonical.fingerprint
    if version < 170000 <= canonical.server_version:
        expected = without_privilege(expected, "MAINTAIN")  # a privilege PostgreSQL 17 introduced
    found = [f"the core differs from the shipped core migrations: {d}" for d in diff_fingerprints(expected, live_core)]
    return found + await _shadows_in(conn)


async def _shadows_in(conn: psycopg.AsyncConnection) -> list[str]:
    """Functions and operators named like built-ins, outside Supabase's schemas and extensions (made before
    the guard refused them, or by hand): core SQL run later could call them instead of the built-in."""
    from wizard.guard import RESERVED_SCHEMAS, pinned_catalog_session

    async with pinned_catalog_session(conn):  # regprocedure names the schema of all but pg_catalog's then
        cur = await conn.execute(_SHADOWS_SQL, {"skip": sorted(RESERVED_SCHEMAS), "members": False}, prepare=False)
        rows = await cur.fetchall()
    return [
        f"{shadow} is named like a built-in of pg_catalog: core SQL run with its schema on the search_path could "
        "call it instead of the built-in (a roll-out's core migration among them); rename or drop it"
        for (shadow,) in sorted(rows)
    ]


async def holds_core(url: str) -> bool:
    """Whether any MuseKit core table exists in the database (then all of the core should)."""
    names = [t.qualified_name for t in core_model().tables]
    conn = await connect(url)
    async with conn:
        cur = await conn.execute(
            "select pg_catalog.bool_or(pg_catalog.to_regclass(n) is not null) from pg_catalog.unnest(%s::text[]) n",
            (names,),
        )
        row = await cur.fetchone()
    return bool(row and row[0])


async def rls_probe(url: str, stranger_tables: Sequence[str] = ()) -> list[str]:
    """RLS on every public table; `anon` sees no row of any; a signed-in user who belongs to nothing
    sees no row of `stranger_tables` (the Muse's). Runs in transactions that are rolled back."""
    conn = await connect(url)
    async with conn:
        return await rls_probe_in(conn, stranger_tables)


async def rls_probe_in(conn: psycopg.AsyncConnection, stranger_tables: Sequence[str] = ()) -> list[str]:
    """rls_probe() on an open connection, whose search_path it leaves pinned to pg_catalog."""
    problems: list[str] = []
    # whatever search_path the role or database sets: objects in public named like catalog
    # relations or functions must not answer for them
    await conn.execute("select pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)")
    cur = await conn.execute(
        "select c.relname, c.relrowsecurity, pg_catalog.has_any_column_privilege('anon', c.oid, 'SELECT'),"
        " pg_catalog.has_any_column_privilege('authenticated', c.oid, 'SELECT')"
        " from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1"
    )
    tables = await cur.fetchall()
    problems += [f"public.{name}: row level security is disabled" for name, rls, _, _ in tables if not rls]
    signed_in = {n: granted for n, _, _, granted in tables}
    problems += [
        f"public.{n}: the template creates this table; the database has none"
        for n in stranger_tables
        if n not in signed_in
    ]
    probes = [  # a role without any grant on a table sees nothing of it: not probed
        ("anon", '{"role":"anon"}', [n for n, _, anon, _ in tables if anon]),
        (
            "authenticated",
            '{"sub":"00000000-0000-4000-8000-00000000beef","role":"authenticated"}',
            [n for n in stranger_tables if signed_in.get(n)],
        ),
    ]
    for role, claims, names in probes:
        for name, count in await _visible_rows(conn, role, claims, names):
            if count:
                problems.append(f"public.{name}: {role} (not a member of anything) can read {count} rows")
    return problems


async def _visible_rows(
    conn: psycopg.AsyncConnection, role: str, claims: str, names: Sequence[str]
) -> list[tuple[str, int]]:
    """How many rows of each table `role` with these JWT claims sees: one query for all of them, or one per
    table when a policy refuses the role outright (a table it may not read shows nothing either)."""
    import psycopg

    if not names:
        return []
    try:
        return list(zip(names, await _count_rows(conn, role, claims, names), strict=True))
    except psycopg.errors.InsufficientPrivilege:
        pass
    counts: list[tuple[str, int]] = []
    for name in names:
        try:
            counts += [(name, (await _count_rows(conn, role, claims, [name]))[0])]
        except psycopg.errors.InsufficientPrivilege:
            continue
    return counts


async def _count_rows(conn: psycopg.AsyncConnection, role: str, claims: str, names: Sequence[str]) -> list[int]:
    """Row counts of public.`names` as `role`, in a transaction that is rolled back."""
    from psycopg import sql

    counts = sql.SQL(" union all ").join(
        sql.SQL("select {}, pg_catalog.count(*) from public.{}").format(sql.Literal(i), sql.Identifier(name))
        for i, name in enumerate(names)
    )
    async with conn.transaction(force_rollback=True):
        await conn.execute(
            "select pg_catalog.set_config('role', %s, true), pg_catalog.set_config('request.jwt.claims', %s, true)",
            (role, claims),
        )
        cur = await conn.execute(counts)
        rows: dict[int, int] = dict(await cur.fetchall())
    return [rows[i] for i in range(len(names))]
