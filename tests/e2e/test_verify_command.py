"""The installed `musekit verify` entry point, run as a process against a real database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg


def execute(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def test_installed_musekit_verify_command(db_url):
    musekit = Path(sys.executable).parent / "musekit"
    execute(db_url, "create table public.ledger (id bigint primary key); grant select on public.ledger to anon")
    proc = subprocess.run(
        [str(musekit), "verify", "--db-url", db_url, "--json"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    assert [(f["id"], f["object"]) for f in json.loads(proc.stdout)] == [("0013", "public.ledger")]
