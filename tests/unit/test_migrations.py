"""Loading a migration folder: names and versions are checked before anything runs."""

from pathlib import Path

import pytest

from tests.support.migration_files import write
from wizard.migrations import MigrationFolderError, load_folder


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "supabase" / "migrations"
    write(d, "20260101000001_first.sql", "create table a (id int);\ninsert into a values (1);\n")
    write(d, "20260101000002_second.sql", "-- b\ncreate table b (id int);\n")
    return d


def test_duplicate_versions_are_refused(folder):
    write(folder, "20260101000002_other.sql", "select 1;")
    with pytest.raises(MigrationFolderError, match="duplicate migration version 20260101000002"):
        load_folder(folder)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(MigrationFolderError, match="no such folder"):
        load_folder(tmp_path / "nope")
