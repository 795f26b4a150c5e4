"""After create, a clone needs only the access token: every database connection uses a temporary login role
(POST /v1/projects/{ref}/cli/login-role), which steps down to `postgres` and is removed when the run ends.
A clone killed right after its project was created resumes to the end in a shell with no keyring and no
MUSEKIT_DB_PASSWORD; a clone that could not keep its generated password finishes all the same."""

import json

import psycopg
import pytest

from tests.support.clone_helpers import DB_PASSWORD, project_db_url, run_musekit, sandbox_world


@pytest.fixture(scope="module")
def world(cluster_dir_factory):
    root = cluster_dir_factory("token-only")
    env, sandbox = sandbox_world(root)
    token = sandbox.token
    yield {"root": root, "env": env, "sandbox": sandbox, "token": token}
    sandbox.stop()
    cluster_dir_factory.remove_soon(root)


def catalog(world, folder) -> dict:
    ref = json.loads((folder / ".musekit" / "clone.json").read_text())["project_ref"]
    url = project_db_url(world["sandbox"].url, world["token"], ref, DB_PASSWORD)
    with psycopg.connect(url) as conn:
        owners = conn.execute(
            "select distinct tableowner from pg_tables where schemaname = 'public' order by 1"
        ).fetchall()
        applied_by = conn.execute(
            "select distinct applied_by from supabase_migrations.musekit_checksums order by 1"
        ).fetchall()
        logins = conn.execute("select rolname from pg_roles where rolname like 'cli_login_%'").fetchall()
    return {"owners": owners, "applied_by": applied_by, "logins": logins}


def test_a_clone_killed_after_create_resumes_with_only_the_access_token(world):
    folder = world["root"] / "token-only"
    with_password = dict(world["env"], MUSEKIT_DB_PASSWORD=DB_PASSWORD, MUSEKIT_FAILPOINT="project:after_create")
    killed = run_musekit(
        "clone", "--muse", "realtor", "--name", "token-only", "--dir", str(folder), "--yes",
        env=with_password, cwd=world["root"],
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr

    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"])  # token only
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "password" not in resumed.stderr.lower()
    assert catalog(world, folder) == {
        "owners": [("postgres",)],  # what the migrations made belongs to postgres, not to the short-lived login
        "applied_by": [("postgres",)],
        "logins": [],  # the temporary login roles are gone when the run ends
    }

    again = run_musekit("status", str(folder), "--json", env=world["env"], cwd=world["root"])
    live = json.loads(again.stdout)["live"]
    assert live["migrations"]["pending"] == [] and len(live["migrations"]["applied"]) > 6, live


def test_verify_a_project_by_ref_with_only_the_token_shows_the_platform_advisors_beside_the_lints(world):
    folder = world["root"] / "verified"
    made = run_musekit(
        "clone", "--muse", "socioscheduler", "--name", "verified", "--dir", str(folder), "--yes",
        env=dict(world["env"], MUSEKIT_DB_PASSWORD=DB_PASSWORD), cwd=world["root"],
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    ref = json.loads((folder / ".musekit" / "clone.json").read_text())["project_ref"]

    clean = run_musekit("verify", "--project-ref", ref, env=world["env"], cwd=world["root"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no findings" in clean.stdout and "platform advisors:" in clean.stdout

    url = project_db_url(world["sandbox"].url, world["token"], ref, DB_PASSWORD)
    with psycopg.connect(url, autocommit=True) as conn:  # a change made outside musekit
        conn.execute("create table public.open_notes (id bigint primary key, body text)")
        conn.execute("grant select on public.open_notes to anon")
    found = run_musekit("verify", "--project-ref", ref, "--json", env=world["env"], cwd=world["root"])
    assert found.returncode == 3, found.stdout + found.stderr
    rows = json.loads(found.stdout)
    no_rls = [r for r in rows if r["name"] == "rls_disabled_in_public"]
    assert [(r["source"], r["metadata"]["name"]) for r in no_rls] == [("musekit", "open_notes")]  # once, not twice
    assert {r["source"] for r in rows} <= {"musekit", "platform"}
    assert catalog(world, folder)["logins"] == []
