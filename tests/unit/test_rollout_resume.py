"""What a resumed roll-out applies. Its journal is a file in the data dir: it never chooses which SQL runs.
A core folder must be named again by the user, and hold exactly the files the plan compared with."""

from __future__ import annotations

import pytest

from tests.support.core_folders import core_folder
from wizard.fleet import RolloutError, core_for, core_to_resume, new_rollout, save_rollout, unfinished_rollout
from wizard.fleet.upgrade import MusePlan
from wizard.muses import core_files

NEW = "20260101000800_core_organization_website.sql"
PLANS = [MusePlan("fleet-a", "a" * 32, (NEW,))]


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def started_from(folder):
    return new_rollout(PLANS, core_for(folder), core_dir=folder, canary=1, keep_going=False)


def test_a_resume_applies_the_planned_core_folder_when_the_user_names_it_again(tmp_path):
    folder = core_folder(tmp_path / "core", {NEW: "alter table public.organizations add column website text;\n"})
    rollout = started_from(folder)
    assert rollout.core_dir == str(folder.resolve()) and NEW in rollout.core_files
    assert [f.filename for f in core_to_resume(rollout, folder)] == [f.filename for f in core_for(folder)]


def test_a_journal_alone_never_chooses_the_core_folder(tmp_path):
    folder = core_folder(tmp_path / "core", {NEW: "alter table public.organizations add column website text;\n"})
    rollout = started_from(folder)
    with pytest.raises(RolloutError, match=f"--resume --core-dir {folder.resolve()}"):
        core_to_resume(rollout, None)
    other = core_folder(tmp_path / "other", {NEW: "alter table public.organizations add column website text;\n"})
    with pytest.raises(RolloutError, match="Its journal alone never chooses which SQL runs"):
        core_to_resume(rollout, other)
    # a journal edited to name another folder (with its checksums) still needs that folder named by the user
    planted = rollout.model_copy(update={"core_dir": str(other.resolve())})
    with pytest.raises(RolloutError, match=f"--core-dir {other.resolve()}"):
        core_to_resume(planted, None)


def test_a_roll_out_of_the_shipped_core_resumes_without_a_folder_and_refuses_one(tmp_path):
    rollout = new_rollout(PLANS, core_files(), core_dir=None, canary=1, keep_going=False)
    assert [f.filename for f in core_to_resume(rollout, None)] == [f.filename for f in core_files()]
    folder = core_folder(tmp_path / "core", {})
    with pytest.raises(RolloutError, match="resume it without --core-dir"):
        core_to_resume(rollout, folder)


@pytest.mark.parametrize("change", ["edited", "added", "removed"])
def test_a_core_folder_changed_since_the_plan_is_refused(tmp_path, change):
    folder = core_folder(tmp_path / "core", {NEW: "alter table public.organizations add column website text;\n"})
    rollout = started_from(folder)
    if change == "edited":
        (folder / NEW).write_text("alter table public.organizations disable row level security;\n")
        expected = f"{NEW} differs"
    elif change == "added":
        later = "20260101000900_core_later.sql"
        (folder / later).write_text("select 1;\n")
        expected = f"{later} is new"
    else:
        (folder / NEW).unlink()
        expected = f"{NEW} is gone"
    with pytest.raises(RolloutError, match=expected) as refused:
        core_to_resume(rollout, folder)
    assert "nothing was applied" in str(refused.value)
    assert f"musekit fleet upgrade --core-dir {folder.resolve()} --dry-run" in str(refused.value)


def test_only_the_last_roll_out_is_offered_for_a_resume(data_dir):
    first = new_rollout(PLANS, core_files(), core_dir=None, canary=1, keep_going=False)
    save_rollout(first)
    assert unfinished_rollout() == first
    later = new_rollout(PLANS, core_files(), core_dir=None, canary=1, keep_going=False)
    later.finished = True
    save_rollout(later)
    assert unfinished_rollout() is None  # the roll-out after it planned from what the Muses then held


def test_a_journal_whose_id_is_a_path_is_refused_and_nothing_is_written_outside(data_dir, tmp_path):
    """The id is the journal's file name: `../../x` would make a resume overwrite a file outside the data dir."""
    rollout = new_rollout(PLANS, core_files(), core_dir=None, canary=1, keep_going=False)
    save_rollout(rollout)
    path = data_dir / "rollouts" / f"{rollout.id}.json"
    path.write_text(path.read_text().replace(rollout.id, "../../escaped"))
    with pytest.raises(RolloutError, match="cannot be read"):
        unfinished_rollout()
    assert not (tmp_path / "escaped.json").exists()
