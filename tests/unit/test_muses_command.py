"""`musekit muses list|show|apply|new`, run in-process through wizard.cli.main, without a database.
(Applying to real databases: tests/db/test_muses_command.py.)"""

from __future__ import annotations

import json
import os
import shutil
import tomllib

import pytest

from tests.support.muses_cli import GOOD_SQL, NEW_FLAGS, cli, write_muse
from wizard.muses import load_template, template_model
from wizard.settings import user_templates_dir
from wizard.sql import SchemaModel

SHIPPED = {
    "socioscheduler": {"public.brand_preferences", "public.post_queues", "public.alert_logs"},
    "realtor": {"public.listings", "public.saved_searches", "public.showings"},
}


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Your template folder (musekit's data dir) is the test's own."""
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def listed_rows(out: str) -> dict[str, list[str]]:
    """`muses list` rows by slug: slug, name (one word here), source, table count, description words."""
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["SLUG", "NAME", "SOURCE", "TABLES"]
    return {line.split()[0]: line.split() for line in lines[1:] if line.strip() and not line.startswith("preview")}


# -- list --------------------------------------------------------------------------------------
def test_list_shows_the_shipped_muses_with_table_counts_from_their_sql(capsys):
    code, out, err = cli(capsys, "muses", "list")
    assert code == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip() and not line.startswith("preview")}
    assert set(rows) == set(SHIPPED)
    for slug, tables in SHIPPED.items():
        template = load_template(slug)
        assert template.name in rows[slug] and template.manifest.description in rows[slug]
        assert rows[slug].split()[2:4] == ["shipped", str(len(tables))] and len(tables) == 3

    code, out, _ = cli(capsys, "muses", "list", "--json")
    assert code == 0
    listed = {row["slug"]: row for row in json.loads(out)}
    assert {slug: set(row["tables"]) for slug, row in listed.items()} == SHIPPED
    assert all(row["table_count"] == len(row["tables"]) for row in listed.values())
    assert {row["source"] for row in listed.values()} == {"shipped"}


def test_your_templates_are_listed_beside_the_shipped_ones_and_found_by_slug(capsys, tmp_path):
    write_muse(user_templates_dir(), "diary", GOOD_SQL)
    team = tmp_path / "team"
    write_muse(team, "standup", GOOD_SQL)
    code, out, err = cli(capsys, "muses", "list", "--templates", str(team))
    assert code == 0 and err == ""
    rows = listed_rows(out)
    assert list(rows) == ["realtor", "socioscheduler", "diary", "standup"]  # shipped first, then yours, then DIR
    assert rows["diary"][2:4] == ["yours", "1"] and rows["standup"][2:4] == [str(team), "1"]
    code, out, _ = cli(capsys, "muses", "list", "--json", "--templates", str(team))
    listed = {row["slug"]: row for row in json.loads(out)}
    assert listed["diary"]["path"] == str(user_templates_dir() / "diary") and listed["diary"]["tables"] == [
        "public.journal"
    ]

    code, out, _ = cli(capsys, "muses", "show", "diary")
    assert code == 0 and "diary (diary)" in out and "public.journal  [RLS on]" in out
    code, _, err = cli(capsys, "muses", "show", "standup")
    assert code == 2 and "no Muse template named 'standup'" in err and "yours: diary" in err
    code, out, _ = cli(capsys, "muses", "show", "standup", "--templates", str(team))
    assert code == 0 and "standup (standup)" in out


def test_a_template_of_yours_that_fails_the_checks_or_shadows_a_shipped_one_is_left_out(capsys, tmp_path):
    shipped = load_template("realtor")
    shutil.copytree(shipped.path, user_templates_dir() / "realtor")
    write_muse(user_templates_dir(), "early", GOOD_SQL)
    early = user_templates_dir() / "early" / "migrations"
    (early / "20270101000000_early.sql").rename(early / "20200101000000_early.sql")
    write_muse(user_templates_dir(), "broken", GOOD_SQL + "create tabel public.oops (id int);\n")
    (user_templates_dir() / "Bad Name").mkdir()
    (user_templates_dir() / "Bad Name" / "muse.toml").write_text("")
    write_muse(user_templates_dir(), "fine", GOOD_SQL)

    code, out, err = cli(capsys, "muses", "list")
    assert code == 0
    assert list(listed_rows(out)) == ["realtor", "socioscheduler", "fine"]
    assert listed_rows(out)["realtor"][2] == "shipped"
    warnings = err.splitlines()
    assert any(
        f"{user_templates_dir() / 'realtor'} is not listed: the shipped template 'realtor' ({shipped.path})" in w
        for w in warnings
    ), err
    assert any(f"{user_templates_dir() / 'early'} is not listed:" in w and "sorts before" in w for w in warnings)
    assert any(f"{user_templates_dir() / 'broken'} is not listed:" in w and "SQL syntax error" in w for w in warnings)
    assert any("'Bad Name' is not a template slug" in w for w in warnings)
    assert load_template("realtor").shipped  # by slug, the shipped one wins


def test_a_templates_folder_that_is_not_one_is_a_usage_error(capsys, tmp_path):
    code, _, err = cli(capsys, "muses", "list", "--templates", str(tmp_path / "nowhere"))
    assert code == 2 and "no such folder" in err
    folder = write_muse(tmp_path, "solo", GOOD_SQL)
    code, _, err = cli(capsys, "muses", "list", "--templates", str(folder))
    assert code == 2 and "is a template itself" in err and str(tmp_path) in err


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
    assert "no Muse template named 'nosuchmuse' (shipped: realtor, socioscheduler)" in err


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


def test_new_saves_into_your_template_folder_by_default(capsys, tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    code, out, _ = cli(capsys, "muses", "new", "journal", "--table", "entries:Diary entries")
    assert code == 0
    folder = user_templates_dir() / "journal"
    assert f"wrote Muse template 'Journal' to {folder}" in out and "musekit muses show journal " in out
    template = load_template("journal")
    assert template.path == folder and template.source == "yours" and not template.shipped
    assert template.manifest.description == "Journal: adds entries."
    assert os.path.isdir(folder / "migrations") and list((tmp_path / "work").iterdir()) == []
    code, out, _ = cli(capsys, "muses", "list")
    assert listed_rows(out)["journal"][2:4] == ["yours", "1"]

    code, out, _ = cli(capsys, "muses", "new", "other", "--table", "entries:Diary entries", "--dir", ".")
    assert code == 0 and "wrote Muse template 'Other' to ./other" in out and "musekit muses show ./other" in out


def test_new_refuses_the_slug_of_a_shipped_template(capsys):
    code, out, err = cli(capsys, "muses", "new", "realtor", "--table", "homes:Homes")
    assert code == 2 and out == ""
    assert "slug (from <slug> 'realtor'): 'realtor' is the slug of a template shipped with musekit" in err
    assert not user_templates_dir().exists()


def test_new_with_references_between_tables_and_to_the_core(capsys):
    code, _, err = cli(
        capsys,
        "muses",
        "new",
        "dogwalk",
        "--table",
        "dogs:Dogs a user walks",
        "--table",
        "walks:Walks of a dog",
        "--column",
        "walks.dog_id:uuid:notnull:references=dogs:cascade",
        "--column",
        "walks.product_id:uuid:references=products:set_null",
        "--column",
        "walks.after_id:uuid:references=walks",
    )
    assert code == 0, err
    model = template_model(load_template("dogwalk"))
    walks = model.table("public.walks")
    keys = {(tuple(fk.columns), fk.ref_table, tuple(fk.ref_columns), fk.on_delete) for fk in walks.foreign_keys}
    assert keys == {
        (("user_id",), "public.users", ("id",), "cascade"),
        (("dog_id", "user_id"), "public.dogs", ("id", "user_id"), "cascade"),
        (("product_id",), "public.products", ("id",), "set null"),
        (("after_id", "user_id"), "public.walks", ("id", "user_id"), "restrict"),
    }
    indexed = {tuple(i.columns) for i in model.indexes if i.table == "public.walks"}
    assert {("dog_id", "user_id"), ("product_id",), ("after_id", "user_id")} <= indexed


def test_new_names_the_column_of_a_bad_reference(capsys, tmp_path):
    base = ("muses", "new", "dogwalk", "--table", "walks:Walks", "--dir", str(tmp_path))
    code, _, err = cli(capsys, *base, "--column", "walks.dog_id:uuid:references=dogz")
    assert code == 2
    assert (
        "tables[0].columns[0].references (from --column 'walks.dog_id:uuid:references=dogz'): "
        "walks.dog_id references 'dogz', which is neither a table of this Muse (walks) nor a core table (users, "
    ) in err
    code, _, err = cli(capsys, *base, "--column", "walks.dog_id:text:references=walks")
    assert code == 2 and "walks.dog_id references walks.id, so its type must be uuid" in err
    code, _, err = cli(capsys, *base, "--column", "walks.dog_id:uuid:notnull:references=walks:set_null")
    assert code == 2 and "tables[0].columns[0].on_delete" in err and "must be nullable" in err
    code, _, err = cli(capsys, *base, "--column", "walks.dog_id:uuid:references=walks:cascde")
    assert code == 2 and "'cascde' is not an on-delete action" in err and "cascade, restrict or set_null" in err
    code, _, err = cli(capsys, *base, "--column", "walks.dog_id:uuid:references=")
    assert code == 2 and "references= needs a table" in err
    assert list(tmp_path.iterdir()) == []


def test_new_help_documents_the_reference_syntax(capsys):
    import contextlib

    with contextlib.suppress(SystemExit):
        cli(capsys, "muses", "new", "--help")
    out = capsys.readouterr().out
    assert "references=TABLE" in out and "'walks.dog_id:uuid:notnull:references=dogs:cascade'" in out
