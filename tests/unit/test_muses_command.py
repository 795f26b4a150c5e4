"""`musekit muses list|show|apply|new`, run in-process through wizard.cli.main, without a database.
(Applying to real databases: tests/db/test_muses_command.py.)"""

from __future__ import annotations

import json
import os
import tomllib

from tests.support.muses_cli import GOOD_SQL, NEW_FLAGS, cli, write_muse
from wizard.muses import load_template, template_model
from wizard.sql import SchemaModel

SHIPPED = {
    "socioscheduler": {"public.brand_preferences", "public.post_queues", "public.alert_logs"},
    "realtor": {"public.listings", "public.saved_searches", "public.showings"},
}


# -- list --------------------------------------------------------------------------------------
def test_list_shows_the_shipped_muses_with_table_counts_from_their_sql(capsys):
    code, out, err = cli(capsys, "muses", "list")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip() and not line.startswith("preview")}
    assert set(rows) == set(SHIPPED)
    for slug, tables in SHIPPED.items():
        template = load_template(slug)
        assert template.name in rows[slug] and template.manifest.description in rows[slug]
        assert rows[slug].split()[2] == str(len(tables)) == "3"

    code, out, _ = cli(capsys, "muses", "list", "--json")
    assert code == 0
    listed = {row["slug"]: row for row in json.loads(out)}
    assert {slug: set(row["tables"]) for slug, row in listed.items()} == SHIPPED
    assert all(row["table_count"] == len(row["tables"]) for row in listed.values())


# -- show --------------------------------------------------------------------------------------
def test_show_json_round_trips_to_the_model(capsys):
    code, out, _ = cli(capsys, "muses", "show", "socioscheduler", "--json")
    assert code == 0
    model = SchemaModel.from_json(out)
    assert model == template_model(load_template("socioscheduler"))
    assert {t.qualified_name for t in model.tables} == SHIPPED["socioscheduler"]


def test_show_previews_tables_policies_views_and_purity(capsys):
    code, out, _ = cli(capsys, "muses", "show", "realtor")
    assert code == 0
    model = template_model(load_template("realtor"))
    for table in model.tables:
        assert f"{table.qualified_name}  [RLS on]" in out
        for column in table.columns:
            assert any(line.strip().startswith(column.name + " ") and column.type in line for line in out.splitlines())
    for policy in model.policies:
        assert f"{policy.name}: {policy.command} to {', '.join(policy.roles)}" in out
        if policy.using:
            assert f"using ({policy.using})" in out
    for enum in model.enums:
        assert f"{enum.qualified_name}: {', '.join(enum.values)}" in out
    for view in model.views:
        assert view.qualified_name in out and "security_invoker" in out
    assert "ok: the SQL only references MuseKit core" in out


def test_show_sql_prints_the_files(capsys):
    template = load_template("socioscheduler")
    code, out, _ = cli(capsys, "muses", "show", "socioscheduler", "--sql")
    assert code == 0
    for f in template.files:
        assert f"-- ===== {f.path} =====" in out and f.text in out


def test_show_names_file_and_line_of_a_syntax_error(capsys, tmp_path):
    folder = write_muse(tmp_path, "broken", GOOD_SQL + "\ncreate tabel public.oops (id int);\n")
    code, out, err = cli(capsys, "muses", "show", str(folder))
    assert code == 2 and out == ""
    assert f"{folder / 'migrations' / '20270101000000_broken.sql'}:12: SQL syntax error" in err


def test_show_an_unknown_template_says_what_exists(capsys):
    code, _, err = cli(capsys, "muses", "show", "nosuchmuse")
    assert code == 2
    assert "no shipped Muse template named 'nosuchmuse'" in err and "realtor" in err and "socioscheduler" in err


# -- apply -------------------------------------------------------------------------------------
def test_apply_with_a_bad_url_is_a_usage_error(capsys):
    code, _, err = cli(capsys, "muses", "apply", "realtor", "--db-url", "not a url")
    assert code == 2 and "error:" in err


