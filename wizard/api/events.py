"""What the Management API client reports while it works (stdlib only). One callback receives
these; `str(event)` is a line the CLI can print and the TUI can show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimited:
    wait_s: float
    retry: int  # 1 for the first retry after a 429
    max_retries: int
    request: str  # "GET /v1/projects"
    paced: bool = False  # musekit waits on its own to stay within the documented budget (no 429 yet)

    def __str__(self) -> str:
        if self.paced:
            return (
                f"pacing {self.request} to stay within the API's requests per minute for this endpoint: "
                f"waiting {self.wait_s:.0f} s"
            )
        return (
            f"Supabase rate limit reached on {self.request}; waiting {self.wait_s:.0f} s as the API asks, "
            f"then retrying ({self.retry} of {self.max_retries})."
        )


@dataclass(frozen=True)
class Retrying:
    attempt: int  # the attempt about to be made (2 for the first retry)
    max_attempts: int
    wait_s: float
    why: str
    request: str

    def __str__(self) -> str:
        return (
            f"{self.request} failed ({self.why}); retrying in {self.wait_s:.1f} s "
            f"(attempt {self.attempt} of {self.max_attempts})."
        )


@dataclass(frozen=True)
class HealthChanged:
    """The waiting for a new project: its state changed, or (old == new) it is still the same after a while.
    `elapsed_s` and `timeout_s` (left out of equality) say how long it has been and how long musekit waits."""

    ref: str
    old: str | None  # None for the first observation
    new: str
    detail: str = ""
    elapsed_s: float | None = field(default=None, compare=False)
    timeout_s: float | None = field(default=None, compare=False)

    @property
    def still(self) -> bool:
        return self.old == self.new

    def __str__(self) -> str:
        if self.still:
            change = f"still {self.new}"
        else:
            change = self.new if self.old is None else f"{self.old} -> {self.new}"
        waited = ""
        if self.elapsed_s is not None:
            limit = f" of {duration(self.timeout_s)}" if self.timeout_s is not None else ""
            waited = f" [{duration(self.elapsed_s)}{limit}]"
        return f"project {self.ref}: {change}" + (f" ({self.detail})" if self.detail else "") + waited


@dataclass(frozen=True)
class ApiWarning:
    text: str

    def __str__(self) -> str:
        return self.text


ApiEvent = RateLimited | Retrying | HealthChanged | ApiWarning
EventCallback = Callable[[ApiEvent], None]


def duration(seconds: float) -> str:
    """12 s, 1 min 05 s, 10 min."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min" + (f" {rest:02d} s" if rest else "")
