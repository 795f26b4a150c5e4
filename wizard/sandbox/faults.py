"""Failure modes the sandbox injects on request: set at start (`musekit sandbox` flags, or
`start_sandbox(faults=...)`) and changed at runtime (`SandboxHandle.set_faults(...)` or
`PUT /_sandbox/faults`). Thread-safe: tests change them while the server thread reads them."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from http import HTTPStatus
from typing import Any, Literal


@dataclass(frozen=True)
class Faults:
    """All off by default. Counters (`error_burst`, `drop_after_create`, `error_after_create`,
    `init_failed`) are consumed as they fire; `rate_limit_every` counts API requests from the
    moment it is set. `slow_health` and `health_not_found` apply to projects created while set."""

    rate_limit_every: int = 0  # every Nth API request answers 429 (0: off)
    rate_limit_reset: int = 0  # x-ratelimit-reset on those 429s (0: the real window's remaining seconds)
    error_burst: int = 0  # the next K API requests answer `error_status` (5xx) without effect
    error_status: int = 500
    latency: float = 0.0  # seconds added before every API answer
    drop_after_create: int = 0  # the next N POST /v1/projects create the project, then drop the connection unanswered
    init_failed: int = 0  # the next N created projects end INIT_FAILED instead of ACTIVE_HEALTHY
    slow_health: float = 0.0  # new projects stay COMING_UP (health: not healthy) this many seconds (0: off)
    error_after_create: int = 0  # the next N POST /v1/projects create the project, then answer `error_status`
    # while a new project is COMING_UP /health answers 404, and for this many seconds after it reads
    # ACTIVE_HEALTHY the pooler reports UNHEALTHY {"error":"not found"} and refuses logins (0: off)
    health_not_found: float = 0.0
    foreign_projects: bool = False  # the account also holds projects in odd states; regions list an unknown code
    login_role_ttl: int = 0  # seconds a temporary login role's password lives (0: the platform's 300)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"fault {f.name} must be true or false, got {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"fault {f.name} must be a number, got {value!r}")
            if value < 0:
                raise ValueError(f"fault {f.name} must be >= 0, got {value!r}")
            if f.type == "int" and not isinstance(value, int):
                raise ValueError(f"fault {f.name} must be a whole number, got {value!r}")
        if not 500 <= self.error_status <= 599:
            raise ValueError(f"fault error_status must be a 5xx status, got {self.error_status}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Faults:
        """From parsed JSON: the values are checked by `__post_init__`."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)

    def to_dict(self) -> dict[str, int | float | bool]:
        return asdict(self)


@dataclass(frozen=True)
class RequestFault:
    """What to do to one API request before it reaches its handler (latency is applied apart,
    before authentication)."""

    status: int | None = None  # 429 or 5xx; None: answer normally
    reset: int = 0  # for a 429: the x-ratelimit-reset to send (0: the limiter's)

    @property
    def message(self) -> str:
        if self.status == 429:
            return "ThrottlerException: Too Many Requests"  # the NestJS default the real API sends
        return HTTPStatus(self.status).phrase if self.status else ""


class FaultInjector:
    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._requests = 0

    def get(self) -> Faults:
        with self._lock:
            return self._faults

    def set(self, faults: Faults | None = None, **changes: float | bool) -> Faults:
        """Replace all faults with `faults`, or change only the named ones."""
        with self._lock:
            new = faults if faults is not None else Faults.from_dict(self._faults.to_dict() | changes)
            if new.rate_limit_every != self._faults.rate_limit_every or faults is not None:
                self._requests = 0
            self._faults = new
            return new

    def on_api_request(self) -> RequestFault:
        """Count one API request and decide its fault (a burst error first, then every-Nth 429)."""
        with self._lock:
            f = self._faults
            self._requests += 1
            if f.error_burst > 0:
                self._faults = replace(f, error_burst=f.error_burst - 1)
                return RequestFault(f.error_status)
            if f.rate_limit_every and self._requests % f.rate_limit_every == 0:
                return RequestFault(429, f.rate_limit_reset)
            return RequestFault()

    def take(self, counter: Literal["drop_after_create", "error_after_create", "init_failed"]) -> bool:
        """Consume one from a counter; True if it fired."""
        with self._lock:
            left = getattr(self._faults, counter)
            if left <= 0:
                return False
            self._faults = replace(self._faults, **{counter: left - 1})
            return True

    def slow_health(self) -> float:
        return self.get().slow_health
