"""Build a new Muse template from a spec: `muse.toml` + `migrations/<timestamp>_<slug>.sql`.

`musekit muses new` and the TUI's builder both fill a `MuseSpec`, ask `validate_spec` for
problems (each names its field, e.g. `tables[1].columns[0].name`), and call `write_template`."""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from wizard.errors import ExitCode, MusekitError
from wizard.scaffold.checks import core_names, validate_spec
from wizard.scaffold.render import render_manifest, render_migration
from wizard.scaffold.spec import (
    CURATED_TYPES,
    ColumnSpec,
    EnumSpec,
    MuseSpec,
    SpecError,
    SpecProblem,
    TableSpec,
    column_types,
)

__all__ = [
    "CURATED_TYPES",
    "ColumnSpec",
    "EnumSpec",
    "MuseSpec",
    "ScaffoldError",
    "SpecError",
    "SpecProblem",
    "TableSpec",
    "column_types",
    "load_spec",
    "migration_version",
    "render_manifest",
    "render_migration",
    "validate_spec",
    "write_template",
]

VERSION_FORMAT = "%Y%m%d%H%M%S"


class ScaffoldError(MusekitError):
    exit_code = ExitCode.USAGE

    """The template can't be written where asked (the message says why and what to do)."""


def migration_version(now: datetime | None = None) -> str:
    """A 14-digit UTC timestamp: `now`, or one second after the last core migration if `now`
    does not sort after it (Muse migrations always run after the core)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    last_core = datetime.strptime(core_names().core_version, VERSION_FORMAT).replace(tzinfo=UTC)
    return max(moment, last_core + timedelta(seconds=1)).strftime(VERSION_FORMAT)


def write_template(spec: MuseSpec, dest: Path, *, force: bool = False, now: datetime | None = None) -> Path:
    """Write the template into `dest` (muse.toml + migrations/<version>_<slug>.sql) and return it.

    All or nothing: the files are written to a temporary folder beside `dest`, loaded back as a
    template, then renamed into place. An existing `dest` is refused unless `force`, and even
    then only replaced if it is empty or a Muse template (has a muse.toml)."""
    from wizard.muses import TemplateError, load_template

    dest = Path(dest).expanduser().absolute()
    sql, manifest = render_migration(spec), render_manifest(spec)  # SpecError before touching the disk
    _check_destination(dest, force)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".new", dir=dest.parent))
    try:
        (staging / "migrations").mkdir()
        _write(staging / "muse.toml", manifest)
        _write(staging / "migrations" / f"{migration_version(now)}_{spec.slug}.sql", sql)
        try:
            load_template(staging)
        except TemplateError as exc:  # a musekit bug: the generated template must load
            raise ScaffoldError(f"the generated template does not load ({exc}); nothing was written") from None
        os.chmod(staging, 0o755)
        _move_into_place(staging, dest, force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def _check_destination(dest: Path, force: bool) -> None:
    if not dest.exists() and not dest.is_symlink():
        return
    if not dest.is_dir():
        raise ScaffoldError(
            f"{dest} exists and is not a folder; choose another place for the template "
            f"(--dir) or another slug. Nothing was written."
        )
    if not force:
        raise ScaffoldError(
            f"{dest} already exists; nothing was written. Choose another folder (--dir) or "
            f"slug, or pass --force to replace the template there."
        )
    if any(dest.iterdir()) and not (dest / "muse.toml").is_file():
        raise ScaffoldError(
            f"{dest} is not empty and holds no muse.toml, so it is not a Muse template; "
            f"refusing to replace it even with --force. Nothing was written."
        )


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _move_into_place(staging: Path, dest: Path, force: bool) -> None:
    """Rename `staging` to `dest`; with `force`, the old folder is moved aside first and deleted
    only once the new one is in place (restored if the rename fails)."""
    old = None
    if force and dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.rename(dest, old)
    try:
        os.rename(staging, dest)
    except OSError as exc:
        if old is not None:
            os.rename(old, dest)
        raise ScaffoldError(f"could not move the template into {dest}: {exc.strerror}. Nothing was written.") from None
    _fsync_dir(dest.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_spec(path: Path) -> MuseSpec:
    """A MuseSpec from a TOML spec file with MuseSpec's fields (slug, name, description,
    ownership, user_view, [[enums]], [[tables]] with [[tables.columns]]).

    Raises SpecError naming each field that has the wrong shape; the rules are checked by
    `validate_spec` (and again by `write_template`)."""
    path = Path(path)
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError([SpecProblem(field="spec", message=f"{path}: no such file")], where) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError([SpecProblem(field="spec", message=f"not valid TOML: {exc}")], where) from None
    try:
        return MuseSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError([SpecProblem(field=_field(e["loc"]), message=e["msg"]) for e in exc.errors()], where) from None


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "spec"
