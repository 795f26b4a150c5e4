"""Applying a Muse template to a database under the core-purity rules, and verifying the result.

Static rules run before anything touches the database; the Muse's files then run in ONE
transaction between two catalog fingerprints of the core objects, so a template that changes
the core in any way (even through dynamic SQL) leaves the database exactly as it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from wizard import migrations
from wizard.errors import ExitCode
from wizard.muses.templates import MuseTemplate, core_files
from wizard.pg import connect

if TYPE_CHECKING:
    import psycopg

    from wizard.guard import Fingerprint, PurityFinding
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


def _sources(files: Sequence[migrations.MigrationFile]) -> list[SqlSource]:
    from wizard.sql import SqlSource

    return [SqlSource(path=str(f.path), text=f.text) for f in files]


@cache
def core_model() -> SchemaModel:
    from wizard.sql import parse_sql_files

    return parse_sql_files(_sources(core_files()))


def template_model(template: MuseTemplate) -> SchemaModel:
    from wizard.sql import parse_sql_files

    return parse_sql_files(_sources(template.files))


def static_findings(template: MuseTemplate) -> list[PurityFinding]:
    """The purity rules the template breaks (warnings such as DO blocks excluded: the fingerprint covers them)."""
    from wizard.guard import check_static

    findings = check_static(template_model(template), core_model(), declared_schemas=template.manifest.schemas)
    return [f for f in findings if f.is_error]


class CoreGuard:
    """migrations.Guard: the core's catalog fingerprint must not change."""

    async def snapshot(self, conn: psycopg.AsyncConnection) -> Fingerprint:
        from wizard.guard import core_fingerprint

        return await core_fingerprint(conn, core_model())

    def compare(self, before: Fingerprint, after: Fingerprint) -> list[str]:
        from wizard.guard import diff_fingerprints

        return diff_fingerprints(before, after)


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
    if findings:
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
    return await migrations.apply(
        url,
        files,
        only={f.version for f in template.files},
        atomic=True,
        guard=CoreGuard(),
        progress=progress,
        dry_run=dry_run,
        before_file=before_file,
    )


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


async def verify_database(url: str, template: MuseTemplate | None = None) -> list[str]:
    """Lint findings and RLS-probe problems, one line each; empty when all is well."""
    from wizard.lints import verify_url

    problems = [str(f) for f in await verify_url(url)]
    muse_tables = [t.name for t in template_model(template).tables if t.schema == "public"] if template else []
    problems += await rls_probe(url, muse_tables)
    return problems


async def rls_probe(url: str, stranger_tables: Sequence[str] = ()) -> list[str]:
    """RLS on every public table; `anon` sees no row of any; a signed-in user who belongs to nothing
    sees no row of `stranger_tables` (the Muse's). Runs in transactions that are rolled back."""
    import psycopg
    from psycopg import sql

    problems: list[str] = []
    conn = await connect(url)
    try:
        cur = await conn.execute(
            "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on "
            "n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p') "
            "order by 1"
        )
        tables = await cur.fetchall()
        for name, rls in tables:
            if not rls:
                problems.append(f"public.{name}: row level security is disabled")
        probes = [
            ("anon", '{"role":"anon"}', [n for n, _ in tables]),
            (
                "authenticated",
                '{"sub":"00000000-0000-4000-8000-00000000beef","role":"authenticated"}',
                list(stranger_tables),
            ),
        ]
        for role, claims, names in probes:
            for name in names:
                try:
                    async with conn.transaction(force_rollback=True):
                        await conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                        await conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
                        cur = await conn.execute(sql.SQL("select count(*) from public.{}").format(sql.Identifier(name)))
                        row = await cur.fetchone()
                        assert row is not None  # count(*) returns exactly one row
                        count = row[0]
                except psycopg.errors.InsufficientPrivilege:
                    continue  # no grant at all: nothing visible either
                if count:
                    problems.append(f"public.{name}: {role} (not a member of anything) can read {count} rows")
    finally:
        await conn.close()
    return problems
