"""`musekit diff` between migration files (no database): templates, Muse folders, folders of .sql
files; the core left out or included; changes; the JSON shape; sides that can't be read.
(Against live catalogs, and drift: tests/db/test_diff.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.muses_cli import cli
from wizard.diff import KINDS, PLURALS
from wizard.muses import MuseTemplate, core_files, load_template, template_model

CORE_LAST = max(f.version for f in core_files())


def own_objects(slug: str) -> dict[str, list[str]]:
    """The tables and enums the template's own SQL creates (qualified, sorted), from the pglast model."""
    model = template_model(load_template(slug))
    return {
        "tables": sorted(t.qualified_name for t in model.tables),
        "enums": sorted(e.qualified_name for e in model.enums),
    }


def copy_template(tmp_path: Path, slug: str, edit: tuple[str, str] | None = None) -> Path:
    """A copy of a shipped template as a template folder of the user's; `edit` replaces SQL text once."""
    folder = tmp_path / slug
    shutil.copytree(load_template(slug).path, folder)
    if edit is not None:
        old, new = edit
        for sql in sorted((folder / "migrations").glob("*.sql")):
            text = sql.read_text()
            if old in text:
                sql.write_text(text.replace(old, new, 1))
                break
        else:
            raise AssertionError(f"{old!r} is in none of {slug}'s files")
    return folder


def muse_folder(tmp_path: Path, template: MuseTemplate, *, core_upto: str = CORE_LAST) -> Path:
    """A cloned Muse folder: supabase/migrations/ with the core files (up to `core_upto`) and the template's."""
    folder = tmp_path / f"my-{template.slug}"
    migrations = folder / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    for f in [*(c for c in core_files() if c.version <= core_upto), *template.files]:
        shutil.copyfile(f.path, migrations / f.path.name)
    return folder


def diff_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = cli(capsys, "diff", *argv, "--json")
    assert err == "", err
    return code, json.loads(out)


def listed(data: dict, status: str) -> dict[str, list]:
    return {kind: names for kind, names in data[status].items() if names}


# -- two templates -----------------------------------------------------------------------------
def test_socioscheduler_and_realtor_differ_by_exactly_their_own_tables_and_enums(capsys):
    socio, realtor = own_objects("socioscheduler"), own_objects("realtor")
    code, data = diff_json(capsys, "socioscheduler", "realtor")
    assert code == 1 and data["equal"] is False
    for kind in ("tables", "enums"):
        assert data["removed"][kind] == socio[kind]
        assert data["added"][kind] == realtor[kind]
    assert data["added"]["columns"] == data["removed"]["columns"] == []  # columns come with their tables
    assert not any(data["changed"].values())
    assert data["core_hidden"] == 0  # both on the same core

    code, out, _ = cli(capsys, "diff", "socioscheduler", "realtor")
    assert code == 1
    tables = [line.split()[2] for line in out.splitlines() if line.startswith(("+ table ", "- table "))]
    enums = [line.split()[2].rstrip(":") for line in out.splitlines() if line.startswith(("+ enum ", "- enum "))]
    assert sorted(tables) == sorted(n.removeprefix("public.") for n in socio["tables"] + realtor["tables"])
    assert sorted(enums) == sorted(n.removeprefix("public.") for n in socio["enums"] + realtor["enums"])
    assert "+ table listings (" in out and "- enum post_status: scheduled, posted, pending" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_a_template_equals_itself_in_every_form(capsys, tmp_path):
    template = load_template("realtor")
    forms = [
        "realtor",
        str(copy_template(tmp_path, "realtor")),
        str(muse_folder(tmp_path, template)),
        str(template.path / "migrations"),  # a folder of .sql files, read on top of the core
    ]
    for other in forms:
        code, out, _ = cli(capsys, "diff", "realtor", other, "--include-core")
        assert code == 0, out
        assert "no differences" in out


