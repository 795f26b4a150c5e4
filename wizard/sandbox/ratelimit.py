"""The documented rate limit: N requests per minute, counted per user and per project or
organization, per endpoint. Fixed one-minute windows; over the limit, 429 until the window ends."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_LIMIT = 120
WINDOW_SECONDS = 60.0

Key = tuple[str, ...]  # what one counter counts: endpoint and scope


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # whole seconds until the window ends

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]

    def exhausted(self, reset: int = 0) -> Verdict:
        return Verdict(False, self.limit, 0, reset or self.reset)


class RateLimiter:
    def __init__(
        self, limit: int = DEFAULT_LIMIT, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError(f"rate limit must be at least 1 request per minute, got {limit}")
        self.limit, self.window, self._clock = limit, window, clock
        self._windows: dict[Key, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: Key) -> Verdict:
        """Count one request for `key` and say whether it is allowed."""
        with self._lock:
            now = self._clock()
            started, count = self._current(key, now)
            count += 1
            self._windows[key] = (started, count)
            reset = self._reset(started, now)
            return Verdict(count <= self.limit, self.limit, max(self.limit - count, 0), reset)

    def peek(self, key: Key) -> Verdict:
        with self._lock:
            now = self._clock()
            started, count = self._current(key, now)
            return Verdict(count < self.limit, self.limit, max(self.limit - count, 0), self._reset(started, now))

    def _current(self, key: Key, now: float) -> tuple[float, int]:
        started, count = self._windows.get(key, (now, 0))
        return (now, 0) if now - started >= self.window else (started, count)

    def _reset(self, started: float, now: float) -> int:
        # window - elapsed, never (started + window) - now: that sum rounds, and a fresh window said 61 s
        return max(math.ceil(self.window - (now - started)), 0)
