"""What a Muse's project name may be, and the folder it gets by default. The name is untrusted
input: it reaches the Management API, the journal, the README and a path on disk."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_PROJECT_NAME = 256  # what the Management API accepts (its OpenAPI document: maxLength 256)
_SLUG_JUNK = re.compile(r"[^a-z0-9._-]+")


def project_name_problem(name: str) -> str | None:
    """Why `name` can't be a project name, or None. Said so a person can fix it."""
    if not name.strip():
        return "The project name is empty; enter a name such as my-muse."
    if name != name.strip():
        return "The project name starts or ends with spaces; remove them."
    if len(name) > MAX_PROJECT_NAME:
        return f"The project name is {len(name)} characters; Supabase allows at most {MAX_PROJECT_NAME}."
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return "The project name contains a control character (a newline, a tab …); use letters, digits, - and spaces."
    if "/" in name or "\\" in name:
        return "The project name contains / or \\; a name is not a path (use --dir to choose the folder)."
    if not folder_slug(name):
        return "The project name needs at least one ASCII letter or digit (its folder is named after it)."
    return None


def folder_slug(name: str) -> str:
    """A folder name made from a project name: lowercase letters, digits, '.', '_' and '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _SLUG_JUNK.sub("-", ascii_name).strip("-.")


def default_folder(name: str, base: Path | None = None) -> Path:
    """`base/<slug>`: always a direct child of `base` (the current folder by default)."""
    return (base or Path.cwd()) / folder_slug(name)
