"""The next steps printed after a clone (CLI summary and Done screen), and supabase/config.toml.
That the sandbox commands really run with the official CLI is tests/e2e/test_next_steps.py."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest

from wizard import settings
from wizard.readme import (
    CONFIG_FILE,
    InvalidProjectRef,
    next_steps,
    render_next_steps,
    resume_command,
    write_supabase_config,
)
from wizard.readme.next_steps import SANDBOX_PROFILE
from wizard.readme.supabase_config import PROJECT_REF_RE

REF = "abcdefghijklmnopqrst"
URL = f"postgresql://postgres.{REF}@127.0.0.7:5432/postgres"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data dir"))
    return tmp_path / "data dir"


def test_hosted_steps_name_the_real_ref_and_target_the_linked_project(tmp_path):
    steps = next_steps(tmp_path / "my muse", REF, sandbox=False, database_url=URL)
    commands = [s.command for s in steps]
    assert commands[0] == f"cd {shlex.quote(str(tmp_path / 'my muse'))}"
    assert f"supabase link --project-ref {REF}" in commands
    assert "supabase db push --remote" in commands
    assert not any("<" in c or "--profile" in c for c in commands)


def test_sandbox_steps_start_the_sandbox_and_use_its_profile_and_pooler(tmp_path, data_dir):
    steps = next_steps(tmp_path / "m", REF, sandbox=True, database_url=URL)
    text = render_next_steps(steps)
    profile = data_dir / "sandbox" / SANDBOX_PROFILE
    assert "export SUPABASE_ACCESS_TOKEN=sbp_" in text
    assert f'sandbox --data-dir {shlex.quote(str(data_dir / "sandbox"))} --token "$SUPABASE_ACCESS_TOKEN"' in text
    assert f"supabase --profile {shlex.quote(str(profile))} link --project-ref {REF}" in text
    assert f'PGPASSWORD="$MUSEKIT_DB_PASSWORD" supabase db push --remote={URL}' in text
    assert "api.supabase.com" not in text and "<" not in text


def test_rendered_as_a_shell_snippet(tmp_path):
    steps = next_steps(tmp_path, REF, sandbox=False)
    lines = render_next_steps(steps, indent="  ").splitlines()
    assert len(lines) == 2 * len(steps)
    assert all(line.startswith("  # ") for line in lines[::2])
    assert [line.strip() for line in lines[1::2]] == [s.command for s in steps]


def test_the_constants_agree_with_the_layers_that_own_them():
    from wizard.api.models import PROJECT_REF_PATTERN
    from wizard.sandbox import default_data_dir
    from wizard.sandbox.server import PROFILE_FILE

    assert SANDBOX_PROFILE == PROFILE_FILE
    assert settings.sandbox_data_dir() == default_data_dir()
    assert PROJECT_REF_RE.pattern == PROJECT_REF_PATTERN.strip("^$")


def test_resume_command_carries_the_data_dir(tmp_path, data_dir, monkeypatch):
    assert resume_command(tmp_path / "m").startswith(f"MUSEKIT_DATA_DIR={shlex.quote(str(data_dir))} ")
    assert resume_command(tmp_path / "m").endswith(f" resume {tmp_path / 'm'}")
    monkeypatch.delenv(settings.DATA_DIR_ENV)
    assert "MUSEKIT_DATA_DIR" not in resume_command(tmp_path / "m")


# -- supabase/config.toml ------------------------------------------------------------------------
def test_writes_a_minimal_valid_config(tmp_path):
    result = write_supabase_config(tmp_path, REF)
    assert result.written
    assert tomllib.loads((tmp_path / CONFIG_FILE).read_text()) == {"project_id": REF}


def test_an_existing_config_is_never_rewritten(tmp_path):
    path = tmp_path / CONFIG_FILE
    path.parent.mkdir()
    path.write_text(f'project_id = "{REF}"\n[db]\nport = 54322\n')
    before = path.read_bytes()
    result = write_supabase_config(tmp_path, REF)
    assert not result.written and "already" in result.message
    assert path.read_bytes() == before


def test_a_config_naming_another_project_is_left_and_reported(tmp_path):
    path = tmp_path / CONFIG_FILE
    path.parent.mkdir()
    path.write_text('project_id = "my-muse"\n')
    result = write_supabase_config(tmp_path, REF)
    assert not result.written
    assert "'my-muse'" in result.message and REF in result.message and "left as it is" in result.message
    assert path.read_text() == 'project_id = "my-muse"\n'


def test_an_unreadable_config_is_left_and_reported(tmp_path):
    path = tmp_path / CONFIG_FILE
    path.parent.mkdir()
    path.write_text("project_id = [broken\n")
    result = write_supabase_config(tmp_path, REF)
    assert not result.written and "TOML" in result.message and str(path) in result.message
    assert path.read_text() == "project_id = [broken\n"


@pytest.mark.parametrize(
    "ref", ["", "ABCDEFGHIJKLMNOPQRST", "abc", 'abcdefghijklmnopqrs"', "abcdefghij\nklmnopqrs", "../../etc/passwd"]
)
def test_a_ref_of_the_wrong_shape_writes_nothing(tmp_path, ref):
    with pytest.raises(InvalidProjectRef, match=re.escape(repr(ref))):
        write_supabase_config(tmp_path, ref)
    assert not (tmp_path / "supabase").exists()