# -- new ---------------------------------------------------------------------------------------
def test_new_refuses_an_existing_folder_without_force(capsys, tmp_path):
    assert cli(capsys, "muses", "new", "recipes", *NEW_FLAGS, "--dir", str(tmp_path))[0] == 0
    folder = tmp_path / "recipes"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    code, out, err = cli(capsys, "muses", "new", "recipes", "--table", "other:Other rows", "--dir", str(tmp_path))
    assert code == 2 and "already exists" in err and "--force" in err and out == ""
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before

    code, _, _ = cli(
        capsys, "muses", "new", "recipes", "--table", "other:Other rows", "--dir", str(tmp_path), "--force"
    )
    assert code == 0
    assert [t.name for t in template_model(load_template(folder)).tables] == ["other"]


def test_new_reports_each_bad_name_with_its_field_and_flag(capsys, tmp_path):
    code, out, err = cli(
        capsys,
        "muses",
        "new",
        "recipes",
        "--table",
        "Recipes:x",
        "--table",
        "users:dup of core",
        "--column",
        "Recipes.select:text",
        "--column",
        "Recipes.n:integer::'x'",
        "--enum",
        "order:a,a",
        "--dir",
        str(tmp_path),
    )
    assert code == 2 and out == ""
    assert "tables[0].name (from --table 'Recipes:x'): 'Recipes' is not a plain Postgres identifier" in err
    assert "tables[1].name (from --table 'users:dup of core'): 'users' is already a core object" in err
    assert "tables[0].columns[0].name (from --column 'Recipes.select:text'): 'select' is a reserved SQL keyword" in err
    assert "tables[0].columns[1].default (from --column \"Recipes.n:integer::'x'\"): must be a whole number" in err
    assert "enums[0].name (from --enum 'order:a,a'): 'order' is a reserved SQL keyword" in err
    assert "enums[0].values[1] (from --enum 'order:a,a'): 'a' appears twice" in err
    assert list(tmp_path.iterdir()) == []

    code, _, err = cli(capsys, "muses", "new", "recipes", "--column", "recipes.title:text", "--dir", str(tmp_path))
    assert code == 2 and "--column 'recipes.title:text': there is no --table 'recipes'" in err
    code, _, err = cli(
        capsys, "muses", "new", "recipes", "--table", "r:x", "--column", "r-title", "--dir", str(tmp_path)
    )
    assert code == 2 and "expected 'table.column:type" in err
    assert list(tmp_path.iterdir()) == []


def test_new_from_a_spec_file(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'slug = "crm"\nname = "CRM"\ndescription = "Contacts of a team."\nownership = "organization"\n'
        '[[tables]]\nname = "contacts"\ncomment = "People the team talks to."\n'
        '[[tables.columns]]\nname = "email"\ntype = "text"\nnullable = false\n'
    )
    out_dir = tmp_path / "out"
    code, _out, err = cli(capsys, "muses", "new", "crm", "--spec", str(spec), "--dir", str(out_dir))
    assert code == 0, err
    template = load_template(out_dir / "crm")
    assert template.manifest.name == "CRM"
    assert tomllib.loads((out_dir / "crm" / "muse.toml").read_text())["description"] == "Contacts of a team."
    table = template_model(template).table("public.contacts")
    assert [c.name for c in table.columns] == ["id", "org_id", "created_by", "email", "created_at"]

    code, _, err = cli(capsys, "muses", "new", "other", "--spec", str(spec), "--dir", str(out_dir))
    assert code == 2 and "says slug = 'crm' but the command says 'other'" in err
    code, _, err = cli(capsys, "muses", "new", "crm", "--spec", str(spec), "--table", "x:y", "--dir", str(out_dir))
    assert code == 2 and "drop --table" in err
    spec.write_text(spec.read_text().replace("nullable = false", 'nullable = "maybe"'))
    code, _, err = cli(capsys, "muses", "new", "crm", "--spec", str(spec), "--dir", str(tmp_path / "again"))
    assert code == 2 and "tables[0].columns[0].nullable" in err
    assert not (tmp_path / "again").exists()


def test_new_default_folder_is_the_current_one(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "muses", "new", "journal", "--table", "entries:Diary entries")
    assert code == 0
    assert "wrote Muse template 'Journal' to ./journal" in out and "musekit muses show ./journal" in out
    assert load_template("./journal").manifest.description == "Journal: adds entries."
    assert os.path.isdir(tmp_path / "journal" / "migrations")
