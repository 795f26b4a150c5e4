"""The portfolio against a real sandbox (a separate `musekit sandbox` process, per-project clusters): five
Muses of two templates, one with core drift made by hand, one without its folder. `fleet status` shows each;
`fleet upgrade --dry-run` changes nothing; a failing canary stops the roll-out before any other Muse is
touched; a roll-out killed (kill -9) after its canary finishes with `--resume`, reaches the healthy Muses,
skips the drifted one and the lost one with their reasons, applies nothing twice, and leaves
`supabase migration list` in sync."""

import json
import shutil

import psycopg
import pytest

from tests.support.clone_helpers import (
    DB_PASSWORD,
    folder_snapshot,
    history,
    project_db_url,
    sandbox_world,
)
from tests.support.clone_helpers import run_musekit as musekit
from tests.support.core_folders import core_folder
from tests.support.supabase_cli import run_supabase
from wizard.muses import core_files

MUSES = {  # name -> template
    "fleet-a": "socioscheduler",
    "fleet-b": "realtor",
    "fleet-c": "socioscheduler",  # core drift by hand
    "fleet-d": "realtor",  # folder removed
    "fleet-e": "socioscheduler",
}
NEW_CORE = "20260101000800_core_organization_website.sql"
BROKEN_CORE = "20260101000700_core_broken.sql"