# -- the core --------------------------------------------------------------------------------------
def test_core_objects_are_left_out_by_default_and_compared_with_include_core(capsys, tmp_path):
    """A Muse folder cloned before the last core migration: its core differs from the shipped one."""
    template = load_template("socioscheduler")
    older = [c.version for c in core_files()][-2]
    folder = str(muse_folder(tmp_path, template, core_upto=older))

    code, out, _ = cli(capsys, "diff", folder, "socioscheduler")
    assert code == 0
    assert "no differences" in out and "in MuseKit core objects not shown (--include-core shows them)" in out
    code, data = diff_json(capsys, folder, "socioscheduler")
    assert code == 0 and data["equal"] is True and data["core_hidden"] > 0

    code, data = diff_json(capsys, folder, "socioscheduler", "--include-core")
    assert code == 1 and data["core_hidden"] == 0
    assert "private.create_organization(text, text)" in data["added"]["functions"]
    changed = {c["name"]: c for c in data["changed"]["functions"]}
    assert changed["public.create_organization(text, text)"]["changes"]["security_definer"] == {"a": True, "b": False}
    assert all(c["core"] for kind in data["changed"].values() for c in kind)
    # the Muse's own objects are no difference at all
    for kind in ("tables", "enums"):
        assert not set(own_objects("socioscheduler")[kind]) & set(data["added"][kind] + data["removed"][kind])


def test_a_template_against_the_bare_core_adds_its_objects_and_nothing_of_the_core(capsys, tmp_path):
    core = tmp_path / "core"
    core.mkdir()
    for f in core_files():
        shutil.copyfile(f.path, core / f.path.name)
    code, data = diff_json(capsys, str(core), "realtor", "--include-core")
    assert code == 1
    assert {k: data["added"][k] for k in ("tables", "enums")} == own_objects("realtor")
    assert not any(data["removed"].values()) and not any(data["changed"].values())


# -- changes ---------------------------------------------------------------------------------------
def test_a_changed_column_type_is_one_change(capsys, tmp_path):
    edited = copy_template(tmp_path, "socioscheduler", ("  niche text,", "  niche varchar(80),"))
    code, out, _ = cli(capsys, "diff", "socioscheduler", str(edited))
    assert code == 1
    changes = [line for line in out.splitlines() if line[:2] in ("+ ", "- ", "~ ")]
    assert changes == ["~ column brand_preferences.niche: text → varchar(80)"]

    code, data = diff_json(capsys, "socioscheduler", str(edited))
    assert listed(data, "changed") == {
        "columns": [
            {
                "name": "public.brand_preferences.niche",
                "core": False,
                "changes": {"type": {"a": "text", "b": "varchar(80)"}},
            }
        ]
    }
    assert not listed(data, "added") and not listed(data, "removed")


def test_enum_values_nullability_defaults_policies_and_new_columns(capsys, tmp_path):
    edited = copy_template(
        tmp_path,
        "socioscheduler",
        ("('scheduled', 'posted', 'pending')", "('scheduled', 'posted', 'pending', 'archived')"),
    )
    sql = next((edited / "migrations").glob("*_socioscheduler_tables.sql"))
    text = sql.read_text()
    text = text.replace("  image_url text,", "  image_url text not null default '',\n  note text,")
    sql.write_text(text)
    policies = next((edited / "migrations").glob("*_policies_grants.sql"))
    policies.write_text(
        policies.read_text().replace(
            "create policy alert_logs_select_own on public.alert_logs\n  for select to authenticated\n"
            "  using (user_id = (select auth.uid()));",
            "create policy alert_logs_select_own on public.alert_logs\n  for select to authenticated, service_role\n"
            "  using (user_id = (select auth.uid()) and action_taken is null);",
        )
    )

    code, out, _ = cli(capsys, "diff", "socioscheduler", str(edited))
    assert code == 1
    changes = [line for line in out.splitlines() if line[:2] in ("+ ", "- ", "~ ")]
    assert changes == [
        "~ column post_queues.image_url: null → not null",
        "~ column post_queues.image_url: no default → default ''",
        "+ column post_queues.note text null",
        "~ enum post_status: + archived",
        "~ policy alert_logs_select_own on alert_logs: roles",
        "~ policy alert_logs_select_own on alert_logs: using",
    ]
    lines = out.splitlines()
    assert lines[lines.index(changes[-2]) + 1 :][:2] == [
        "    - to authenticated",
        "    + to authenticated, service_role",
    ]
    assert lines[lines.index(changes[-1]) + 1 :][:2] == [
        "    - using (user_id = (SELECT auth.uid()))",
        "    + using (user_id = (SELECT auth.uid()) AND action_taken IS NULL)",
    ]
    assert "added 1 column" in lines and "changed 1 column, 1 enum, 1 policy" in lines
    assert all(len(line) <= 80 for line in lines if str(edited) not in line)


