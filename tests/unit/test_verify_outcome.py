"""The verify step's findings as data (`wizard.clone.VerifyOutcome`): grouped where the checks run,
the step's note and error made from them, kept in the journal (journals from before still load and
read back), carried on the step's events and shown by the wizard without reading text back. And
the run log the engine writes: 0600, appended, held back during a check."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime

from tests.support.legacy_journal import inputs, old_journal_json
from wizard.api import AdvisorLint
from wizard.clone import (
    CloneEvent,
    Journal,
    VerifyOutcome,
    append_run_log,
    journal_path,
    load_journal,
    read_run_log,
    run_log_path,
    save_journal,
)
from wizard.clone.run_log import RunLog
from wizard.lints import Finding
from wizard.muses import PlatformAdvice, VerifyFindings
from wizard.widgets import VerifyResults

NO_RLS = "public.notes: row level security is disabled"
CORE = "the core differs from the shipped core migrations: column public.users.nickname was added"


def finding(level: str, lint_id: str, name: str, obj: str, message: str) -> Finding:
    return Finding(
        id=lint_id,
        name=name,
        title=name,
        level=level,
        facing="EXTERNAL",
        categories=("SECURITY",),
        description="",
        detail="",
        remediation=None,
        metadata={},
        cache_key=f"{name}_{obj}",
        object=obj,
        message=message,
        fix="",
    )


LINTS = (
    finding("ERROR", "0013", "rls_disabled_in_public", "public.notes", "Table public.notes has no RLS."),
    finding("WARN", "0011", "function_search_path_mutable", "public.touch", "Mutable search_path."),
)


# -- grouped where the checks run; the human text made from the data ----------------------------------
def test_findings_are_grouped_by_check_and_the_error_keeps_its_wording():
    found = VerifyOutcome.of(VerifyFindings(lints=LINTS, core=(CORE,), rls=(NO_RLS,)))
    assert not found.passed
    assert found.lints == tuple(str(f) for f in LINTS) and found.core == (CORE,) and found.rls == (NO_RLS,)
    assert found.lint_counts == {"ERROR": 1, "WARN": 1, "INFO": 0}
    assert found.failure_message() == (
        "4 problems:\n"
        "  - ERROR 0013 rls_disabled_in_public public.notes: Table public.notes has no RLS.\n"
        "  - WARN 0011 function_search_path_mutable public.touch: Mutable search_path.\n"
        f"  - {CORE}\n"
        f"  - {NO_RLS}"
    )
    # the text an old journal holds reads back into the same groups
    assert VerifyOutcome.from_legacy_failure(found.failure_message()) == found


def test_a_pass_carries_the_platform_advisors_apart_and_keeps_its_note():
    advice = PlatformAdvice(
        [
            AdvisorLint(name="auth_leaked_password_protection", level="WARN", detail="enable it"),
            AdvisorLint(name="unindexed_foreign_keys", level="INFO", detail="index it"),
        ],
        frozenset({"rls_disabled_in_public_public.notes"}),
    )
    passed = VerifyOutcome.of(VerifyFindings(lints=(), core=(), rls=())).with_platform(advice)
    assert passed.passed and passed.problems == ()
    assert passed.platform == ("WARN auth_leaked_password_protection: enable it",)  # INFO only counted
    assert passed.platform_counts == {"ERROR": 0, "WARN": 1, "INFO": 1}
    assert passed.note() == (
        "no lint findings; RLS on every table; core untouched; platform advisors: 1 WARN, 1 INFO; "
        "1 also found by musekit"
    )
    unread = VerifyOutcome.of(VerifyFindings(lints=(), core=(), rls=())).without_platform("503 from the API")
    assert unread.platform_counts is None and unread.note().endswith("platform advisors unavailable (503 from the API)")


def test_the_step_events_carry_the_data_and_its_json():
    found = VerifyOutcome.of(VerifyFindings(lints=LINTS, core=(), rls=(NO_RLS,)))
    ev = CloneEvent("step_failed", "verify", found.failure_message(), verify=found)
    data = json.loads(json.dumps(ev.as_dict()))
    assert data["verify"]["lints"] == [str(f) for f in LINTS] and data["verify"]["rls"] == [NO_RLS]
    assert data["verify"]["lint_counts"] == {"ERROR": 1, "WARN": 1, "INFO": 0} and data["verify"]["passed"] is False
    assert "verify" not in CloneEvent("step_done", "readme", "written").as_dict()
    assert ev.log_line().startswith("✗ Verify (lints, RLS, core purity): 3 problems:")


# -- the journal: recorded, cleared on a new run, old journals read back -------------------------------
def test_the_journal_keeps_the_findings_and_a_new_run_forgets_them(tmp_path):
    j = Journal(inputs=inputs())
    j.mark("verify", "running")
    found = VerifyOutcome.of(VerifyFindings(lints=LINTS, core=(), rls=(NO_RLS,)))
    j.steps["verify"].verify = found
    j.fail("verify", found.failure_message())
    save_journal(tmp_path, j)
    raw = json.loads(journal_path(tmp_path).read_text())
    assert "verify" in raw["steps"]["verify"] and "verify" not in raw["steps"]["readme"]  # only where recorded
    back = load_journal(tmp_path)
    assert back.steps["verify"].verify == found and back.verify_outcome() == found
    shown = VerifyResults.from_journal(back)
    assert shown.state == "failed" and shown.lints == found.lints and shown.rls == (NO_RLS,)
    assert shown.lint_counts() == {"ERROR": 1, "WARN": 1, "INFO": 0}
    back.mark("verify", "running")
    assert back.steps["verify"].verify is None and back.verify_outcome() is None


def test_a_journal_from_before_loads_and_reads_back_a_pass(tmp_path):
    note = "no lint findings; RLS on every table; core untouched; platform advisors: 1 WARN, 2 INFO"
    journal_path(tmp_path).parent.mkdir()
    journal_path(tmp_path).write_text(old_journal_json(note=note))
    j = load_journal(tmp_path)
    assert j.finished and j.steps["verify"].verify is None
    assert j.verify_outcome() == VerifyOutcome(True, platform_summary="platform advisors: 1 WARN, 2 INFO")
    assert VerifyResults.from_journal(j).summary_text().splitlines() == [
        "✓ Lints       0 ERROR · 0 WARN · 0 INFO",
        "✓ RLS probe   RLS everywhere; a stranger sees no row",
        "✓ Core purity untouched (the shipped core)",
        "· Platform    1 WARN, 2 INFO (advice only)",
    ]
    save_journal(tmp_path, j)  # saved again, it keeps its shape
    assert all("verify" not in step for step in json.loads(journal_path(tmp_path).read_text())["steps"].values())


def test_a_journal_from_before_reads_back_a_failure_by_group_or_why_it_could_not_run(tmp_path):
    message = f"2 problems:\n  - {LINTS[0]}\n  - {NO_RLS}"
    journal_path(tmp_path).parent.mkdir()
    journal_path(tmp_path).write_text(old_journal_json(error=message))
    shown = VerifyResults.from_journal(load_journal(tmp_path))
    assert shown.state == "failed" and shown.lints == (str(LINTS[0]),) and shown.rls == (NO_RLS,)
    assert shown.lint_counts() == {"ERROR": 1, "WARN": 0, "INFO": 0}
    journal_path(tmp_path).write_text(old_journal_json(error="could not connect to the database: timeout\n  more"))
    broken = VerifyResults.from_journal(load_journal(tmp_path))
    assert broken.state == "error"
    assert broken.summary_text() == "✗ Verify      could not run: could not connect to the database: timeout"


# -- the run log -------------------------------------------------------------------------------------
def test_the_run_log_is_private_appended_and_held_back_during_a_check(tmp_path):
    when = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)
    append_run_log(tmp_path, when, "nowhere to go")  # no .musekit: a folder that is no clone gets no log
    assert not run_log_path(tmp_path).exists() and read_run_log(tmp_path) is None
    (tmp_path / ".musekit").mkdir()
    append_run_log(tmp_path, when, "▶ Validate inputs")
    append_run_log(tmp_path, when, "✗ Verify: 2 problems:\n  - a")
    assert read_run_log(tmp_path) == (
        "2026-05-01 10:00:00  ▶ Validate inputs\n2026-05-01 10:00:00  ✗ Verify: 2 problems:\n2026-05-01 10:00:00    - a\n"
    )
    assert stat.S_IMODE(run_log_path(tmp_path).stat().st_mode) == 0o600

    log = RunLog(tmp_path)
    before = read_run_log(tmp_path)
    log.hold()
    log.write("── checking a finished clone")
    log.drop()  # the check found nothing to do: nothing written
    assert read_run_log(tmp_path) == before
    log.hold()
    log.write("── checking a finished clone")
    log.release()  # it found something to do: what was held, then the rest
    log.write("── finished")
    lines = (read_run_log(tmp_path) or "").splitlines()
    assert [line.split("  ", 1)[1] for line in lines[-2:]] == ["── checking a finished clone", "── finished"]
