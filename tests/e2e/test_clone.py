"""The clone engine in-process against a real sandbox (real HTTP, real databases)."""

import asyncio
import os
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.clone_helpers import (
    DB_PASSWORD,
    all_files,
    assert_no_secret_in_files,
    history,
    project_db_url,
    projects_named,
)
from wizard.api import ManagementAPI
from wizard.clone import STEPS, Clone, CloneBusy, CloneInputError, CloneInputs, credentials, load_journal, registry
from wizard.errors import MusekitError
from wizard.muses import core_files, load_template


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MUSEKIT_DB_PASSWORD", DB_PASSWORD)
    return tmp_path


def inputs(sandbox, name: str, muse: str = "socioscheduler", region: str = "us-east-1") -> CloneInputs:
    return CloneInputs(
        muse=muse, name=name, organization=sandbox.organization_slug, region=region, api_url=sandbox.url, sandbox=False
    )


async def clone_once(sandbox, folder: Path, name: str, events=None, **kw):
    async with ManagementAPI(sandbox.token, base_url=sandbox.url) as api:
        clone = await Clone.start(
            folder,
            inputs(sandbox, name, **kw),
            api,
            store=credentials.SecretStore(),
            on_event=(events.append if events is not None else None),
        )
        return await clone.run()


async def test_full_clone_produces_a_migrated_verified_documented_muse(sandbox, env):
    folder = env / "my-muse"
    events = []
    journal = await clone_once(sandbox, folder, "full-clone", events)
    assert journal.finished and journal.last_error is None
    assert [e.step for e in events if e.kind == "step_done"] == list(STEPS)

    template = load_template("socioscheduler")
    expected = [*core_files(), *template.files]
    written = sorted((folder / "supabase" / "migrations").iterdir())
    assert [p.name for p in written] == [f.path.name for f in expected]
    assert all(p.read_bytes() == f.path.read_bytes() for p, f in zip(written, expected, strict=False))

    readme = (folder / "README.md").read_text()
    start, end = readme.index("<!-- musekit:tables:start -->"), readme.index("<!-- musekit:tables:end -->")
    for table in ("brand_preferences", "post_queues", "alert_logs"):
        assert f"`{table}`" in readme[start:end]

    assert len(projects_named(sandbox.url, sandbox.token, "full-clone")) == 1
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, DB_PASSWORD)
    assert [v for v, _, _ in history(url)] == [f.version for f in expected]
    assert next(e.message for e in events if e.kind == "migration" and e.message.startswith("applied")).startswith(
        "applied 20260101000100_core_types_and_tables.sql"
    )

    assert ".musekit/" in (folder / ".gitignore").read_text().splitlines()  # the journal stays out of git

    scanned = assert_no_secret_in_files([folder, env / "data"], [sandbox.token, DB_PASSWORD])
    assert scanned >= 12  # 8 migrations, README, .gitignore, journal, registry at least
    entries = registry.list_clones()
    assert [c.journal.clone_id for c in entries] == [journal.clone_id]


async def test_resume_of_a_finished_clone_checks_and_writes_nothing(sandbox, env):
    folder = env / "done"
    journal = await clone_once(sandbox, folder, "finished-clone")
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in all_files(folder)}
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, DB_PASSWORD)
    hist = history(url)
    events = []
    async with ManagementAPI(sandbox.token, base_url=sandbox.url) as api:
        clone = Clone.open(folder, api, store=credentials.SecretStore(), on_event=events.append)
        again = await clone.run()
    assert again.finished
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in all_files(folder)} == before
    assert history(url) == hist
    assert not [e for e in events if e.kind == "step_started"]
    assert any("README table list is current" in e.message for e in events)


class ProjectReadFails(httpx.AsyncHTTPTransport):
    """Real HTTP, except that reading the project answers 404 once the login role has been made (the check
    logs in while it reads the project)."""

    def __init__(self, ref: str) -> None:
        super().__init__()
        self.ref, self.login_made = ref, asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == f"/v1/projects/{self.ref}":
            await asyncio.wait_for(self.login_made.wait(), 10)
            await asyncio.sleep(0.2)  # the session is being opened, or is open: both must be closed
            return httpx.Response(404, json={"message": "Project not found"}, request=request)
        response = await super().handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/cli/login-role"):
            self.login_made.set()
        return response


