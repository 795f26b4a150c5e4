"""Muse templates: `muse.toml` + `migrations/<14-digit>_<name>.sql`, found by slug in the template folders
(shipped with musekit, then the user's own in musekit's data dir, then any `--templates DIR`) or by path.

Folders other than the shipped one are untrusted: each template in them goes through the same checks
(manifest, versions, core version) and one that fails is left out with a warning, as is one whose slug
an earlier folder already has (the shipped templates always win)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wizard.errors import ExitCode, MusekitError
from wizard.migrations import MigrationError, MigrationFile, load_folder
from wizard.settings import core_migrations_dir, muses_root, user_templates_dir

SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
SHIPPED = "shipped"
YOURS = "yours"
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
    source: str = ""  # "shipped", "yours" (the user's template folder) or the folder it was found in

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def ref(self) -> str:
        """What a clone records and `load_template` takes back: the slug if shipped, else the path."""
        return self.slug if self.shipped else str(self.path)


@dataclass(frozen=True)
class TemplateFolder:
    """A folder of templates (one sub-folder each) and how listings name it."""

    root: Path
    source: str


@dataclass
class TemplateCatalog:
    """The templates of every folder, and why any template found was left out."""

    templates: list[MuseTemplate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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


def load_template(
    ref: str | Path, core: list[MigrationFile] | None = None, *, extra_dirs: Sequence[Path] = ()
) -> MuseTemplate:
    """A template by slug (the first template folder that has it: shipped, yours, `extra_dirs`)
    or by path (a folder of the user's own)."""
    path, source = _resolve(ref, extra_dirs)
    return _load(path, source, core)


def _load(path: Path, source: str, core: list[MigrationFile] | None) -> MuseTemplate:
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
    return MuseTemplate(
        slug=path.name, path=path, manifest=manifest, files=tuple(files), shipped=source == SHIPPED, source=source
    )


def template_folders(extra_dirs: Sequence[Path] = ()) -> list[TemplateFolder]:
    """Where templates are looked up, in order: shipped, the user's own, then each `extra_dirs`."""
    folders = [TemplateFolder(muses_root(), SHIPPED), TemplateFolder(user_templates_dir(), YOURS)]
    for extra in extra_dirs:
        root = Path(extra).expanduser()
        if not root.is_dir():
            raise TemplateError(f"--templates {extra}: no such folder. Pass a folder that holds template folders.")
        if (root / "muse.toml").is_file():
            raise TemplateError(
                f"--templates {extra}: this folder is a template itself; pass the folder that holds it "
                f"({root.absolute().parent}), or use its path directly."
            )
        folders.append(TemplateFolder(root.absolute(), str(extra)))
    return folders


def _resolve(ref: str | Path, extra_dirs: Sequence[Path] = ()) -> tuple[Path, str]:
    text = str(ref)
    as_path = Path(text).expanduser()
    if "/" in text or text.startswith(".") or as_path.is_dir():
        if not as_path.is_dir():
            raise TemplateError(f"{as_path}: no such template folder.")
        path = as_path.resolve()
        yours = path.parent == user_templates_dir().expanduser().resolve()
        return path, YOURS if yours else str(path.parent)
    if not SLUG.match(text):
        raise TemplateError(f"{text!r} is neither a template slug nor an existing folder. See `musekit muses list`.")
    folders = template_folders(extra_dirs)
    for folder in folders:
        if (folder.root / text / "muse.toml").is_file():
            return folder.root / text, folder.source
    for folder in folders:
        if (folder.root / text).is_dir():  # without muse.toml: loading it says what is missing
            return folder.root / text, folder.source
    known = "; ".join(
        f"{folder.source}: {', '.join(_slugs(folder.root)) or 'none'}"
        for folder in folders
        if folder.source == SHIPPED or _slugs(folder.root)
    )
    raise TemplateError(
        f"no Muse template named {text!r} ({known}). To use a folder of your own, pass its path (e.g. ./{text})."
    )


def _slugs(root: Path) -> list[str]:
    """Sub-folders of `root` that hold a muse.toml (hidden ones, such as a scaffold's staging folder, are skipped)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".") and (p / "muse.toml").is_file())


def shipped_slugs() -> list[str]:
    return _slugs(muses_root())


def find_templates(extra_dirs: Sequence[Path] = ()) -> TemplateCatalog:
    """Every template of every folder (`template_folders`), each marked with its source. A broken
    shipped template raises (the installation is broken); any other is left out with a warning."""
    core = core_files()
    catalog = TemplateCatalog()
    seen: dict[str, MuseTemplate] = {}
    for folder in template_folders(extra_dirs):
        for slug in _slugs(folder.root):
            path = folder.root / slug
            if slug in seen:
                first = seen[slug]
                catalog.warnings.append(
                    f"{path} is not listed: the {first.source} template {slug!r} ({first.path}) has the same slug "
                    f"and comes first; rename this folder to list it"
                )
                continue
            if not SLUG.match(slug):
                catalog.warnings.append(
                    f"{path} is not listed: {slug!r} is not a template slug (lowercase letters, digits, "
                    f"'-' and '_', starting with a letter); rename the folder"
                )
                continue
            try:
                template = _load(path, folder.source, core)
            except TemplateError as exc:
                if folder.source == SHIPPED:
                    raise
                catalog.warnings.append(f"{path} is not listed: {exc}")
                continue
            seen[slug] = template
            catalog.templates.append(template)
    return catalog


def list_templates(extra_dirs: Sequence[Path] = ()) -> list[MuseTemplate]:
    return find_templates(extra_dirs).templates
