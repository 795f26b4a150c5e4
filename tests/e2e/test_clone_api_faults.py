"""Each sandbox fault option against a clone: it finishes, or stops with a clear error and a
resume after the fault is cleared finishes it — always with exactly one live project."""

import pytest

from tests.support.clone_helpers import DB_PASSWORD, history, project_db_url, projects_named
from wizard.api import ManagementAPI, RetryPolicy
from wizard.clone import Clone, CloneError, CloneInputs, credentials, load_journal
from wizard.sandbox.faults import Faults


@pytest.fixture
def env(tmp_path, monkeypatch, sandbox):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MUSEKIT_DB_PASSWORD", DB_PASSWORD)
    sandbox.set_faults(Faults())
    yield tmp_path
    sandbox.set_faults(Faults())


def api_for(sandbox, events=None):
    return ManagementAPI(
        sandbox.token,
        base_url=sandbox.url,
        on_event=(events.append if events is not None else None),
        retry=RetryPolicy(base_delay_s=0.05, max_delay_s=0.2),
    )


async def start(sandbox, folder, name, api, **kw):
    inputs = CloneInputs(
        muse="socioscheduler",
        name=name,
        organization=sandbox.organization_slug,
        region="us-east-1",
        api_url=sandbox.url,
    )
    return await Clone.start(folder, inputs, api, store=credentials.SecretStore(), **kw)


async def resume(sandbox, folder, **kw):
    async with api_for(sandbox) as api:
        return await Clone.open(folder, api, store=credentials.SecretStore(), **kw).run()


def live(sandbox, name):
    """The live projects named `name`, asked with the faults cleared (the test's own look must not be hit)."""
    sandbox.set_faults(Faults())
    return [p for p in projects_named(sandbox.url, sandbox.token, name) if p["status"] != "REMOVED"]


async def test_rate_limit_storm_is_waited_out(sandbox, env):
    sandbox.set_faults(rate_limit_every=4, rate_limit_reset=1)
    events = []
    async with api_for(sandbox, events) as api:
        journal = await (await start(sandbox, env / "m", "storm", api)).run()
    assert journal.finished
    waits = [e for e in events if type(e).__name__ == "RateLimited"]
    assert waits and all(e.wait_s == 1 for e in waits)
    assert len(live(sandbox, "storm")) == 1


async def test_5xx_burst_on_reads_is_retried(sandbox, env):
    sandbox.set_faults(error_burst=2)
    events = []
    async with api_for(sandbox, events) as api:
        journal = await (await start(sandbox, env / "m", "burst", api)).run()
    assert journal.finished
    assert len([e for e in events if type(e).__name__ == "Retrying"]) == 2
    assert len(live(sandbox, "burst")) == 1


async def test_5xx_burst_longer_than_the_retries_stops_clearly_and_resume_finishes(sandbox, env):
    async with api_for(sandbox) as api:
        clone = await start(sandbox, env / "m", "burst-create", api)
        sandbox.set_faults(error_burst=8)  # more than the 4 attempts a read gets
        with pytest.raises(CloneError, match=r"(?s)Find or create the project: .*500.*musekit resume"):
            await clone.run()
    assert live(sandbox, "burst-create") == []  # clears the fault too
    assert load_journal(env / "m").last_error.step == "project"
    assert (await resume(sandbox, env / "m")).finished
    assert len(live(sandbox, "burst-create")) == 1


async def test_create_then_dropped_connection_adopts_the_project(sandbox, env):
    sandbox.set_faults(drop_after_create=1)
    async with api_for(sandbox) as api:
        journal = await (await start(sandbox, env / "m", "dropped", api)).run()
    assert journal.finished
    assert [p["id"] for p in live(sandbox, "dropped")] == [journal.project_ref]


async def test_init_failed_project_is_given_up_and_resume_makes_a_new_one(sandbox, env):
    sandbox.set_faults(init_failed=1)
    async with api_for(sandbox) as api:
        clone = await start(sandbox, env / "m", "doomed", api)
        with pytest.raises(CloneError, match=r"(?s)INIT_FAILED.*musekit resume` creates a new project"):
            await clone.run()
    failed = load_journal(env / "m")
    assert failed.project_ref is None and len(failed.abandoned_refs) == 1
    assert live(sandbox, "doomed") == []  # the failed one was deleted
    journal = await resume(sandbox, env / "m")
    assert journal.finished and journal.project_ref not in journal.abandoned_refs
    assert [p["id"] for p in live(sandbox, "doomed")] == [journal.project_ref]
    url = project_db_url(sandbox.url, sandbox.token, journal.project_ref, DB_PASSWORD)
    assert len(history(url)) == 9  # 6 core + 3 Muse files


async def test_never_healthy_times_out_with_resume_advice(sandbox, env):
    sandbox.set_faults(slow_health=4)
    async with api_for(sandbox) as api:
        clone = await start(sandbox, env / "m", "sluggish", api, health_timeout_s=1)
        with pytest.raises(CloneError, match="musekit resume"):
            await clone.run()
    assert load_journal(env / "m").last_error.step == "healthy"
    sandbox.set_faults(Faults())
    assert sandbox.finish_provisioning()  # the project comes up (rather than waiting out its 4 s)
    assert (await resume(sandbox, env / "m")).finished
    assert len(live(sandbox, "sluggish")) == 1
