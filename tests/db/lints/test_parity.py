"""Parity with splinter: for every lint, a small database with exactly that flaw
(`schemas/<id>_<name>.flawed.sql`) gets exactly the findings its `-- expect:` lines name, by
splinter's id and cache key, and its clean twin (`.clean.sql`) gets none at all.

The expected rows were checked against splinter's own SQL (supabase/splinter, lints/*.sql) run on
the same databases; where the embedded server lacks what a lint needs (pgmq, Supabase Storage)
the flawed schema builds a stand-in of the few tables splinter reads, and for pg_graphql, which
cannot be faked, the lint reports itself not applicable and its check runs with pg_graphql taken
as installed."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from wizard.lints import LINTS, LINTS_BY_ID, Finding, Report, report_url, run_report
from wizard.lints.catalog import read_context
from wizard.lints.registry import CHECK_LIST

SCHEMAS = Path(__file__).parent / "schemas"
NEEDS_PG_GRAPHQL = {"0026", "0027"}  # cannot be faked on the embedded server


@dataclass(frozen=True)
class Case:
    lint: str
    name: str
    flawed: Path
    clean: Path

    def __str__(self) -> str:
        return f"{self.lint}_{self.name}"


@dataclass(frozen=True)
class SchemaFile:
    path: Path
    lint: str
    name: str
    superuser: bool
    expected: frozenset[tuple[str, str]]  # (lint id, cache key)


def read_schema(path: Path) -> SchemaFile:
    lint = name = ""
    superuser = False
    expected = set()
    for line in path.read_text().splitlines():
        if line.startswith("-- lint: "):
            lint, name = line.removeprefix("-- lint: ").split()
        elif line == "-- run as: superuser":
            superuser = True
        elif line.startswith("-- expect: "):
            lint_id, cache_key = line.removeprefix("-- expect: ").split(" ", 1)
            expected.add((lint_id, cache_key))
    return SchemaFile(path, lint, name, superuser, frozenset(expected))


def cases() -> list[Case]:
    found = []
    for flawed in sorted(SCHEMAS.glob("*.flawed.sql")):
        head = read_schema(flawed)
        found.append(Case(head.lint, head.name, flawed, flawed.with_name(flawed.name.replace(".flawed.", ".clean."))))
    return found


CASES = cases()


def build(pg, make_db, path: Path) -> str:
    """A fresh shim database with the schema file applied (as the cluster superuser if it says so)."""
    url = make_db("lint")
    schema = read_schema(path)
    target = pg.admin_conninfo(conninfo_to_dict(url)["dbname"]) if schema.superuser else url
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute(schema.path.read_text())
    return url


def keys(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.id, f.cache_key) for f in findings}


async def run_as_if_installed(url: str, lint_id: str) -> list[Finding]:
    """The check behind `lint_id` run with pg_graphql taken as installed; it must say it is not otherwise."""
    check = next(c for c in CHECK_LIST if any(lint.id == lint_id for lint in c.lints))
    async with await psycopg.AsyncConnection.connect(url) as conn:
        ctx = await read_context(conn, ("public",))
        assert check.requires is not None and "pg_graphql is not installed" in (check.requires(ctx) or "")
        return await check.run(conn, dataclasses.replace(ctx, extensions=ctx.extensions | {"pg_graphql"}))


def every_finding(report: Report) -> list[Finding]:
    return [*report.findings, *report.advisory]


# -- the files themselves -------------------------------------------------------------------------
def test_every_lint_has_a_flawed_schema_and_a_clean_twin():
    splinter = {lint.id: lint.name for lint in LINTS if lint.id[0].isdigit()}
    assert {c.lint: c.name for c in CASES} == splinter
    assert len(splinter) == 28 and "0012" not in splinter  # 0012 reads the Auth server's settings, not SQL
    for case in CASES:
        assert case.clean.is_file(), case.clean
        assert case.flawed.name == f"{case.lint}_{case.name}.flawed.sql"
        assert read_schema(case.clean).lint == case.lint
    expected_ids = {lint_id for case in CASES for lint_id, _ in read_schema(case.flawed).expected}
    assert expected_ids == {lint.id for lint in LINTS}, "every lint, musekit's stricter ones too, is expected somewhere"


def test_verify_help_lists_every_lint_with_its_level():
    from wizard.commands.verify import DESCRIPTION

    for lint in LINTS:
        if lint.id[0].isdigit():
            assert f"  {lint.id} {lint.level:<5}  {lint.name}: " in DESCRIPTION, lint.id
        else:
            assert lint.id in DESCRIPTION


# -- each flaw, and its twin ----------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=str)
async def test_flawed_schema_gets_exactly_the_expected_findings(pg, make_db, case):
    schema = read_schema(case.flawed)
    url = build(pg, make_db, case.flawed)
    report = await report_url(url)
    mine = {(i, k) for i, k in schema.expected if i == case.lint}
    if case.lint in NEEDS_PG_GRAPHQL:
        assert case.lint in {na.lint.id for na in report.not_applicable}
        assert keys(await run_as_if_installed(url, case.lint)) == mine
        return
    counted = {(i, k) for i, k in schema.expected if LINTS_BY_ID[i].counts}
    assert keys(report.findings) == counted
    assert schema.expected - counted <= keys(report.advisory)
    async with await psycopg.AsyncConnection.connect(url) as conn:  # as `fleet status` runs them
        serious = await run_report(conn, levels=("ERROR", "WARN"))
    assert keys(serious.findings) == {(i, k) for i, k in counted if LINTS_BY_ID[i].level != "INFO"}
    for f in every_finding(report):
        lint = LINTS_BY_ID[f.id]
        assert (f.name, f.title, f.level, f.facing, f.categories) == (
            lint.name,
            lint.title,
            lint.level,
            lint.facing,
            lint.categories,
        )


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_clean_twin_gets_no_finding(pg, make_db, case):
    url = build(pg, make_db, case.clean)
    report = await report_url(url)
    assert report.findings == []
    assert [f for f in report.advisory if f.id == case.lint] == []
    if case.lint in NEEDS_PG_GRAPHQL:
        assert await run_as_if_installed(url, case.lint) == []


# -- what splinter's rows say, word for word -----------------------------------------------------------
# (the dashboard's wording: splinter's backslash-escaped backticks are plain ones in Studio)
DETAILS = {
    "0001": "Table `public.children` has a foreign key `children_parent_id_fkey` without a covering index. "
    "This can lead to suboptimal query performance.",
    "0006": "Table `public.items` has multiple permissive policies for role `authenticated` for action `SELECT`. "
    "Policies include `{items_own,items_shared}`",
    "0009": "Table `public.things` has identical indexes {things_label_idx,things_label_idx1}. "
    "Drop all except one of them",
    "0020": "Table `public`.`churn` has excessive bloat",
    "0023": "Table `public.accounts` is exposed via API without RLS and contains potentially sensitive column(s): "
    "Password, api_key, card_number. This may lead to data exposure.",
    "0024": "Table `public.posts` has an RLS policy `posts_edit` for `UPDATE` that allows unrestricted access "
    "(both USING and WITH CHECK are always true). This effectively bypasses row-level security for authenticated.",
    "0025": "Public bucket `avatars` has 1 broad SELECT policy on `storage.objects` (Anyone lists avatars), "
    "allowing clients to list all files. Public buckets don't need this for object URL access and it may expose "
    "more data than intended.",
    "0029": "Function `public.join_team(team text)` can be executed by the `authenticated` role as a `SECURITY "
    "DEFINER` function via `/rest/v1/rpc/join_team`. Revoke `EXECUTE` or switch it to `SECURITY INVOKER` if that "
    "is not intentional.",
}
METADATA = {
    "0001": {
        "schema": "public",
        "name": "children",
        "type": "table",
        "fkey_name": "children_parent_id_fkey",
        "fkey_columns": [2],
    },
    "0022": {"extension_name": "pg_search", "installed_version": "0.22.0", "default_version": "0.21.14"},
    "0023": {
        "schema": "public",
        "name": "accounts",
        "type": "table",
        "sensitive_columns": ["Password", "api_key", "card_number"],
        "matched_patterns": ["api_key", "card_number", "password"],
    },
}


@pytest.mark.parametrize("lint_id", sorted(DETAILS.keys() | METADATA.keys()))
async def test_detail_and_metadata_read_as_splinter_writes_them(pg, make_db, lint_id):
    case = next(c for c in CASES if c.lint == lint_id)
    report = await report_url(build(pg, make_db, case.flawed))
    mine = [f for f in every_finding(report) if f.id == lint_id]
    if lint_id in DETAILS:
        assert DETAILS[lint_id] in [f.detail for f in mine]
    if lint_id in METADATA:
        assert METADATA[lint_id] in [f.metadata for f in mine]
    assert all(f.remediation and f.remediation.startswith(("https://", "Consider", "Drop")) for f in mine)


# -- the fixes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lint_id", ["0001", "0002", "0007", "0009", "0013", "0016", "0018", "0021", "0023"])
async def test_the_proposed_sql_fixes_the_flaw(pg, make_db, lint_id):
    case = next(c for c in CASES if c.lint == lint_id)
    url = build(pg, make_db, case.flawed)
    fixes = [f.sql for f in (await report_url(url)).findings if f.id == lint_id]
    assert fixes and all(fixes)
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in fixes:
            conn.execute(sql)
    assert [f for f in (await report_url(url)).findings if f.id == lint_id] == []
