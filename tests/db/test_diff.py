"""`musekit diff` against real catalogs: a database made from the core and a template reads exactly
as its migration files do (core included), and what is changed by hand shows as drift — exactly
that, nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from tests.support.gig_muse import apply_muse, make_clone, make_template
from tests.support.muses_cli import cli
from wizard.muses import MuseTemplate, core_files, load_template, shipped_slugs, template_model


def clone_folder(tmp_path: Path, template: MuseTemplate) -> Path:
    """A Muse folder as `musekit clone` leaves it: supabase/migrations/ with the core and the template."""
    folder = tmp_path / f"my-{template.slug}"
    migrations = folder / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    for f in [*core_files(), *template.files]:
        shutil.copyfile(f.path, migrations / f.path.name)
    return folder


def core_only(tmp_path: Path) -> Path:
    """A folder of the core migration files alone."""
    folder = tmp_path / "core-only"
    folder.mkdir()
    for f in core_files():
        shutil.copyfile(f.path, folder / f.path.name)
    return folder


@pytest.fixture
def socio(core_db: str, tmp_path: Path) -> tuple[str, Path]:
    template = load_template("socioscheduler")
    apply_muse(core_db, template)
    return core_db, clone_folder(tmp_path, template)


@pytest.mark.parametrize("slug", shipped_slugs())
def test_a_database_made_from_its_files_has_no_drift_core_included(capsys, core_db, tmp_path, slug):
    template = load_template(slug)
    apply_muse(core_db, template)
    folder = clone_folder(tmp_path, template)

    code, out, err = cli(capsys, "diff", str(folder), "--live", "--db-url", core_db, "--include-core")
    assert (code, err) == (0, ""), out
    assert "no drift: the database matches the migration files" in out

    # the URL as a side of its own reads the same; the template is the same as the folder
    code, out, _ = cli(capsys, "diff", slug, core_db, "--include-core", "--json")
    assert code == 0, out
    assert json.loads(out)["equal"] is True

    # and the catalog was really read: against the bare core, the database adds the Muse's tables
    code, out, _ = cli(capsys, "diff", str(core_only(tmp_path)), core_db, "--json")
    added = json.loads(out)["added"]
    assert code == 1
    assert added["tables"] == sorted(t.qualified_name for t in template_model(template).tables)
    assert added["enums"] == sorted(e.qualified_name for e in template_model(template).enums)


def test_identity_serial_generated_columns_and_subquery_policies_read_alike(capsys, core_db, tmp_path):
    template = make_template(tmp_path / "templates")
    apply_muse(core_db, template)
    folder = make_clone(tmp_path, template)
    code, out, _ = cli(capsys, "diff", str(folder), "--live", "--db-url", core_db, "--include-core")
    assert code == 0, out


def test_a_column_and_an_enum_value_added_by_hand_are_exactly_the_drift(capsys, socio, monkeypatch):
    url, folder = socio
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table public.post_queues add column note varchar(80) not null default 'n/a'")
        conn.execute("alter type public.post_status add value 'archived'")
    monkeypatch.setenv("MUSEKIT_DB_URL", url)

    code, out, err = cli(capsys, "diff", str(folder), "--live", "--json")
    assert (code, err) == (1, "")
    data = json.loads(out)
    assert data["mode"] == "drift" and data["equal"] is False and data["core_hidden"] == 0
    assert data["b"]["kind"] == "database" and "password" not in out
    assert {k: v for k, v in data["added"].items() if v} == {"columns": ["public.post_queues.note"]}
    assert not any(data["removed"].values())
    assert {k: v for k, v in data["changed"].items() if v} == {
        "enums": [
            {
                "name": "public.post_status",
                "core": False,
                "changes": {
                    "values": {
                        "a": ["scheduled", "posted", "pending"],
                        "b": ["scheduled", "posted", "pending", "archived"],
                    }
                },
            }
        ]
    }

    code, out, _ = cli(capsys, "diff", str(folder), "--live")
    assert code == 1
    drift = [line for line in out.splitlines() if line[:2] in ("+ ", "- ", "~ ")]
    assert drift == [
        "+ column post_queues.note varchar(80) not null default 'n/a'",
        "~ enum post_status: + archived",
    ]
    assert all(len(line) <= 80 for line in out.splitlines() if str(folder) not in line)


def test_drift_in_a_core_table_is_counted_but_shown_only_with_include_core(capsys, socio):
    url, folder = socio
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("alter table public.users add column nickname text")
        conn.execute("drop policy post_queues_delete_own on public.post_queues")

    code, out, _ = cli(capsys, "diff", str(folder), "--live", "--db-url", url)
    assert code == 1
    assert "- policy post_queues_delete_own on post_queues (for delete to authenticated)" in out
    assert "nickname" not in out and "1 difference in MuseKit core objects not shown" in out

    code, out, _ = cli(capsys, "diff", str(folder), "--live", "--db-url", url, "--include-core", "--json")
    data = json.loads(out)
    assert code == 1 and data["core_hidden"] == 0
    assert data["added"]["columns"] == ["public.users.nickname"]
    assert data["removed"]["policies"] == ["post_queues_delete_own on public.post_queues"]


def test_a_database_that_cannot_be_reached_is_a_usage_error_without_the_password(capsys, core_db, tmp_path):
    folder = clone_folder(tmp_path, load_template("realtor"))
    wrong = psycopg.conninfo.conninfo_to_dict(core_db)
    bad_url = f"postgresql://{wrong['user']}:not-the-s3cret@{wrong['host']}:{wrong['port']}/{wrong['dbname']}"
    code, out, err = cli(capsys, "diff", str(folder), "--live", "--db-url", bad_url)
    assert code == 2 and out == ""
    assert err.startswith("error: database (") and "not-the-s3cret" not in err
