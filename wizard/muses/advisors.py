"""The platform's own advisors (GET /v1/projects/{ref}/advisors/security|performance) beside musekit's
lints: what the dashboard shows for the project, marked with its source, without repeating a finding
both report (splinter's cache_key is the same on both sides)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.api import AdvisorLint, ManagementAPI

LEVELS = ("ERROR", "WARN", "INFO")


@dataclass(frozen=True)
class PlatformAdvice:
    """The platform's advisors for one project: `lints` only it reports, `agreed` the cache keys both report."""

    lints: list[AdvisorLint]
    agreed: frozenset[str]

    def counts(self) -> dict[str, int]:
        counts = {level: 0 for level in LEVELS}
        for lint in self.lints:
            counts[lint.level] = counts.get(lint.level, 0) + 1
        return counts

    def summary(self) -> str:
        counts = ", ".join(f"{n} {level}" for level, n in self.counts().items() if n)
        agreed = f"; {len(self.agreed)} also found by musekit" if self.agreed else ""
        return f"platform advisors: {counts or 'nothing more'}{agreed}"


async def platform_advice(api: ManagementAPI, ref: str, local_cache_keys: Iterable[str] = ()) -> PlatformAdvice:
    """Both advisors of project `ref`, each lint once, minus what musekit's own lints already report."""
    local = set(local_cache_keys)
    seen: dict[str, AdvisorLint] = {}
    for kind in ("security", "performance"):
        for lint in await api.advisors(ref, kind):
            seen.setdefault(lint.cache_key or f"{lint.name}:{lint.detail}", lint)
    agreed = frozenset(key for key in seen if key in local)
    only_platform = [lint for key, lint in seen.items() if key not in local]
    order = {level: i for i, level in enumerate(LEVELS)}
    only_platform.sort(key=lambda lint: (order.get(lint.level, len(LEVELS)), lint.name, lint.cache_key))
    return PlatformAdvice(only_platform, agreed)