@pytest.fixture(scope="module")
def world(cluster_dir_factory):
    root = cluster_dir_factory("fleet")
    env, sandbox = sandbox_world(root)
    token = sandbox.token
    refs = {}
    for name, template in MUSES.items():
        made = musekit(
            "clone", "--muse", template, "--name", name, "--dir", str(root / name), "--yes",
            env=dict(env, MUSEKIT_DB_PASSWORD=DB_PASSWORD), cwd=root,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        refs[name] = json.loads((root / name / ".musekit" / "clone.json").read_text())["project_ref"]
    urls = {name: project_db_url(sandbox.url, token, ref, DB_PASSWORD) for name, ref in refs.items()}
    with psycopg.connect(urls["fleet-c"], autocommit=True) as conn:  # a change made outside musekit
        conn.execute("alter table public.organizations add column nickname text")
    shutil.rmtree(root / "fleet-d")
    good = core_folder(root / "core-new", {NEW_CORE: "alter table public.organizations add column website text;\n"})
    broken = core_folder(root / "core-broken", {BROKEN_CORE: "alter table public.organizations add column x int;\nselect 1/0;\n"})  # fmt: skip
    yield {"root": root, "env": env, "urls": urls, "good": good, "broken": broken, "sandbox": sandbox}
    sandbox.stop()
    cluster_dir_factory.remove_soon(root)


def run(world, *args, **extra_env):
    return musekit(*args, env=dict(world["env"], **extra_env), cwd=world["root"], timeout=300)


def status(world, *args) -> dict[str, dict]:
    done = run(world, "fleet", "status", "--json", *args)
    assert done.returncode == 0, done.stderr
    return {row["name"]: row for row in json.loads(done.stdout)}


def versions(world, name: str) -> list[str]:
    return [row[0] for row in history(world["urls"][name])]


def test_status_shows_every_muse_with_its_drift_and_the_one_whose_folder_is_gone(world):
    rows = status(world)
    assert sorted(rows) == sorted(MUSES)
    shipped = len(core_files())
    for name in ("fleet-a", "fleet-b", "fleet-e"):
        row = rows[name]
        assert row["problem"] is None, row
        assert (row["core_applied"], row["core_total"], row["pending_core"]) == (shipped, shipped, 0)
        assert row["pending_own"] == 0 and row["own_total"] > 0
        assert (row["drift"], row["lint_errors"], row["lint_warnings"]) == ([], 0, 0)
        assert row["project_status"] == "ACTIVE_HEALTHY" and row["template"] == MUSES[name]
    assert any("nickname" in line for line in rows["fleet-c"]["drift"]), rows["fleet-c"]
    assert "folder is gone" in rows["fleet-d"]["problem"]

    with_new_core = status(world, "--core-dir", str(world["good"]))
    assert [with_new_core[n]["pending_core"] for n in ("fleet-a", "fleet-b", "fleet-e")] == [1, 1, 1]
    assert with_new_core["fleet-a"]["drift"] == []  # a Muse not yet upgraded is compared with the core it has


def test_dry_run_prints_the_plan_and_changes_nothing(world):
    before = {n: versions(world, n) for n in ("fleet-a", "fleet-b", "fleet-c", "fleet-e")}
    folder = folder_snapshot(world["root"] / "fleet-a")
    planned = run(world, "fleet", "upgrade", "--core-dir", str(world["good"]), "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert f"upgrade fleet-a: {NEW_CORE}" in planned.stdout
    assert "skip    fleet-c: core drift" in planned.stdout and "skip    fleet-d: folder is gone" in planned.stdout
    assert {n: versions(world, n) for n in before} == before
    assert folder_snapshot(world["root"] / "fleet-a") == folder


def test_a_failing_canary_stops_the_rollout_before_any_other_muse_is_touched(world):
    before = {n: versions(world, n) for n in ("fleet-a", "fleet-b", "fleet-e")}
    failed = run(world, "fleet", "upgrade", "--core-dir", str(world["broken"]), "--yes", "--json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    states = {m["name"]: m["state"] for m in json.loads(failed.stdout)["muses"]}
    assert states == {
        "fleet-a": "failed",
        "fleet-b": "not_started",
        "fleet-c": "skipped",
        "fleet-d": "skipped",
        "fleet-e": "not_started",
    }
    assert {n: versions(world, n) for n in before} == before  # the canary's transaction was rolled back too
    assert not (world["root"] / "fleet-a" / "supabase" / "migrations" / BROKEN_CORE).exists()


def test_a_rollout_killed_after_its_canary_resumes_to_the_same_end_and_applies_nothing_twice(world):
    killed = run(
        world, "fleet", "upgrade", "--core-dir", str(world["good"]), "--yes", MUSEKIT_FAILPOINT="fleet:after:fleet-a"
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr
    assert NEW_CORE[:14] in versions(world, "fleet-a") and NEW_CORE[:14] not in versions(world, "fleet-b")

    # its journal alone never chooses which SQL runs: the core folder is named again, and must be unchanged
    unnamed = run(world, "fleet", "upgrade", "--resume")
    assert unnamed.returncode == 2 and f"--resume --core-dir {world['good'].resolve()}" in unnamed.stderr, (
        unnamed.stderr
    )
    assert NEW_CORE[:14] not in versions(world, "fleet-b")

    resumed = run(world, "fleet", "upgrade", "--resume", "--core-dir", str(world["good"]), "--json")
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr  # two Muses were skipped
    outcome = {m["name"]: (m["state"], m["files"]) for m in json.loads(resumed.stdout)["muses"]}
    assert outcome == {  # what an uninterrupted roll-out reports
        "fleet-a": ("upgraded", [NEW_CORE]),
        "fleet-b": ("upgraded", [NEW_CORE]),
        "fleet-c": ("skipped", []),
        "fleet-d": ("skipped", []),
        "fleet-e": ("upgraded", [NEW_CORE]),
    }
    for name in ("fleet-a", "fleet-b", "fleet-e"):
        assert versions(world, name).count(NEW_CORE[:14]) == 1
        assert (world["root"] / name / "supabase" / "migrations" / NEW_CORE).is_file()
        pushed = run_supabase("db", "push", "--dry-run", "--db-url", world["urls"][name], cwd=world["root"] / name)
        assert pushed.returncode == 0 and "up to date" in pushed.stdout + pushed.stderr, pushed.stderr
    assert NEW_CORE[:14] not in versions(world, "fleet-c")

    again = run(world, "fleet", "upgrade", "--core-dir", str(world["good"]), "--yes")
    assert "nothing to upgrade" in again.stdout
    for name in ("fleet-a", "fleet-b", "fleet-e"):  # each command removes the login roles it made, at its end
        with psycopg.connect(world["urls"][name]) as conn:
            left = conn.execute("select rolname from pg_catalog.pg_roles where rolname like 'cli_login%'").fetchall()
        assert left == [], (name, left)
    after = status(world, "--core-dir", str(world["good"]))
    assert [after[n]["pending_core"] for n in ("fleet-a", "fleet-b", "fleet-e")] == [0, 0, 0]
    assert [after[n]["drift"] for n in ("fleet-a", "fleet-b", "fleet-e")] == [[], [], []]
