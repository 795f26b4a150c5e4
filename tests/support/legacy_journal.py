"""A clone journal as musekit wrote it before the verify step recorded its findings as data."""

from __future__ import annotations

import json

from wizard.clone import STEPS, CloneInputs


def inputs() -> CloneInputs:
    return CloneInputs(
        muse="socioscheduler", name="my-muse", organization="acme", region="us-east-1", api_url="http://127.0.0.1:1"
    )


def old_journal_json(*, note: str | None = None, error: str | None = None) -> str:
    """A finished clone's journal (`note`: the verify step's), or one whose verify step failed with `error`,
    as written before the step recorded data: no `verify` in any step."""
    step = {"status": "done", "started_at": None, "finished_at": "2026-05-01T10:00:00Z", "attempts": 1, "note": None}
    steps = {s: dict(step) for s in STEPS}
    steps["verify"]["note"] = note
    data: dict[str, object] = {
        "schema_version": 1,
        "clone_id": "a" * 32,
        "created_at": "2026-05-01T09:00:00Z",
        "updated_at": "2026-05-01T10:00:00Z",
        "inputs": inputs().model_dump(),
        "project_ref": "abcdefghijklmnopqrst",
        "steps": steps,
    }
    if error is not None:
        steps["verify"]["status"], steps["readme"]["status"] = "failed", "pending"
        data["last_error"] = {"step": "verify", "message": error, "at": "2026-05-01T10:00:00Z"}
    return json.dumps(data)
