"""Muse templates: `muse.toml` + `migrations/<14-digit>_<name>.sql`, shipped (by slug) or the user's own (by path)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wizard.errors import ExitCode, MusekitError
from wizard.migrations import MigrationError, MigrationFile, load_folder
from wizard.settings import core_migrations_dir, muses_root

SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
VERSION14 = re.compile(r"^[0-9]{14}$")


class TemplateError(MusekitError):
    exit_code = ExitCode.USAGE

    """A template that can't be used: the message names the file and what to fix."""


class MuseManifest(BaseModel):
    """The `muse.toml` of a template."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=200, pattern=r"^[^\n]*$")
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")
    core_version: str = Field(pattern=r"^[0-9]{14}$")
    schemas: list[str] = Field(default_factory=list, description="schemas of its own the Muse may create objects in")
    core_data_writes: list[str] = Field(
        default_factory=list,
        description='core tables whose rows the Muse writes (seeds), schema-qualified: ["public.feature_flags"]',
    )


@dataclass(frozen=True)
class MuseTemplate:
    slug: str
    path: Path
    manifest: MuseManifest
    files: tuple[MigrationFile, ...]
    shipped: bool

    @property
    def name(self) -> str:
        return self.manifest.name


def core_files() -> list[MigrationFile]:
    return load_folder(core_migrations_dir())


def _read_manifest(path: Path) -> MuseManifest:
    toml_path = path / "muse.toml"
    if not toml_path.is_file():
        raise TemplateError(
            f"{toml_path}: missing. A Muse template folder needs muse.toml (name, description, "
            f"version, core_version) and a migrations/ folder; `musekit muses new` creates both."
        )
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{toml_path}: not valid TOML: {exc}") from None
    try:
        return MuseManifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'muse.toml'}: {e['msg']}" for e in exc.errors())
        raise TemplateError(f"{toml_path}: {problems}") from None


def check_versions(muse_files: list[MigrationFile], core: list[MigrationFile], where: Path) -> None:
    """Muse files use 14-digit versions that sort after every core version and collide with none."""
    core_versions = {f.version for f in core}
    last_core = max(core_versions) if core_versions else ""
    for f in muse_files:
        if not VERSION14.match(f.version):
            raise TemplateError(
                f"{f.path}: the version must be a 14-digit UTC timestamp (YYYYMMDDHHMMSS), "
                f"got {f.version!r}. Rename the file."
            )
        if f.version in core_versions:
            raise TemplateError(
                f"{f.path}: version {f.version} collides with a core migration. Give it a later timestamp."
            )
        if f.version <= last_core:
            raise TemplateError(
                f"{f.path}: version {f.version} sorts before the last core migration ({last_core}); "
                f"Muse migrations run after the core, so rename it with a later timestamp."
            )
    if not muse_files:
        raise TemplateError(
            f"{where / 'migrations'}: no <version>_<name>.sql files. A Muse adds at least one migration."
        )


def check_core_data_writes(manifest: MuseManifest, core: list[MigrationFile], toml_path: Path) -> None:
    """Every `core_data_writes` entry names a table the core migrations create."""
    if not manifest.core_data_writes:
        return
    from wizard.sql import SqlSource, parse_sql_files

    tables = {t.qualified_name for t in parse_sql_files([SqlSource(str(f.path), f.text) for f in core]).tables}
    for entry in manifest.core_data_writes:
        if entry not in tables:
            raise TemplateError(
                f"{toml_path}: core_data_writes entry {entry!r} is not a core table. List the core tables "
                f"the Muse writes rows into, schema-qualified (core tables: {', '.join(sorted(tables))})."
            )


def load_template(ref: str | Path, core: list[MigrationFile] | None = None) -> MuseTemplate:
    """A template by slug (shipped) or by path (a folder of the user's own)."""
    path, shipped = _resolve(ref)
    manifest = _read_manifest(path)
    try:
        files = load_folder(path / "migrations")
    except MigrationError as exc:
        raise TemplateError(str(exc)) from None
    core = core if core is not None else core_files()
    check_versions(files, core, path)
    check_core_data_writes(manifest, core, path / "muse.toml")
    available = max(f.version for f in core)
    if manifest.core_version > available:
        raise TemplateError(
            f"{path / 'muse.toml'}: needs core_version {manifest.core_version}, but this musekit ships "
            f"core migrations up to {available}. Upgrade musekit, or lower core_version if the "
            f"template does not need the newer core."
        )
    return MuseTemplate(slug=path.name, path=path, manifest=manifest, files=tuple(files), shipped=shipped)


def _resolve(ref: str | Path) -> tuple[Path, bool]:
    text = str(ref)
    as_path = Path(text).expanduser()
    if "/" in text or text.startswith(".") or as_path.is_dir():
        if not as_path.is_dir():
            raise TemplateError(f"{as_path}: no such template folder.")
        return as_path.resolve(), False
    if not SLUG.match(text):
        raise TemplateError(
            f"{text!r} is neither a shipped template slug nor an existing folder. See `musekit muses list`."
        )
    path = muses_root() / text
    if not path.is_dir():
        known = ", ".join(shipped_slugs()) or "none"
        raise TemplateError(
            f"no shipped Muse template named {text!r} (shipped: {known}). "
            f"To use a folder of your own, pass its path (e.g. ./{text})."
        )
    return path, True


def shipped_slugs() -> list[str]:
    root = muses_root()
    return sorted(p.name for p in root.iterdir() if (p / "muse.toml").is_file()) if root.is_dir() else []


def list_templates() -> list[MuseTemplate]:
    core = core_files()
    return [load_template(slug, core) for slug in shipped_slugs()]
