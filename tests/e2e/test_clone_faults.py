"""Kill `musekit clone` (a real process) at every step boundary and inside migrations, then
`musekit resume`: the end state must equal an uninterrupted clone's. The Management API is a
separate `musekit sandbox` process; the databases are real."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.clone_helpers import (
    DB_PASSWORD,
    assert_no_secret_in_files,
    folder_snapshot,
    history,
    project_db_url,
    projects_named,
    run_musekit,
    sandbox_world,
)

# the longest module: two halves, each with its own sandbox and reference clone, may run at once
XDIST_PARTS = 2

FAILPOINTS = [
    "after:validate",
    "project:before_create",
    "project:after_create",
    "after:project",
    "after:healthy",
    "after:connection",
    "after:files",
    "statement:20260101000100:12",  # inside the first core file
    "migration:20260101000300",  # between core files
    "after:core_migrations",
    "statement:20260601000200:3",  # inside the Muse's (atomic) files
    "after:muse_migrations",
    "after:verify",
    "after:readme",
]


@pytest.fixture(scope="module")
def world(cluster_dir_factory):
    root = cluster_dir_factory("faults")
    env, sandbox = sandbox_world(root)
    token = sandbox.token
    env.update(MUSEKIT_DB_PASSWORD=DB_PASSWORD)
    reference = root / "reference"
    done = run_musekit(
        "clone", "--muse", "socioscheduler", "--name", "reference", "--dir", str(reference), "--yes", env=env, cwd=root
    )
    assert done.returncode == 0, done.stderr
    yield {"root": root, "env": env, "sandbox": sandbox, "token": token, "reference": reference}
    sandbox.stop()
    cluster_dir_factory.remove_soon(root)


def end_state(world, folder, name):
    journal = json.loads((folder / ".musekit" / "clone.json").read_text())
    ref = journal["project_ref"]
    url = project_db_url(world["sandbox"].url, world["token"], ref, DB_PASSWORD)
    # each clone has its own project: its ref (config.toml, the README's `supabase link`) is the one difference
    files = {name: data.replace(ref.encode(), b"<ref>") for name, data in folder_snapshot(folder).items()}
    return files, history(url), journal


def stopped_at(world, name: str, failpoint: str) -> Path:
    """The folder of a SocioScheduler clone named `name`, killed at `failpoint` (MUSEKIT_FAILPOINT)."""
    folder = world["root"] / name
    stopped = run_musekit(
        "clone", "--muse", "socioscheduler", "--name", name, "--dir", str(folder), "--yes",
        env={**world["env"], "MUSEKIT_FAILPOINT": failpoint}, cwd=world["root"],
    )  # fmt: skip
    assert stopped.returncode != 0, stopped.stdout
    return folder


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_killed_anywhere_resume_ends_like_an_uninterrupted_clone(world, failpoint):
    name = "k-" + failpoint.replace(":", "-").replace("_", "-")
    folder = world["root"] / name
    env = dict(world["env"], MUSEKIT_FAILPOINT=failpoint)
    killed = run_musekit(
        "clone", "--muse", "socioscheduler", "--name", name, "--dir", str(folder), "--yes", env=env, cwd=world["root"]
    )
    assert killed.returncode == -9, (killed.returncode, killed.stderr)

    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"])
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    files, hist, journal = end_state(world, folder, name)
    ref_files, ref_hist, _ = end_state(world, world["reference"], "reference")
    assert files == ref_files  # same migration files and README, byte for byte
    assert hist == ref_hist  # same history: versions, names, statements; nothing applied twice
    assert all(step["status"] == "done" for step in journal["steps"].values())
    assert len(projects_named(world["sandbox"].url, world["token"], name)) == 1
    assert_no_secret_in_files([folder, world["root"] / "data"], [world["token"], DB_PASSWORD])


def test_two_clones_of_one_folder_at_once_make_one_project(world):
    folder = world["root"] / "twins"
    args = ["clone", "--muse", "socioscheduler", "--name", "twins", "--dir", str(folder), "--yes"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "wizard", *args],
            env=world["env"],
            cwd=world["root"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [(p.wait(120), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in outs)
    assert codes == [0, 2], outs
    refused = next(err for code, err in outs if code == 2)
    assert "another musekit process" in refused or "already holds a clone" in refused
    assert len(projects_named(world["sandbox"].url, world["token"], "twins")) == 1


@pytest.mark.parametrize(
    ("signame", "exit_code", "launch"),
    [
        ("SIGINT", 130, []),
        ("SIGTERM", 143, []),
        # a script's background job inherits SIGINT ignored: SIGTERM must still stop the clone
        ("SIGTERM", 143, ["sh", "-c", 'trap "" INT; exec "$0" "$@"']),
    ],
    ids=["SIGINT", "SIGTERM", "SIGTERM-with-SIGINT-ignored"],
)
def test_ctrl_c_or_sigterm_stops_with_its_exit_code_and_resume_finishes(world, signame, exit_code, launch):
    import signal
    import time

    import httpx

    name = f"interrupted-{signame.lower()}{'-bg' if launch else ''}"
    folder = world["root"] / name
    faults_url = f"{world['sandbox'].url}/_sandbox/faults"
    auth = {"Authorization": f"Bearer {world['token']}"}
    httpx.put(faults_url, json={"slow_health": 5}, headers=auth).raise_for_status()
    try:
        proc = subprocess.Popen(
            [
                *launch,
                sys.executable,
                "-m",
                "wizard",
                "clone",
                "--muse",
                "socioscheduler",
                "--name",
                name,
                "--dir",
                str(folder),
                "--yes",
            ],
            env=world["env"],
            cwd=world["root"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        journal = folder / ".musekit" / "clone.json"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if journal.exists() and json.loads(journal.read_text())["steps"]["healthy"]["status"] == "running":
                break
            time.sleep(0.05)
        proc.send_signal(getattr(signal, signame))
        _out, err = proc.communicate(timeout=30)
    finally:
        httpx.put(faults_url, json={}, headers=auth).raise_for_status()
    assert proc.returncode == exit_code, err
    assert f"musekit resume {folder}" in err
    state = json.loads(journal.read_text())
    assert state["steps"]["healthy"]["status"] == "failed" and state["last_error"]["message"] == "interrupted"
    # the project keeps coming up on its own schedule; resume waits for it and finishes
    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"], timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert len(projects_named(world["sandbox"].url, world["token"], name)) == 1


@pytest.mark.parametrize(
    ("edited", "said"), [("20260101000300", "musekit ships"), ("20260601000200", "purity check")]
)  # a core copy, a Muse copy
def test_an_edited_copy_in_the_folder_never_runs_on_resume(world, edited, said):
    """What runs is what was checked: the folder's copies must be the bytes the purity check passed."""
    tampered_resume_runs_nothing(world, f"tampered-{edited}", edited, "edited", said)


