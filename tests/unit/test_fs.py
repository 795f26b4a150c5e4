"""A write that fails (disk full, permissions) is a clear error and leaves the old file intact."""

from __future__ import annotations

import errno
import os

import pytest

from wizard.fs import WriteError, write_atomic


@pytest.mark.parametrize(("code", "said"), [(errno.ENOSPC, "disk is full"), (errno.EACCES, "permission denied")])
def test_a_failed_write_says_why_and_keeps_the_old_content(tmp_path, monkeypatch, code, said):
    target = tmp_path / "clone.json"
    target.write_text("old")

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(WriteError, match=said) as info:
        write_atomic(target, "new")
    assert str(target) in str(info.value) and info.value.exit_code == 1
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["clone.json"]  # no temporary file left behind


def test_a_file_where_a_folder_should_be_is_named(tmp_path):
    (tmp_path / "supabase").write_text("not a folder")
    with pytest.raises(WriteError, match="is a file, not a folder"):
        write_atomic(tmp_path / "supabase" / "migrations" / "x.sql", "select 1;")
