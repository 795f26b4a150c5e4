"""What a lint is and what it reports.

A finding carries splinter's columns (name, title, level, facing, categories, description,
detail, remediation, metadata, cache_key: the rows the dashboard's Security and Performance
Advisors show), so `musekit verify --json` can be diffed against them, plus musekit's own:
the lint `id`, the `object` it is about, a `message` saying why it matters here, the `fix`
and, when it needs no decision, the `sql` that applies it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from wizard.errors import ExitCode, MusekitError

Level = Literal["ERROR", "WARN", "INFO"]
Facing = Literal["EXTERNAL", "INTERNAL"]
Category = Literal["SECURITY", "PERFORMANCE"]

DOCS = "https://supabase.com/docs/guides/database/database-linter?lint="


class Finding(BaseModel):
    """One problem, as a splinter row plus what musekit adds."""

    model_config = ConfigDict(frozen=True)

    id: str  # splinter's number ("0013") or a musekit id ("musekit_0013_strict")
    name: str
    title: str
    level: Level
    facing: Facing
    categories: tuple[Category, ...]
    description: str
    detail: str
    remediation: str | None
    metadata: dict[str, JsonValue]
    cache_key: str
    object: str  # what it is about, e.g. "public.ledger"
    message: str
    fix: str
    sql: str | None = None

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.id, self.object, self.message, self.cache_key)

    def __str__(self) -> str:
        return f"{self.level} {self.id} {self.name} {self.object}: {self.message}"


@dataclass(frozen=True)
class Lint:
    """A lint: splinter's (under its number) or musekit's own (a `musekit_` id).

    `counts=False`: reported, but never makes a database unclean (0005 unused_index fires on
    every index of a database that has not served queries yet)."""

    id: str
    name: str
    title: str
    level: Level
    categories: tuple[Category, ...]
    description: str
    remediation: str | None = None  # None: splinter's documentation page for the lint
    facing: Facing = "EXTERNAL"
    counts: bool = True

    @property
    def docs(self) -> str | None:
        if self.remediation is not None:
            return self.remediation
        return f"{DOCS}{self.id}_{self.name}" if self.id[0].isdigit() else None

    def finding(
        self,
        *,
        obj: str,
        detail: str,
        metadata: dict[str, JsonValue],
        cache_key: str,
        message: str,
        fix: str,
        sql: str | None = None,
    ) -> Finding:
        return Finding(
            id=self.id,
            name=self.name,
            title=self.title,
            level=self.level,
            facing=self.facing,
            categories=self.categories,
            description=self.description,
            detail=detail,
            remediation=self.docs,
            metadata=metadata,
            cache_key=cache_key,
            object=obj,
            message=message,
            fix=fix,
            sql=sql,
        )


@dataclass(frozen=True)
class NotApplicable:
    """A lint that cannot run on this database, and why (e.g. pg_graphql is not installed)."""

    lint: Lint
    reason: str


@dataclass(frozen=True)
class Report:
    """Everything one run found. `findings` count against a clean database; `advisory` are
    reported only (see Lint.counts); `exposed` are the schemas taken as the Data API's."""

    findings: list[Finding]
    advisory: list[Finding]
    not_applicable: list[NotApplicable]
    exposed: tuple[str, ...]
    exposed_from: str  # where `exposed` came from, e.g. "--schemas" or "pgrst.db_schemas"
    lints: int  # how many lints ran


class VerifyError(MusekitError):
    """Base class; messages never contain a password."""


class UnknownSchemaError(VerifyError):
    exit_code = ExitCode.USAGE