@pytest.mark.parametrize(
    ("how", "said"), [("renamed", "none of the template's files"), ("journal_too", "purity check")]
)
def test_a_muse_copy_is_the_template_file_whatever_the_journal_says(world, how, said):
    """A Muse copy runs only if it is the template's file: the purity check read that one (found in review:
    a copy edited together with its checksum in the journal was applied, and noticed only by verify)."""
    tampered_resume_runs_nothing(world, f"tampered-muse-{how.replace('_', '-')}", "20260601000200", how, said)


@pytest.mark.parametrize("how", ["renamed", "journal_too"])
def test_a_core_copy_is_the_shipped_file_whatever_the_journal_says(world, how):
    """Core migrations run without the guard: a core copy must be the file musekit ships, byte for byte and by
    name. Neither a copy under another name nor a journal whose checksum was edited with it makes it run."""
    tampered_resume_runs_nothing(
        world, f"tampered-core-{how.replace('_', '-')}", "20260101000300", how, "musekit ships"
    )


def tampered_resume_runs_nothing(world, name: str, version: str, how: str, said: str) -> None:
    import hashlib

    import psycopg

    folder = stopped_at(world, name, "after:files")
    [copy] = (folder / "supabase" / "migrations").glob(f"{version}_*.sql")
    evil = copy.read_text() + "\nalter table public.users add column tampered int;\n"
    if how == "renamed":
        copy.unlink()
        copy = copy.with_name(f"{version}_core_renamed.sql")
    copy.write_text(evil)
    if how == "journal_too":
        path = folder / ".musekit" / "clone.json"
        journal = json.loads(path.read_text())
        journal["checked_files"][copy.name] = hashlib.sha256(evil.encode()).hexdigest()
        path.write_text(json.dumps(journal))

    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"])
    journal = json.loads((folder / ".musekit" / "clone.json").read_text())
    url = project_db_url(world["sandbox"].url, world["token"], journal["project_ref"], DB_PASSWORD)
    assert resumed.returncode == 1
    assert copy.name in resumed.stderr and said in resumed.stderr, resumed.stderr
    with psycopg.connect(url) as conn:
        assert conn.execute("select to_regclass('supabase_migrations.schema_migrations')").fetchone() == (None,)
        assert conn.execute("select to_regclass('public.users')").fetchone() == (None,)  # nothing ran at all


