"""What to do with a finished Muse, as commands that work when typed as shown: the CLI summary of
`musekit clone`/`resume` and the wizard's Done screen both print `next_steps(...)`.

With the official Supabase CLI (3.x, where database commands target the local stack unless given
`--remote`):
- a hosted project: `supabase link --project-ref REF`, then `supabase db push --remote` (the CLI signs
  in with `supabase login` or $SUPABASE_ACCESS_TOKEN and reaches the database with a temporary login role);
- a sandbox project: the sandbox runs only while something uses it, so the steps start it (with a
  token the shell makes), link through the profile it writes (`--profile`, since the CLI does not
  read $SUPABASE_API_URL), and reach the database through the sandbox's pooler URL with the
  password in PGPASSWORD (the CLI's login-role path refuses a pooler on an IP address)."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

from wizard import settings

# the file `musekit sandbox` writes into its data dir (wizard.sandbox.server.PROFILE_FILE; a unit test
# checks they agree: this layer may not import the sandbox)
SANDBOX_PROFILE = "supabase-profile.yaml"
EXAMPLE_MIGRATION = "my_change"
# a token the shell makes: 'sbp_' + 40 hex digits, the shape the sandbox and the CLI accept
NEW_SANDBOX_TOKEN = "sbp_$(od -An -N20 -tx1 /dev/urandom | tr -d ' \\n')"


class NextStep(NamedTuple):
    description: str
    command: str


def next_steps(folder: Path, project_ref: str, *, sandbox: bool, database_url: str | None = None) -> list[NextStep]:
    """What to run next for the Muse in `folder` on project `project_ref`. `database_url` is the
    session-mode URL without a password (the sandbox steps need it to reach the database)."""
    where = NextStep("the Muse folder", f"cd {shlex.quote(str(folder))}")
    change = NextStep(
        "your next schema change: a new file in supabase/migrations", f"supabase migration new {EXAMPLE_MIGRATION}"
    )
    if not sandbox:
        return [
            where,
            NextStep(
                "link it to the project (the Supabase CLI signs in with `supabase login` or $SUPABASE_ACCESS_TOKEN)",
                f"supabase link --project-ref {project_ref}",
            ),
            change,
            NextStep(
                "apply new migrations to the linked project (Supabase CLI 2: without --remote)",
                "supabase db push --remote",
            ),
        ]
    return _sandbox_steps(where, change, project_ref, database_url)


def _sandbox_steps(where: NextStep, change: NextStep, ref: str, database_url: str | None) -> list[NextStep]:
    data = settings.sandbox_data_dir()
    profile = shlex.quote(str(data / SANDBOX_PROFILE))
    steps = [
        NextStep(
            "an access token for the sandbox, made by the shell", f"export SUPABASE_ACCESS_TOKEN={NEW_SANDBOX_TOKEN}"
        ),
        NextStep(
            "start the sandbox that holds this project, in the background, once nothing else runs it (the wizard "
            "does while open); stop it later with fg, then Ctrl-C",
            f'{musekit_command()} sandbox --data-dir {shlex.quote(str(data))} --token "$SUPABASE_ACCESS_TOKEN" --quiet &',
        ),
        where,
        NextStep(
            "link it to the project: the Supabase CLI reaches the sandbox through its profile",
            f"supabase --profile {profile} link --project-ref {ref}",
        ),
        change,
    ]
    if database_url:
        password = f'PGPASSWORD="${settings.DB_PASSWORD_ENV}"'
        remote = shlex.quote(f"--remote={database_url}")
        steps.append(
            NextStep(
                f"apply new migrations through the sandbox's pooler (PGPASSWORD: the database password, from "
                f"${settings.DB_PASSWORD_ENV} or your OS keyring, service musekit)",
                f"{password} supabase db push {remote}",
            )
        )
    return steps


def resume_command(folder: Path) -> str:
    """`musekit resume FOLDER` as it works from any shell: with this process's $MUSEKIT_DATA_DIR (a
    sandbox clone's sandbox lives there) and this installation's script."""
    override = settings.data_dir_from_env()
    env = f"{settings.DATA_DIR_ENV}={shlex.quote(str(override))} " if override else ""
    return f"{env}{musekit_command()} resume {shlex.quote(str(folder))}"


def musekit_command() -> str:
    """`musekit` if that runs this installation, else the path of this installation's script (e.g.
    .venv/bin/musekit in a checkout, where `musekit` is not on PATH)."""
    script = Path(sys.executable).with_name("musekit")
    on_path = shutil.which("musekit")
    if script.is_file() and (on_path is None or Path(on_path).resolve() != script.resolve()):
        return shlex.quote(str(script))
    return "musekit"


def render_next_steps(steps: list[NextStep], indent: str = "") -> str:
    """As a shell snippet: each step's description as a comment, then its command."""
    return "\n".join(f"{indent}# {step.description}\n{indent}{step.command}" for step in steps)
