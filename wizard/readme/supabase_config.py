"""`supabase/config.toml` in a Muse folder, so the folder is a complete Supabase project (as after
`supabase init`): the official CLI loads it for `db push`, `migration list` and friends.

The file musekit writes holds only `project_id`, the project's ref. A config.toml that is already
there is the user's: it is never rewritten, and one naming another project_id is reported."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wizard.errors import UsageError

CONFIG_FILE = Path("supabase") / "config.toml"
# the shape of a Supabase project ref (wizard.api.models.PROJECT_REF_PATTERN; a unit test checks they agree)
PROJECT_REF_RE = re.compile(r"[a-z]{20}")
HEADER = "# Supabase CLI configuration (https://supabase.com/docs/guides/local-development/cli/config), written by musekit.\n"


class InvalidProjectRef(UsageError):
    """Not the shape of a Supabase project ref: nothing was written."""


@dataclass(frozen=True)
class SupabaseConfigResult:
    written: bool
    message: str
    conflict: bool = False  # one is there that names another project or cannot be read


def write_supabase_config(folder: Path, project_ref: str) -> SupabaseConfigResult:
    """Write FOLDER/supabase/config.toml with `project_id = "<project_ref>"` unless a config.toml is
    there; then leave it untouched, and say so if it names another project_id or can't be read."""
    from wizard.fs import write_atomic

    if not PROJECT_REF_RE.fullmatch(project_ref):
        raise InvalidProjectRef(
            f"{project_ref!r} is not a Supabase project ref (20 lowercase letters): {CONFIG_FILE} was not written."
        )
    path = Path(folder) / CONFIG_FILE
    if path.exists() or path.is_symlink():
        return _existing(path, project_ref)
    write_atomic(path, f'{HEADER}project_id = "{project_ref}"\n')  # checked above: 20 lowercase letters
    return SupabaseConfigResult(True, f"wrote {CONFIG_FILE} (project_id = {project_ref})")


def _existing(path: Path, project_ref: str) -> SupabaseConfigResult:
    try:
        current = tomllib.loads(path.read_text(encoding="utf-8")).get("project_id")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return SupabaseConfigResult(
            False,
            f"{path} is there but can't be read as TOML ({exc}); left as it is — the Supabase CLI needs it valid",
            conflict=True,
        )
    if current == project_ref:
        return SupabaseConfigResult(False, f"{CONFIG_FILE} already names project {project_ref}")
    named = f"project_id {current!r}" if current is not None else "no project_id"
    return SupabaseConfigResult(
        False,
        f"{path} has {named}, not {project_ref!r}: left as it is (it is yours; project_id only names the "
        f"local stack, the CLI links to {project_ref} with `supabase link`)",
        conflict=True,
    )
