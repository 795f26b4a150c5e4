"""`musekit verify` says the core is untouched only after looking: a change made outside musekit
(psql, the dashboard) is an ERROR that names it."""

from __future__ import annotations

import json

import psycopg
import pytest

from wizard.cli import main


@pytest.fixture
def verify(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))

    def run(url: str) -> tuple[int, list[dict[str, str]]]:
        monkeypatch.setenv("MUSEKIT_DB_URL", url)  # the URL from the environment: no password in argv
        code = main(["verify", "--json"])
        return code, json.loads(capsys.readouterr().out)

    return run


def test_the_shipped_core_verifies_clean(verify, core_db):
    code, findings = verify(core_db)
    assert (code, findings) == (0, [])


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("alter table public.users add column hacked int", "hacked"),
        ("drop policy users_update_self on public.users", "users_update_self"),
        ("grant select on public.api_keys to anon", "anon"),
    ],
)
def test_a_core_change_made_outside_musekit_is_an_error_naming_it(verify, core_db, change, named):
    with psycopg.connect(core_db, autocommit=True) as conn:
        conn.execute(change)
    code, findings = verify(core_db)
    core = [f for f in findings if f["id"] == "musekit_core"]
    assert code == 3 and core and all(f["level"] == "ERROR" for f in core)
    assert any(named in f["message"] for f in core)
