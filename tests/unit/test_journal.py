import json
import stat

import pytest

from wizard.clone import (
    STEPS,
    CloneInputs,
    Journal,
    JournalError,
    journal_path,
    load_journal,
    registry,
    save_journal,
)


def make_journal() -> Journal:
    return Journal(
        inputs=CloneInputs(
            muse="socioscheduler", name="my-muse", organization="acme", region="us-east-1", api_url="http://127.0.0.1:1"
        )
    )


def test_round_trip_is_atomic_and_private(tmp_path):
    j = make_journal()
    j.mark("validate", "running")
    j.mark("validate", "done", note="inputs ok")
    save_journal(tmp_path, j)
    path = journal_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    back = load_journal(tmp_path)
    assert back.steps["validate"].status == "done" and back.steps["validate"].attempts == 1
    assert back.current_step == "project" and not back.finished
    assert list(back.steps) == list(STEPS)


def test_failure_is_recorded_and_cleared_when_the_step_succeeds(tmp_path):
    j = make_journal()
    j.fail("project", "429 rate limited")
    assert j.last_error.step == "project" and j.steps["project"].status == "failed"
    j.mark("project", "done")
    assert j.last_error is None


def test_corrupt_journal_is_a_clear_error_and_left_untouched(tmp_path):
    path = journal_path(tmp_path)
    path.parent.mkdir()
    path.write_text('{"schema_version": 1, "inputs": ')
    with pytest.raises(JournalError, match=r"clone\.json: corrupt journal \(not JSON"):
        load_journal(tmp_path)
    assert path.read_text() == '{"schema_version": 1, "inputs": '


def test_journal_with_wrong_fields_is_corrupt(tmp_path):
    path = journal_path(tmp_path)
    path.parent.mkdir()
    path.write_text(json.dumps({"schema_version": 1, "inputs": {"muse": "x"}}))
    with pytest.raises(JournalError, match=r"corrupt journal \(inputs\.name: Field required"):
        load_journal(tmp_path)


def test_newer_journal_version_is_refused_and_left_untouched(tmp_path):
    path = journal_path(tmp_path)
    path.parent.mkdir()
    content = json.dumps({"schema_version": 99, "whatever": True})
    path.write_text(content)
    with pytest.raises(JournalError, match="written by a newer musekit"):
        load_journal(tmp_path)
    assert path.read_text() == content


def test_missing_journal_says_what_to_do(tmp_path):
    with pytest.raises(JournalError, match="no clone journal here"):
        load_journal(tmp_path)


def test_registry_lists_clones_and_survives_missing_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    a, b = tmp_path / "a", tmp_path / "b"
    ja, jb = make_journal(), make_journal()
    for folder, j in ((a, ja), (b, jb)):
        save_journal(folder, j)
        registry.register(folder, j)
    registry.register(a, ja)  # registering again does not duplicate
    (b / ".musekit" / "clone.json").unlink()
    b.joinpath(".musekit").rmdir()
    b.rmdir()
    listing = {c.entry.clone_id: c for c in registry.list_clones()}
    assert len(listing) == 2
    assert listing[ja.clone_id].journal.clone_id == ja.clone_id and listing[ja.clone_id].problem is None
    assert listing[jb.clone_id].journal is None and "folder is gone" in listing[jb.clone_id].problem
    assert stat.S_IMODE((tmp_path / "data" / "clones.json").stat().st_mode) == 0o600


def test_damaged_registry_is_set_aside_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path))
    (tmp_path / "clones.json").write_text("not json")
    assert registry.list_clones() == []
    j = make_journal()
    save_journal(tmp_path / "c", j)
    registry.register(tmp_path / "c", j)
    assert [c.entry.clone_id for c in registry.list_clones()] == [j.clone_id]
    assert (tmp_path / "clones.damaged.json").read_text() == "not json"
