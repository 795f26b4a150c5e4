"""Errors the CLI reports before anything starts, each said once and specifically."""

from __future__ import annotations

import io

import pytest

from wizard import settings
from wizard.cli import main
from wizard.clone import CloneError, CloneEvent
from wizard.commands.output import ClonePrinter
from wizard.errors import ExitCode


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(settings.DB_PASSWORD_ENV, "a password")
    return tmp_path


def test_clone_of_an_unknown_muse_refuses_before_anything_starts(empty_home, capsys):
    # a sandbox start would spawn Postgres, which this tier refuses: exit 2 here proves none started
    code = main(["clone", "--sandbox", "--muse", "nosuch", "--name", "my-muse", "--yes"])
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "'nosuch'" in err and "socioscheduler" in err
    assert sorted(p.name for p in empty_home.iterdir()) == []  # no folder, no data dir, no sandbox


@pytest.mark.parametrize("command", ["status", "resume"])
def test_outside_a_clone_folder_says_what_to_pass(empty_home, capsys, command):
    code = main([command])
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("error:") == 1
    assert f"{empty_home} is not a Muse folder" in err and f"musekit {command} DIR" in err
    assert "No clone is known on this machine yet" in err


def test_a_failed_step_is_reported_once(capsys):
    out = io.StringIO()
    printer = ClonePrinter(stream=out)
    printer.clone_event(CloneEvent("step_failed", "core_migrations", "could not connect to the pooler"))
    printer.failure(CloneError("core_migrations", "could not connect to the pooler", None), "/work/my-muse")
    shown = out.getvalue() + capsys.readouterr().err
    assert shown.count("could not connect to the pooler") == 1
    assert "musekit resume /work/my-muse" in shown and "Apply the core migrations" in shown


def test_an_error_no_step_showed_is_printed_in_full(capsys):
    printer = ClonePrinter(stream=io.StringIO())
    printer.failure(CloneError("core_migrations", "could not connect to the pooler", None), "/work/my-muse")
    assert "error: Apply the core migrations: could not connect to the pooler" in capsys.readouterr().err


def test_quitting_the_wizard_mid_step_names_the_clone_to_resume(empty_home):
    from datetime import UTC, datetime, timedelta

    from wizard.cli import _resume_hint
    from wizard.clone import CloneInputs, Journal, registry, save_journal

    def clone(name: str, updated: datetime) -> None:
        journal = Journal(
            clone_id=name.ljust(32, "0"),
            inputs=CloneInputs(muse="realtor", name=name, organization="o", region="us-east-1", api_url="x"),
        )
        save_journal(empty_home / name, journal)
        journal.updated_at = updated
        (empty_home / name / ".musekit" / "clone.json").write_text(journal.model_dump_json())
        registry.register(empty_home / name, journal)

    started = datetime.now(UTC)
    clone("older", started - timedelta(hours=1))
    clone("stopped", started + timedelta(seconds=2))
    hint = _resume_hint(started)
    assert hint.endswith(f"resume {empty_home / 'stopped'}") and "MUSEKIT_DATA_DIR=" in hint
    assert "Resume with:" in hint
    assert "Welcome screen" in _resume_hint(started + timedelta(minutes=1))