@pytest.mark.parametrize("said_done", ["all", "through_muse_migrations"])
def test_a_journal_that_says_more_is_done_than_was_is_repaired_by_resume(world, said_done):
    """Steps marked done while nothing was applied: resume notices what is missing and redoes it."""
    name = f"liar-{said_done.replace('_', '-')}"
    folder = stopped_at(world, name, "after:connection")
    path = folder / ".musekit" / "clone.json"
    journal = json.loads(path.read_text())
    steps = list(journal["steps"])
    for step in steps if said_done == "all" else steps[: steps.index("muse_migrations") + 1]:
        journal["steps"][step]["status"] = "done"
    path.write_text(json.dumps(journal))

    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"])
    assert resumed.returncode == 0, resumed.stderr
    assert "again" in resumed.stdout  # it says what it redoes
    files, applied, final = end_state(world, folder, name)
    reference_files, reference_history, _ = end_state(world, world["reference"], "reference")
    assert [v for v, *_ in applied] == [v for v, *_ in reference_history]
    assert set(files) == set(reference_files) and final["last_error"] is None


def test_a_core_migration_shipped_after_a_clone_finished_is_applied_by_resume(world):
    """A Muse made before the newest core file existed: its Muse files sort after that file, and
    resume still brings it in (copied, applied out of order, verified), applying nothing twice."""
    import shutil

    from wizard.muses import core_files, load_template

    name = "older-core"
    folder = stopped_at(world, name, "after:connection")
    *older, newest = core_files()
    target = folder / "supabase" / "migrations"
    target.mkdir(parents=True)
    for f in [*older, *load_template("socioscheduler").files]:
        shutil.copy(f.path, target / f.filename)
    path = folder / ".musekit" / "clone.json"
    journal = json.loads(path.read_text())
    url = project_db_url(world["sandbox"].url, world["token"], journal["project_ref"], DB_PASSWORD)
    made = run_musekit("migrate", "--dir", str(target), "--db-url", url, env=world["env"], cwd=world["root"])
    assert made.returncode == 0, made.stderr
    for step in journal["steps"].values():
        step["status"] = "done"
    path.write_text(json.dumps(journal))

    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"])
    assert resumed.returncode == 0, resumed.stderr
    versions = [v for v, *_ in history(url)]
    assert newest.version in versions and len(versions) == len(set(versions)) == len(older) + 1 + 3
    assert (target / newest.filename).read_bytes() == newest.path.read_bytes()


@pytest.mark.parametrize("link", ["README.md", ".gitignore", "supabase/migrations"])
def test_a_symbolic_link_in_the_muse_folder_is_refused_never_followed(world, link):
    """A Muse folder is a tree anyone can commit to. Found in review: a README linked to a file outside got the
    table list appended (an ssh key in a table comment landed in ~/.ssh/authorized_keys), a linked .gitignore
    brought an outside file's text into the folder, a linked supabase/migrations took the copies elsewhere."""
    name = f"linked-{link.replace('/', '-').strip('.').lower()}"
    folder = stopped_at(world, name, "after:healthy")
    outside = world["root"] / f"outside-{name}"
    if link == "supabase/migrations":
        outside.mkdir()
        (folder / "supabase").mkdir(exist_ok=True)
    else:
        outside.write_text("ssh-ed25519 AAAA the owner's key\n")
    (folder / link).symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir()) if outside.is_dir() else outside.read_text()

    resumed = run_musekit("resume", str(folder), env=world["env"], cwd=world["root"])
    assert resumed.returncode != 0, resumed.stdout
    assert f"{folder / link} is a symbolic link" in resumed.stderr, resumed.stderr
    assert (sorted(p.name for p in outside.iterdir()) if outside.is_dir() else outside.read_text()) == before
    assert (folder / link).is_symlink()  # left as it was: the founder decides what it should be