def test_whitespace_case_and_casts_are_no_difference(capsys, tmp_path):
    edited = copy_template(
        tmp_path,
        "socioscheduler",
        ("sample_urls text[] not null default '{}',", "SAMPLE_URLS TEXT [ ] NOT NULL DEFAULT '{}'::text[],"),
    )
    code, out, _ = cli(capsys, "diff", "socioscheduler", str(edited))
    assert code == 0, out


# -- JSON ------------------------------------------------------------------------------------------
def test_json_is_one_object_with_every_kind_under_every_status(capsys):
    code, out, _ = cli(capsys, "diff", "realtor", "socioscheduler", "--json")
    assert code == 1
    assert len(out.splitlines()) == 1
    data = json.loads(out)
    assert data["event"] == "diff" and data["mode"] == "diff"
    assert set(data) == {
        "event",
        "mode",
        "a",
        "b",
        "include_core",
        "equal",
        "added",
        "removed",
        "changed",
        "core_hidden",
    }
    assert data["a"] == {
        "label": "A",
        "kind": "template",
        "given": "realtor",
        "description": "template realtor (shipped, 3 migration files)",
    }
    for status in ("added", "removed", "changed"):
        assert list(data[status]) == [PLURALS[k] for k in KINDS]
    assert all(isinstance(name, str) for kind in data["added"].values() for name in kind)
    assert "listings_select_members on public.listings" in data["removed"]["policies"]


# -- sides that can't be read, and usage -------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["realtor", "nosuchmuse"], ["B (nosuchmuse):", "Muse template named 'nosuchmuse'", "realtor"]),
        (["./nope", "realtor"], ["A (./nope): no such folder.", "postgres:// URL"]),
        (["realtor", "Not A Slug!"], ["B (Not A Slug!): no such folder.", "a Muse template slug"]),
        (["realtor", "postgresql://u:s3cret@[::1"], ["B (", "s3cret"]),
        (["realtor"], ["diff needs two sides, A and B"]),
        (["realtor", "socioscheduler", "--live"], ["--live compares one Muse folder with its database"]),
        (["realtor", "socioscheduler", "--db-url", "postgresql://u@h/d"], ["--db-url is for --live"]),
        (["realtor", "--live"], ["no database URL: set MUSEKIT_DB_URL"]),
    ],
)
def test_bad_sides_and_usage_are_exit_2_with_a_clear_message(capsys, monkeypatch, argv, expected):
    monkeypatch.delenv("MUSEKIT_DB_URL", raising=False)
    code, out, err = cli(capsys, "diff", *argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ")
    if "s3cret" in expected:  # a URL that can't be read: named, never shown with its password
        assert expected[0] in err and "s3cret" not in err
    else:
        for part in expected:
            assert part in err, err


def test_unreadable_folders_name_the_side_and_the_file(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli(capsys, "diff", str(empty), "realtor")
    assert code == 2 and f"A ({empty}): holds no migrations" in err

    a_file = tmp_path / "notes.sql"
    a_file.write_text("select 1;")
    code, _, err = cli(capsys, "diff", "realtor", str(a_file))
    assert code == 2 and f"B ({a_file}): is a file, not a folder." in err

    broken = copy_template(tmp_path, "realtor", ("create table public.listings", "create tabel public.listings"))
    code, out, _ = cli(capsys, "diff", "realtor", str(broken), "--json")
    error = json.loads(out)
    message = error["message"]
    assert code == 2 and error["event"] == "error" and error["error"] == "DiffSideError"
    assert f"B ({broken}):" in message and "_realtor_tables.sql:" in message and "syntax error" in message

    badly_named = tmp_path / "sqls"
    badly_named.mkdir()
    (badly_named / "tables.sql").write_text("create table public.t (id int);")
    code, _, err = cli(capsys, "diff", str(badly_named), "realtor")
    assert code == 2 and f"A ({badly_named}):" in err and "not a migration file name" in err
