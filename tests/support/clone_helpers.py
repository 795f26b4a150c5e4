"""Shared pieces of the clone tests: a sandbox, an isolated data dir, secrets scanning."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
MUSEKIT = [sys.executable, "-m", "wizard"]
DB_PASSWORD = "CloneTestPassw0rd4242"


def run_musekit(*args: str, env: dict, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*MUSEKIT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def all_files(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def assert_no_secret_in_files(roots: list[Path], secrets: list[str]) -> int:
    files = all_files(*roots)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"a secret leaked into {path}"
    return len(files)


def history(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select version, name, statements from supabase_migrations.schema_migrations order by version"
        ).fetchall()


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file the clone wrote for the user (not its private journal)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in all_files(folder)
        if ".musekit" not in p.relative_to(folder).parts
    }


def projects_named(api_url: str, token: str, name: str) -> list[dict]:
    import httpx

    r = httpx.get(f"{api_url}/v1/projects", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return [p for p in r.json() if p["name"] == name]


def new_project(sandbox, prefix: str, password: str) -> str:
    """A project made straight through the sandbox's API (no clone), named `<prefix>-<random>`; its ref."""
    import uuid

    import httpx

    r = httpx.post(
        f"{sandbox.url}/v1/projects",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        json={
            "db_pass": password,
            "name": f"{prefix}-{uuid.uuid4().hex[:8]}",
            "organization_slug": sandbox.organization_slug,
            "region": "us-east-1",
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["ref"])


def project_db_url(api_url: str, token: str, ref: str, password: str) -> str:
    import httpx

    from wizard.api import PoolerConfig, connection_from_pooler

    r = httpx.get(f"{api_url}/v1/projects/{ref}/config/database/pooler", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    conn = connection_from_pooler([PoolerConfig.model_validate(x) for x in r.json()])
    return conn.url_with_password(password).reveal()


def sandbox_world(root: Path) -> tuple[dict, SandboxProcess]:
    """A `musekit sandbox` process in `root/sandbox` with a new token, and the environment for musekit
    processes run against it: no MUSEKIT_/SUPABASE_ variables of the outer shell, no keyring, the data
    dir `root/data`, the sandbox's URL and token."""
    import secrets

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MUSEKIT_", "SUPABASE_"))}
    env.update(MUSEKIT_DATA_DIR=str(root / "data"), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    sandbox = SandboxProcess(root / "sandbox", "sbp_" + secrets.token_hex(20), env)
    env.update(SUPABASE_API_URL=sandbox.url, SUPABASE_ACCESS_TOKEN=sandbox.token)
    return env, sandbox


class SandboxProcess:
    """`musekit sandbox` as a separate process, as a user would run it."""

    def __init__(self, data_dir: Path, token: str, env: dict):
        from tests.support import sandbox_template
        from wizard.pg import free_port

        sandbox_template.seed(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        self.proc = subprocess.Popen(
            [
                *MUSEKIT,
                "sandbox",
                "--data-dir",
                str(data_dir),
                "--port",
                str(self.port),
                "--token",
                token,
                "--health-delay",
                "0",
                "--quiet",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        import httpx

        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(f"{self.url}/v1/organizations", headers={"Authorization": f"Bearer {token}"}).status_code
                    == 200
                ):
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"sandbox exited: {self.proc.stdout.read()}")
            time.sleep(0.1)
        raise RuntimeError("sandbox did not start within 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
