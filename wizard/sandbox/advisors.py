"""The advisors endpoints' lint rows, from the lints `musekit verify` runs (wizard.lints): what the
platform runs as splinter, the sandbox runs as those checks. Only splinter's lints are served
(musekit's stricter `musekit_…` twins are not the platform's), whether or not they count
against a clean database locally (0005 unused_index is reported here, as the platform does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from wizard.lints import Finding, Report

Category = Literal["SECURITY", "PERFORMANCE"]
ROW_FIELDS = (
    "name",
    "title",
    "level",
    "facing",
    "categories",
    "description",
    "detail",
    "remediation",
    "metadata",
    "cache_key",
)  # splinter's columns, V1ProjectAdvisorsResponse's lint items


def lint_rows(report: Report, category: Category) -> list[dict[str, object]]:
    from wizard.lints import SPLINTER_LINTS

    splinter = {lint.id for lint in SPLINTER_LINTS}
    found = sorted(report.findings + report.advisory, key=lambda f: f.sort_key())
    return [_row(f) for f in found if f.id in splinter and category in f.categories]


def _row(f: Finding) -> dict[str, object]:
    row: dict[str, object] = f.model_dump(mode="json", include=set(ROW_FIELDS))
    row["categories"] = list(f.categories)
    return {name: row[name] for name in ROW_FIELDS if row.get(name) is not None}
