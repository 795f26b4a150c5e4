"""Checks a table's row level security against rules, for every (person, row) pair.

A `TableCase` states, per table, who may read, update, delete and insert which labelled row
of a seeded `World` (tests/support/core_world.py). The check functions try every combination as
`authenticated` in its own rolled-back transaction and return the mismatches (empty = the
database does exactly what the rules say). Used for the core tables and the Muse tables."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from tests.support.core_world import PEOPLE, World
from tests.support.rls_helpers import Outcome, acting_as, as_migrator, as_user, attempt, row_text, visible_ids

Rule = Callable[[World, str, str], bool]
InsertBuilder = Callable[[World, str, str], tuple[str, dict]]


def never(w: World, actor: str, label: str) -> bool:
    return False


@dataclass(frozen=True)
class TableCase:
    table: str
    can_read: Rule
    update_set: str  # SET clause an API client could send (always changes the row)
    can_update: Rule
    can_delete: Rule
    insert: InsertBuilder  # statement inserting a row "for" the label, as actor
    insert_labels: tuple[str, ...]
    can_insert: Rule
    write_labels: tuple[str, ...] | None = None  # rows to update/delete (default: every labelled row)
    service_writes: frozenset[str] = frozenset({"insert", "update", "delete"})
    service_only_writes: bool = False  # "writes by service_role only"


def table_sql(template: str, table: str) -> sql.Composed:
    return sql.SQL(template).format(table=sql.Identifier(table))


def update_sql(case: TableCase) -> sql.Composed:
    return table_sql(f"update public.{{table}} set {case.update_set} where id = %s", case.table)


def delete_sql(case: TableCase) -> sql.Composed:
    return table_sql("delete from public.{table} where id = %s", case.table)


def count_rows(conn: psycopg.Connection, table: str) -> int:
    with as_migrator(conn):
        return conn.execute(table_sql("select count(*) from public.{table}", table)).fetchone()[0]


def labels_of(world: World, table: str, ids: set[str]) -> list[str]:
    by_id = {rid: label for label, rid in world.rows[table].items()}
    return sorted(by_id.get(i, i) for i in ids)


def _write_labels(world: World, case: TableCase) -> tuple[str, ...]:
    return case.write_labels or tuple(world.rows[case.table])


def _judge(allowed: bool, outcome: Outcome, effect: bool) -> bool:
    """Allowed: one row done and the effect seen. Refused: denied or 0 rows, and no effect."""
    return (outcome.succeeded and effect) if allowed else (outcome.refused and not effect)


def read_mismatches(conn: psycopg.Connection, world: World, case: TableCase) -> list[str]:
    wrong = []
    for actor in PEOPLE:
        expected = {rid for label, rid in world.rows[case.table].items() if case.can_read(world, actor, label)}
        with as_user(conn, world.users[actor]):
            seen = visible_ids(conn, case.table)
        if seen != expected:
            wrong.append(
                f"{actor} saw {labels_of(world, case.table, seen)}, expected {labels_of(world, case.table, expected)}"
            )
    return wrong


def update_mismatches(conn: psycopg.Connection, world: World, case: TableCase) -> list[str]:
    wrong = []
    for actor, label in itertools.product(PEOPLE, _write_labels(world, case)):
        rid = world.rows[case.table][label]
        with as_user(conn, world.users[actor]):
            before = row_text(conn, case.table, rid)
            outcome = attempt(conn, update_sql(case), (rid,))
            changed = row_text(conn, case.table, rid) != before
        allowed = case.can_update(world, actor, label)
        if not _judge(allowed, outcome, changed):
            wrong.append(f"{actor} update {label}: allowed={allowed}, got {outcome}, changed={changed}")
    return wrong


def delete_mismatches(conn: psycopg.Connection, world: World, case: TableCase) -> list[str]:
    wrong = []
    for actor, label in itertools.product(PEOPLE, _write_labels(world, case)):
        rid = world.rows[case.table][label]
        with as_user(conn, world.users[actor]):
            outcome = attempt(conn, delete_sql(case), (rid,))
            gone = row_text(conn, case.table, rid) is None
        allowed = case.can_delete(world, actor, label)
        if not _judge(allowed, outcome, gone):
            wrong.append(f"{actor} delete {label}: allowed={allowed}, got {outcome}, gone={gone}")
    return wrong


def insert_mismatches(conn: psycopg.Connection, world: World, case: TableCase) -> list[str]:
    wrong = []
    for actor, label in itertools.product(PEOPLE, case.insert_labels):
        query, params = case.insert(world, actor, label)
        with as_user(conn, world.users[actor]):
            before = count_rows(conn, case.table)
            outcome = attempt(conn, query, params)
            added = count_rows(conn, case.table) - before
        allowed = case.can_insert(world, actor, label)
        if not _judge(allowed, outcome, added == 1) or added not in (0, 1):
            wrong.append(f"{actor} insert for {label}: allowed={allowed}, got {outcome}, added={added}")
    return wrong


def anon_outcomes(conn: psycopg.Connection, world: World, case: TableCase) -> list[Outcome]:
    """anon trying to read, update, delete and insert: each outcome should be a refusal."""
    rid = world.rows[case.table][_write_labels(world, case)[0]]
    statements = [
        (table_sql("select id from public.{table}", case.table), None),
        (update_sql(case), (rid,)),
        (delete_sql(case), (rid,)),
        case.insert(world, PEOPLE[0], case.insert_labels[0]),
    ]
    with acting_as(conn, "anon"):
        return [attempt(conn, q, p) for q, p in statements]


@dataclass(frozen=True)
class ServiceRoleResult:
    sees_all: bool
    updated: Outcome
    deleted: Outcome
    deleted_gone: bool
    inserted: list[Outcome]


def service_role_result(conn: psycopg.Connection, world: World, case: TableCase) -> ServiceRoleResult:
    """service_role reading everything, then updating, deleting (the last write label: e.g. the
    inactive product, which nothing references) and inserting, each in its own transaction."""
    with acting_as(conn, "service_role"):
        sees_all = visible_ids(conn, case.table) == set(world.rows[case.table].values())
    rid = world.rows[case.table][_write_labels(world, case)[-1]]
    with acting_as(conn, "service_role"):
        updated = attempt(conn, update_sql(case), (rid,))
    with acting_as(conn, "service_role"):
        deleted = attempt(conn, delete_sql(case), (rid,))
        gone = row_text(conn, case.table, rid) is None
    inserted = []
    for label in case.insert_labels:
        query, params = case.insert(world, PEOPLE[0], label)
        with acting_as(conn, "service_role"):
            inserted.append(attempt(conn, query, params))
    return ServiceRoleResult(sees_all, updated, deleted, gone, inserted)
