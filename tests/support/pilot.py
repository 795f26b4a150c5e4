"""Driving the wizard from Pilot tests: wait for a state, name the screen, read what the terminal shows,
and type into forms where the typing itself is not under test."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input


async def wait_for(pilot: Pilot[object], predicate: Callable[[], object], what: str, timeout: float = 90.0) -> None:
    """Poll `predicate` (the app keeps running meanwhile) until it holds; on timeout, say what was awaited
    and show the screen."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what}; screen is {pilot.app.screen!r}\n{screen_text(pilot.app)}"
            )
        await pilot.pause(0.05)


def on(app: App[object], name: str) -> bool:
    return type(app.screen).__name__ == name


def screen_text(app: App[object]) -> str:
    """What the terminal shows (the SVG export's text, joined)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg))).replace("\xa0", " ")


def static_text(app: App[object], selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def fill(pilot: Pilot[object], text: str, timeout: float = 30.0) -> None:
    """Type `text` into the focused Input: all but the last character inserted at once (as the Input's
    key handler inserts a key), handled, then the last one pressed. Pilot.press waits for idle twice
    per key, 40 ms to 2 s a character; tests of typing itself (fast keys, Tab races) press every key."""
    deadline = time.monotonic() + timeout
    while not isinstance(pilot.app.focused, Input):
        if time.monotonic() > deadline:
            raise AssertionError(f"no focused field to type {text!r} into; focus is on {pilot.app.focused!r}")
        await pilot.pause(0.02)
    pilot.app.focused.insert_text_at_cursor(text[:-1])
    await pilot.pause()  # as after a key: what the insert set off is handled before the next key
    await pilot.press(text[-1])
