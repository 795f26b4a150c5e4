"""The next steps `musekit clone --sandbox` prints run as printed, in a shell, with the official
Supabase CLI: start the sandbox, link through its profile, add a migration, push it. The Muse
folder's supabase/config.toml is one the CLI loads (it refuses a broken one with the same command)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.supabase_cli import supabase_bin
from wizard.readme import CONFIG_FILE, write_supabase_config

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Next steps pass 1"


def shell_env(home: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "MUSEKIT_", "PG"))}
    env.update(
        HOME=str(home),
        PATH=f"{Path(supabase_bin()).parent}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",  # no keyring: the password comes from the env
        MUSEKIT_DATA_DIR=str(data_dir),
        MUSEKIT_DB_PASSWORD=PASSWORD,
        MUSEKIT_SANDBOX_HEALTH_DELAY="0",
        DO_NOT_TRACK="1",
        NO_COLOR="1",
    )
    return env


def printed_commands(output: str) -> list[str]:
    """The commands under "Next steps" in the clone's summary (each after its `# description`)."""
    block = output.split("Next steps (the official Supabase CLI):\n", 1)[1]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert lines and all(line.startswith("# ") for line in lines[::2]), block
    return lines[1::2]


def run_script(script: str, cwd: Path, env: dict[str, str], log: Path) -> int:
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            return proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # the shell we started, and the sandbox it started
            proc.wait()
            raise


def test_the_printed_sandbox_steps_work_with_the_official_cli(tmp_path, cluster_dir_factory):
    home, work, data_dir = tmp_path / "home", tmp_path / "work", cluster_dir_factory("next-steps")
    home.mkdir()
    work.mkdir()
    env = shell_env(home, data_dir)
    folder = work / "next steps"  # a space: the printed `cd` must quote it
    clone = subprocess.run(
        [
            sys.executable,
            "-m",
            "wizard",
            "clone",
            "--sandbox",
            *("--muse", "socioscheduler", "--name", "next-steps"),
            *("--dir", str(folder), "--yes"),
        ],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert clone.returncode == 0, clone.stdout + clone.stderr
    commands = printed_commands(clone.stdout)
    assert any(c.endswith("--quiet &") for c in commands), commands
    ref = next(c.rsplit(" ", 1)[1] for c in commands if " link --project-ref " in c)
    write_supabase_config(folder, ref)  # what the clone engine writes (a no-op once it does)

    # The printed lines, verbatim; around them only the harness: wait for the sandbox's banner, and
    # stop the sandbox (the one this shell started, by its pid) whatever happens.
    log = tmp_path / "steps.log"
    harness: list[str] = ["set -euo pipefail", "export SUPABASE_YES=1  # the CLI's prompts, answered"]
    for command in commands:
        harness.append(command)
        if command.endswith("&"):
            harness += [
                "SANDBOX_PID=$!",
                'trap \'kill "$SANDBOX_PID"; wait "$SANDBOX_PID" || true\' EXIT',
                f"until grep -q 'press Ctrl-C to stop' {log}; do kill -0 \"$SANDBOX_PID\"; sleep 0.2; done",
            ]
    code = run_script("\n".join(harness) + "\n", work, env, log)
    shown = log.read_text()
    assert code == 0, shown
    assert "Finished supabase link" in shown, shown
    [new_file] = (folder / "supabase" / "migrations").glob("*_my_change.sql")
    assert f"Applying migration {new_file.name}" in shown, shown
    assert "Finished supabase db push" in shown, shown

    # the push loaded supabase/config.toml: the same command refuses a broken one before connecting
    (folder / CONFIG_FILE).write_text("project_id = [broken\n")
    push = next(c for c in commands if " db push " in c)
    broken = subprocess.run(
        ["bash", "-c", push], cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    assert broken.returncode != 0 and "failed to load config" in broken.stdout + broken.stderr
