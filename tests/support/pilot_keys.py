"""Typing into the wizard's forms from a Pilot test where the typing itself is not under test."""

from __future__ import annotations

import time

from textual.pilot import Pilot
from textual.widgets import Input


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
