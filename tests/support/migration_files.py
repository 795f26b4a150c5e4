"""Migration folders written by the tests, and what a database's migration history says."""

from __future__ import annotations

from pathlib import Path

import psycopg


def write(folder: Path, name: str, sql: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(sql)
    return path


def rows(url, sql, params=None):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def tables(url) -> set[str]:
    return {r[0] for r in rows(url, "select tablename from pg_tables where schemaname = 'public'")}


def history(url):
    return rows(url, "select version, name, statements from supabase_migrations.schema_migrations order by version")
