"""The unit tier runs without Postgres and without starting processes: a test that needs either
belongs in tests/db or tests/e2e, and fails here saying so."""

from __future__ import annotations

import subprocess

import pytest


@pytest.fixture(scope="session")
def pg():
    pytest.fail("the unit tier has no Postgres: this test belongs in tests/db")


@pytest.fixture(autouse=True)
def _no_processes(monkeypatch):
    def refuse(self, args, *rest, **kwargs):
        raise AssertionError(f"the unit tier starts no processes ({args!r}): this test belongs in tests/e2e")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