async def test_a_check_whose_project_read_fails_leaves_no_session_and_no_login_role(sandbox, env):
    """The check of a finished clone logs in while it reads the project: when the read fails, its error is
    the one reported, and the session and the login role made meanwhile are gone."""
    folder = env / "checked"
    journal = await clone_once(sandbox, folder, "check-fails")
    assert journal.project_ref is not None
    transport = ProjectReadFails(journal.project_ref)
    async with ManagementAPI(sandbox.token, base_url=sandbox.url, transport=transport) as api:
        clone = Clone.open(folder, api, store=credentials.SecretStore())
        with pytest.raises(MusekitError, match="not found") as failed:
            await clone.run()
    assert journal.project_ref in str(failed.value)
    assert transport.login_made.is_set()
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, DB_PASSWORD)
    with psycopg.connect(url) as conn:
        sessions = conn.execute("select count(*) from pg_stat_activity where usename like 'cli_login%'").fetchone()
        roles = conn.execute("select count(*) from pg_roles where rolname like 'cli_login%'").fetchone()
    assert sessions == (0,) and roles == (0,)


async def test_unknown_template_is_refused_before_anything_is_created(sandbox, env):
    folder = env / "nope"
    with pytest.raises(Exception, match="no Muse template named 'nosuch'"):
        await clone_once(sandbox, folder, "never-made", muse="nosuch")
    assert not folder.exists()
    assert projects_named(sandbox.url, sandbox.token, "never-made") == []


async def test_bad_region_and_taken_name_are_refused_without_litter(sandbox, env):
    with pytest.raises(CloneInputError, match="region 'mars-1' is not a Supabase region"):
        await clone_once(sandbox, env / "a", "regionless", region="mars-1")
    assert not (env / "a").exists()
    await clone_once(sandbox, env / "b", "taken-name")
    (env / "c").mkdir()
    with pytest.raises(CloneInputError, match=r"already has a project named 'taken-name'"):
        await clone_once(sandbox, env / "c", "taken-name")
    assert list((env / "c").iterdir()) == []  # an existing folder is left as it was
    assert len(projects_named(sandbox.url, sandbox.token, "taken-name")) == 1


async def test_a_second_clone_of_the_same_folder_is_refused(sandbox, env):
    folder = env / "busy"
    async with ManagementAPI(sandbox.token, base_url=sandbox.url) as api:
        first = await Clone.start(folder, inputs(sandbox, "busy-one"), api, store=credentials.SecretStore())
        with pytest.raises(CloneBusy, match="another musekit process"):
            await Clone.start(folder, inputs(sandbox, "busy-two"), api, store=credentials.SecretStore())
        with pytest.raises(CloneBusy):
            await Clone.open(folder, api, store=credentials.SecretStore()).run()
        await first.run()
    assert load_journal(folder).inputs.name == "busy-one"
    assert projects_named(sandbox.url, sandbox.token, "busy-two") == []


async def test_impure_user_template_fails_validation_with_the_rule(sandbox, env, tmp_path):
    tpl = tmp_path / "evil"
    (tpl / "migrations").mkdir(parents=True)
    (tpl / "muse.toml").write_text(
        'name = "Evil"\ndescription = "Alters the core."\nversion = "0.1.0"\ncore_version = "20260101000500"\n'
    )
    (tpl / "migrations" / "20260701000000_evil.sql").write_text("alter table public.users add column niche text;\n")
    with pytest.raises(Exception, match=r"core-add-column"):
        await clone_once(sandbox, env / "evil-muse", "evil", muse=str(tpl))
    assert not (env / "evil-muse").exists()
    assert projects_named(sandbox.url, sandbox.token, "evil") == []


async def test_cloned_folder_is_managed_by_the_official_cli(sandbox, env):
    from tests.support.supabase_cli import run_supabase

    folder = env / "cli-muse"
    journal = await clone_once(sandbox, folder, "cli-managed")
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, DB_PASSWORD)
    listed = run_supabase("migration", "list", "--db-url", url, cwd=folder)
    assert listed.returncode == 0, listed.stderr
    for f in [*core_files(), *load_template("socioscheduler").files]:
        assert listed.stdout.count(f.version) >= 2, f.version  # local and remote
    pushed = run_supabase("db", "push", "--db-url", url, "--yes", cwd=folder)
    assert pushed.returncode == 0, pushed.stderr
    assert "Remote database is up to date" in pushed.stdout + pushed.stderr


def test_clone_command_json_lines(sandbox, env, monkeypatch):
    import json
    import subprocess
    import sys

    run_env = dict(os.environ, SUPABASE_API_URL=sandbox.url, SUPABASE_ACCESS_TOKEN=sandbox.token)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "clone",
            "--muse",
            "realtor",
            "--name",
            "json-lines",
            "--dir",
            str(env / "jl"),
            "--yes",
            "--json",
        ],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["step"] for e in events if e["event"] == "step_done"] == list(STEPS)
    assert events[-1]["event"] == "finished" and events[-1]["project_ref"]
    assert sandbox.token not in proc.stdout + proc.stderr and DB_PASSWORD not in proc.stdout + proc.stderr
