"""`musekit muses apply|new`, run in-process through wizard.cli.main against real databases on the
embedded cluster."""

from __future__ import annotations

import json

import psycopg

from tests.support.muses_cli import GOOD_SQL, NEW_FLAGS, cli, write_muse
from wizard.muses import core_files, load_template, template_model


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
    dynamic = "do $$ begin execute format('alter table public.users add column %s int', 'sneaky'); end $$;\n"
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


def test_new_saves_to_your_folder_and_applies_by_slug_with_references(capsys, tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("MUSEKIT_DATA_DIR", str(tmp_path / "data"))
    code, out, err = cli(
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
    )
    assert code == 0, err
    assert f"wrote Muse template 'Dogwalk' to {tmp_path / 'data' / 'muses' / 'dogwalk'}" in out
    code, out, err = cli(capsys, "muses", "apply", "dogwalk", "--db-url", db_url)
    assert code == 0, err
    assert {"dogs", "walks"} <= set(catalog_state(db_url)["relations"])
    with psycopg.connect(db_url) as conn:
        keys = conn.execute(
            "select confrelid::regclass::text from pg_constraint where contype = 'f' "
            "and conrelid = 'public.walks'::regclass order by 1"
        ).fetchall()
    assert keys == [("dogs",), ("products",), ("users",)]
