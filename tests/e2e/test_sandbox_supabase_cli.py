"""The official Supabase CLI (npm package `supabase`, installed into .tools/ by the Makefile)
talks to the sandbox through the profile the sandbox writes: orgs list, projects list/create/
api-keys/delete must work as against api.supabase.com."""

from __future__ import annotations

import json
import os
import subprocess

import httpx
import psycopg
import pytest

from tests.support.supabase_cli import supabase_bin

ORG = "musekit-sandbox"


@pytest.fixture(scope="module")
def cli(sandbox, tmp_path_factory):
    exe = supabase_bin()
    home = tmp_path_factory.mktemp("home")  # the CLI writes ~/.supabase; keep it out of the real home
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE_")}
    env.update(HOME=str(home), SUPABASE_ACCESS_TOKEN=sandbox.token, DO_NOT_TRACK="1", NO_COLOR="1")

    def run(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        run_env = env if token is None else {**env, "SUPABASE_ACCESS_TOKEN": token}
        return subprocess.run(
            [exe, "--profile", str(sandbox.profile_path), *args],
            capture_output=True,
            text=True,
            env=run_env,
            cwd=home,
            timeout=120,
        )

    return run


def api(sandbox) -> httpx.Client:
    return httpx.Client(base_url=sandbox.url, headers={"Authorization": f"Bearer {sandbox.token}"}, timeout=30)


def test_the_cli_is_installed_and_runs():
    r = subprocess.run([supabase_bin(), "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip()[0].isdigit(), r.stdout + r.stderr


def test_orgs_list(cli):
    r = cli("orgs", "list")
    assert r.returncode == 0, r.stderr
    assert ORG in r.stdout and "Sandbox Org" in r.stdout


def test_a_wrong_token_is_refused(cli):
    r = cli("orgs", "list", token="sbp_" + "f" * 40)
    assert r.returncode != 0
    assert 'status 401: {"message":"Unauthorized"}' in r.stderr


def test_the_cli_meets_the_injected_faults(sandbox, cli):
    sandbox.set_faults(error_burst=1)
    r = cli("projects", "list")
    assert r.returncode == 0, r.stderr  # the CLI retries a 5xx
    assert sandbox.faults().error_burst == 0
    sandbox.set_faults(rate_limit_every=1)
    try:
        r = cli("projects", "list")
    finally:
        sandbox.set_faults(rate_limit_every=0)
    assert r.returncode != 0 and "ThrottlerException: Too Many Requests" in r.stderr


def test_projects_create_list_api_keys_delete(sandbox, cli):
    r = cli(
        "projects",
        "create",
        "cli-made",
        "--org-id",
        ORG,
        "--db-password",
        "Cli pass 1",
        "--region",
        "eu-west-1",
        "--size",
        "micro",
        "--yes",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    with api(sandbox) as c:
        [project] = [p for p in c.get("/v1/projects").json() if p["name"] == "cli-made"]
        ref = project["ref"]
        assert (project["region"], project["organization_slug"]) == ("eu-west-1", ORG)
        keys = c.get(f"/v1/projects/{ref}/api-keys").json()
        [pooler] = c.get(f"/v1/projects/{ref}/config/database/pooler").json()
    assert ref in r.stdout

    r = cli("projects", "list", "-o", "json")
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert [p["name"] for p in listed if p["id"] == ref] == ["cli-made"]

    r = cli("projects", "list")
    assert r.returncode == 0 and ref in r.stdout and "cli-made" in r.stdout

    r = cli("projects", "api-keys", f"--remote={ref}")
    assert r.returncode == 0, r.stderr
    anon = next(k["api_key"] for k in keys if k["name"] == "anon")
    assert anon in r.stdout and "sb_secret_" in r.stdout and "····" in r.stdout

    # the password given to the CLI is the project's `postgres`'s, through the pooler in either mode
    url = pooler["connection_string"].replace("[YOUR-PASSWORD]", "Cli%20pass%201")
    for mode_url in (url, url.replace(":6543/", ":5432/")):
        with psycopg.connect(mode_url) as conn:
            assert conn.execute("select current_user, current_database()").fetchone() == ("postgres", "postgres")

    r = cli("projects", "delete", ref, "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cli-made" in r.stdout + r.stderr
    with api(sandbox) as c:
        assert c.get(f"/v1/projects/{ref}").status_code == 404
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url)

    r = cli("projects", "delete", ref, "--yes")
    assert r.returncode != 0 and "Project does not exist" in r.stdout + r.stderr
