"""Only plain files of a sane size are read as migrations: a symlink (which could point at any file
on the machine), a FIFO (which would block), a folder named *.sql and a huge file are refused before
a byte is read, and nothing of what they point at is echoed."""

from __future__ import annotations

import os

import pytest

from wizard import cli
from wizard.migrations import MigrationFolderError, load_folder
from wizard.migrations.files import MAX_FILE_BYTES

NAME = "20260601000100_x.sql"


def _symlink(folder, target):
    os.symlink(target, folder / NAME)


def _fifo(folder, target):
    os.mkfifo(folder / NAME)


def _dir(folder, target):
    (folder / NAME).mkdir()


def _huge(folder, target):
    (folder / NAME).write_bytes(b"-- " + b"x" * MAX_FILE_BYTES + b"\n")


@pytest.mark.parametrize(
    ("make", "said"),
    [(_symlink, "symbolic link"), (_fifo, "not a plain file"), (_dir, "a folder"), (_huge, "MB")],
)
def test_what_is_not_a_plain_small_file_is_refused_unread(tmp_path, make, said):
    secret = tmp_path / "outside.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    folder = tmp_path / "migrations"
    folder.mkdir()
    make(folder, secret)
    with pytest.raises(MigrationFolderError, match=said) as info:
        load_folder(folder)
    assert "TOP-SECRET-CONTENT" not in str(info.value) and NAME in str(info.value)


def test_a_template_with_a_symlinked_migration_is_refused_by_the_command(tmp_path, capsys):
    template = tmp_path / "sneaky"
    (template / "migrations").mkdir(parents=True)
    (template / "muse.toml").write_text(
        'name = "Sneaky"\ndescription = "Links outside."\nversion = "0.1.0"\ncore_version = "20260101000600"\n'
    )
    (tmp_path / "etc-passwd").write_text("root:x:0:0:TOP-SECRET")
    os.symlink(tmp_path / "etc-passwd", template / "migrations" / NAME)
    code = cli.main(["muses", "show", str(template)])
    err = capsys.readouterr().err
    assert code == 2 and "symbolic link" in err and "TOP-SECRET" not in err
