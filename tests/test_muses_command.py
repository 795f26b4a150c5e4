"""`musekit muses list|show|apply|new`, run in-process through wizard.cli.main against real
databases on the embedded cluster."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import psycopg

from wizard.cli import main
from wizard.muses import core_files, load_template, template_model
from wizard.sql import SchemaModel

SHIPPED = {
    "socioscheduler": {"public.brand_preferences", "public.post_queues", "public.alert_logs"},
    "realtor": {"public.listings", "public.saved_searches", "public.showings"},
}


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def catalog_state(url: str) -> dict[str, object]:
    """What a run could have changed: public relations, schemas, migration history."""
    with psycopg.connect(url, autocommit=True) as conn:
        relations = conn.execute(
            "select coalesce(array_agg(relname::text order by relname), '{}') from pg_class "
            "where relnamespace = 'public'::regnamespace"
        ).fetchone()[0]
        schemas = conn.execute("select array_agg(nspname::text order by nspname) from pg_namespace").fetchone()[0]
        history = None
        if "supabase_migrations" in schemas:
            history = conn.execute(
                "select array_agg(version order by version) from supabase_migrations.schema_migrations"
            ).fetchone()[0]
    return {"relations": relations, "schemas": schemas, "history": history}


def write_muse(root: Path, slug: str, sql: str) -> Path:
    folder = root / slug
    (folder / "migrations").mkdir(parents=True)
    (folder / "muse.toml").write_text(
        f'name = "{slug}"\ndescription = "test muse"\nversion = "0.1.0"\n'
        f'core_version = "{max(f.version for f in core_files())}"\n'
    )
    (folder / "migrations" / f"20270101000000_{slug}.sql").write_text(sql)
    return folder


GOOD_SQL = """\
create table public.journal (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  body text not null
);
create index journal_user_id_idx on public.journal (user_id);
alter table public.journal enable row level security;
create policy journal_select_own on public.journal for select to authenticated
  using (user_id = (select auth.uid()));
grant select on table public.journal to authenticated;
"""


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
def test_apply_refuses_a_hostile_template_and_applies_nothing(capsys, tmp_path, db_url):
    folder = write_muse(tmp_path, "hostile", GOOD_SQL + "alter table public.users add column muse_flag boolean;\n")
    before = catalog_state(db_url)
    code, out, err = cli(capsys, "muses", "apply", str(folder), "--db-url", db_url)
    assert code == 3
    assert "nothing was applied" in err
    assert "20270101000000_hostile.sql:11 [core-add-column]" in err
    assert "alter table public.users add column muse_flag boolean" in err
    after = catalog_state(db_url)
    assert after == before and after["history"] is None and "users" not in after["relations"]

    code, out, _ = cli(capsys, "muses", "apply", str(folder), "--db-url", db_url, "--json")
    assert code == 3
    event = json.loads(out)
    assert event["event"] == "purity" and event["applied"] is False
    assert [(f["line"], f["rule"]) for f in event["findings"]] == [(11, "core-add-column")]
    assert catalog_state(db_url) == before


def test_apply_rolls_back_a_muse_that_changes_the_core_at_run_time(capsys, tmp_path, db_url):
    dynamic = "do $$ begin execute 'alter table public.users add column sneaky int'; end $$;\n"
    folder = write_muse(tmp_path, "sneaky", GOOD_SQL + dynamic)
    code, _, err = cli(capsys, "muses", "apply", str(folder), "--db-url", db_url)
    assert code == 3
    assert "sneaky" in err and "rolled back" in err
    state = catalog_state(db_url)
    assert "journal" not in state["relations"] and "users" in state["relations"]  # the core stays, the Muse went
    assert state["history"] == [f.version for f in core_files()]
    with psycopg.connect(db_url) as conn:
        assert (
            conn.execute(
                "select count(*) from information_schema.columns where table_schema = 'public' "
                "and table_name = 'users' and column_name = 'sneaky'"
            ).fetchone()[0]
            == 0
        )


def test_apply_a_shipped_muse_then_nothing_is_pending(capsys, db_url):
    code, out, _ = cli(capsys, "muses", "apply", "socioscheduler", "--db-url", db_url, "--dry-run")
    assert code == 0 and "nothing was changed" in out
    assert catalog_state(db_url)["history"] is None

    code, out, _ = cli(capsys, "muses", "apply", "socioscheduler", "--db-url", db_url)
    assert code == 0
    template = load_template("socioscheduler")
    state = catalog_state(db_url)
    assert {"brand_preferences", "post_queues", "alert_logs", "users"} <= set(state["relations"])
    assert state["history"] == [f.version for f in core_files()] + [f.version for f in template.files]
    assert f"applied {len(template.files)} migrations" in out

    code, out, _ = cli(capsys, "muses", "apply", "socioscheduler", "--db-url", db_url, "--json")
    assert code == 0
    results = [json.loads(line) for line in out.splitlines() if json.loads(line)["event"] == "result"]
    assert [(r["part"], r["applied"]) for r in results] == [("core", []), ("muse", [])]


def test_apply_with_a_bad_url_is_a_usage_error(capsys):
    code, _, err = cli(capsys, "muses", "apply", "realtor", "--db-url", "not a url")
    assert code == 2 and "error:" in err


# -- new ---------------------------------------------------------------------------------------
NEW_FLAGS = (
    "--table",
    "recipes:Recipes a user saves",
    "--column",
    "recipes.title:text:notnull",
    "--column",
    "recipes.servings:integer:null:2",
    "--enum",
    "difficulty:easy,medium,hard",
    "--column",
    "recipes.difficulty:difficulty:notnull:'easy'",
    "--user-view",
)


def test_new_writes_a_template_that_shows_and_applies(capsys, tmp_path, db_url):
    code, out, err = cli(capsys, "muses", "new", "recipes", *NEW_FLAGS, "--dir", str(tmp_path))
    assert code == 0, err
    folder = tmp_path / "recipes"
    assert f"wrote Muse template 'Recipes' to {folder}" in out
    assert f"musekit muses show {folder}" in out and f"musekit muses apply {folder} --db-url URL" in out
    template = load_template(folder)
    model = template_model(template)
    table = model.table("public.recipes")
    assert [(c.name, c.type, c.nullable, c.default) for c in table.columns] == [
        ("id", "uuid", False, "gen_random_uuid()"),
        ("user_id", "uuid", False, None),
        ("title", "text", False, None),
        ("servings", "integer", True, "2"),
        ("difficulty", "public.difficulty", False, "'easy'"),
        ("created_at", "timestamptz", False, "now()"),
    ]
    assert model.view("public.recipes_with_user").security_invoker

    code, out, _ = cli(capsys, "muses", "show", str(folder))
    assert code == 0 and "public.recipes  [RLS on]  -- Recipes a user saves" in out
    code, _, _ = cli(capsys, "muses", "apply", str(folder), "--db-url", db_url)
    assert code == 0
    assert "recipes" in catalog_state(db_url)["relations"]


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
