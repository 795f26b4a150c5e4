"""The sandbox's rate limiter: the x-ratelimit-reset it reports never exceeds the window."""

from __future__ import annotations

import random

from wizard.sandbox.ratelimit import RateLimiter

# A clock reading where `now + 60.0 - now` rounds to 60.00000000000003 (a fresh window said 61).
ROUNDS_UP = 255.05837963057942


def test_a_fresh_window_resets_in_sixty_seconds_not_sixty_one():
    verdict = RateLimiter(clock=lambda: ROUNDS_UP).hit(("GET /v1/organizations",))
    assert (verdict.allowed, verdict.remaining, verdict.reset) == (True, 119, 60)


def test_the_reset_stays_within_the_window_at_any_clock_reading():
    rng = random.Random(7)
    readings = [rng.uniform(0, 1e6) for _ in range(20_000)] + [ROUNDS_UP]
    for now in readings:
        limiter = RateLimiter(clock=lambda now=now: now)
        assert 0 < limiter.hit(("k",)).reset <= 60 and 0 < limiter.peek(("k",)).reset <= 60, now


def test_the_reset_counts_down_through_the_window_and_a_new_window_starts_after_it():
    now = [ROUNDS_UP]
    limiter = RateLimiter(limit=2, clock=lambda: now[0])
    assert limiter.hit(("k",)).reset == 60
    now[0] += 59.5
    second, third = limiter.hit(("k",)), limiter.hit(("k",))
    assert (second.allowed, second.reset, third.allowed, third.remaining) == (True, 1, False, 0)
    now[0] += 0.5
    assert (limiter.hit(("k",)).allowed, limiter.peek(("k",)).reset) == (True, 60)
