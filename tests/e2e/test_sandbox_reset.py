"""`musekit sandbox --reset` removes a sandbox's data dir, and only that: not while the sandbox runs,
not a folder that is not a sandbox's, not without a confirmation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from wizard.pg import process_alive
from wizard.sandbox import start_sandbox

ROOT = Path(__file__).resolve().parents[2]


def reset(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wizard", "sandbox", "--reset", "--data-dir", str(data_dir), *extra],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_reset_refuses_a_running_sandbox_then_removes_it(cluster_dir_factory):
    data_dir = cluster_dir_factory("reset")
    handle = start_sandbox(data_dir, health_delay=0)
    try:
        with httpx.Client(base_url=handle.url, headers={"Authorization": f"Bearer {handle.token}"}, timeout=60) as api:
            made = api.post(
                "/v1/projects",
                json={
                    "name": "doomed",
                    "organization_slug": handle.organization_slug,
                    "db_pass": "Doomed pass 1",
                    "region": "us-east-1",
                },
            )
        assert made.status_code == 201, made.text
        pids = handle.clusters.pids()
        running = reset(data_dir, "--yes")
        assert running.returncode == 2 and f"pid {os.getpid()}" in running.stderr
        assert (data_dir / "state.json").exists()
    finally:
        handle.stop()
    assert not any(process_alive(pid) for pid in pids)

    unconfirmed = reset(data_dir)  # no terminal to ask, no --yes
    assert unconfirmed.returncode == 2 and "pass --yes" in unconfirmed.stderr and "doomed" in unconfirmed.stderr
    assert (data_dir / "state.json").exists()

    removed = reset(data_dir, "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "doomed" in removed.stdout and not data_dir.exists()


def test_reset_refuses_a_folder_that_is_not_a_sandbox(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    refused = reset(tmp_path, "--yes")
    assert refused.returncode == 2 and "not a sandbox's data dir" in refused.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"
