"""The registry of clones in the user's data dir, so the wizard can offer to resume them.
Entries whose folder is gone are reported as such, never crashed on. No secrets here."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Concatenate

from pydantic import BaseModel, TypeAdapter

from wizard.clone.journal import Journal, JournalError, load_journal, now
from wizard.fs import write_atomic
from wizard.settings import data_dir


class RegistryEntry(BaseModel):
    clone_id: str
    folder: str
    name: str
    muse: str
    registered_at: datetime


_ENTRIES = TypeAdapter(list[RegistryEntry])


@dataclass
class CloneListing:
    entry: RegistryEntry
    journal: Journal | None
    problem: str | None  # "folder is gone", or why the journal can't be read


def _path() -> Path:
    return data_dir() / "clones.json"


def _read(path: Path, repair: bool = False) -> list[RegistryEntry]:
    try:
        return _ENTRIES.validate_json(path.read_bytes())
    except FileNotFoundError:
        return []
    except ValueError:
        # A damaged registry only loses the list of clones to offer; each clone's own journal is intact.
        if repair:
            os.replace(path, path.with_suffix(".damaged.json"))
        return []


def _locked[**P, R](fn: Callable[Concatenate[Path, P], R]) -> Callable[P, R]:
    """`fn(path, ...)` under an exclusive lock on the registry at `path`."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        path = _path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return fn(path, *args, **kwargs)

    return wrapper


@_locked
def register(path: Path, folder: Path, journal: Journal) -> None:
    entries = [e for e in _read(path, repair=True) if e.clone_id != journal.clone_id]
    entries.append(
        RegistryEntry(
            clone_id=journal.clone_id,
            folder=str(Path(folder).resolve()),
            name=journal.inputs.name,
            muse=journal.inputs.muse,
            registered_at=now(),
        )
    )
    write_atomic(path, _ENTRIES.dump_json(entries, indent=2) + b"\n", mode=0o600)


@_locked
def forget(path: Path, clone_id: str) -> None:
    entries = [e for e in _read(path, repair=True) if e.clone_id != clone_id]
    write_atomic(path, _ENTRIES.dump_json(entries, indent=2) + b"\n", mode=0o600)


def list_clones() -> list[CloneListing]:
    listings = []
    for entry in _read(_path()):
        folder = Path(entry.folder)
        if not folder.is_dir():
            listings.append(CloneListing(entry, None, f"folder is gone: {folder}"))
            continue
        try:
            listings.append(CloneListing(entry, load_journal(folder), None))
        except JournalError as exc:
            listings.append(CloneListing(entry, None, str(exc)))
    return sorted(listings, key=lambda c: c.entry.registered_at, reverse=True)
