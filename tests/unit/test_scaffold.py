"""wizard.scaffold.writer without a database: bad names and values are refused with the field
named; files are written all or nothing; spec files load. (Templates applied to a real database:
tests/db/test_scaffold.py.)"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pglast import keywords

from tests.support.scaffold_specs import CORE_TABLES, KEYWORDS, random_identifier, simple_spec
from wizard.muses import core_files, load_template
from wizard.scaffold import (
    ColumnSpec,
    DefaultError,
    EnumSpec,
    MuseSpec,
    ScaffoldError,
    SpecError,
    TableSpec,
    default_sql,
    load_spec,
    render_manifest,
    render_migration,
    validate_spec,
    write_template,
)
from wizard.scaffold import writer as scaffold

LAST_CORE = max(f.version for f in core_files())


# -- the property: invalid names are refused, naming the field --------------------------------
BAD_CHARS = st.sampled_from([*list("-. ;\"'$é"), "\t", "\n", "A"])
bad_names = st.one_of(
    st.sampled_from(sorted(keywords.RESERVED_KEYWORDS)).map(lambda k: ("reserved", k)),
    st.from_regex(r"[a-z][a-z0-9_]{63,80}", fullmatch=True).map(lambda n: ("too long", n)),
    st.tuples(random_identifier, BAD_CHARS, random_identifier).map(lambda t: ("bad chars", t[0] + t[1] + t[2])),
    st.tuples(st.sampled_from("0123456789_"), random_identifier).map(lambda t: ("bad chars", t[0] + t[1])),
    random_identifier.filter(lambda n: any(c.isalpha() for c in n)).map(lambda n: ("uppercase", n.upper())),
    st.sampled_from(CORE_TABLES).map(lambda n: ("core", n)),
)
RULE_WORDS = {
    "reserved": "reserved SQL keyword",
    "too long": "at most 63 bytes",
    "bad chars": "lowercase letters",
    "uppercase": "lowercase letters",
    "core": "core object",
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=bad_names, where=st.sampled_from(["table", "column", "enum"]))
def test_invalid_names_are_refused_with_the_field_named(tmp_path_factory, bad, where):
    rule, name = bad
    if rule == "core" and where == "column":
        where = "table"  # a column may share a core table's name; tables and enums may not
    spec = simple_spec()
    if where == "table":
        spec.tables[0].name, field = name, "tables[0].name"
    elif where == "column":
        spec.tables[0].columns[0].name, field = name, "tables[0].columns[0].name"
    else:
        spec.enums[0].name, field = name, "enums[0].name"
        spec.tables[0].columns[1].type = name
    problems = validate_spec(spec)
    mine = [p for p in problems if p.field == field]
    assert mine, problems
    assert RULE_WORDS[rule] in mine[0].message
    with pytest.raises(SpecError) as err:
        render_migration(spec)
    assert field in str(err.value)
    dest = tmp_path_factory.mktemp("bad") / "notes"
    with pytest.raises(SpecError):
        write_template(spec, dest)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_every_reserved_keyword_from_pglast_is_refused_and_unreserved_ones_pass():
    for word in sorted(KEYWORDS):
        spec = simple_spec()
        spec.tables[0].columns[0].name = word
        assert any(p.field == "tables[0].columns[0].name" and "reserved" in p.message for p in validate_spec(spec)), (
            word
        )
    for word in ("position", "time", "values", "comment", "name", "type"):  # not reserved: valid column names
        spec = simple_spec()
        spec.tables[0].columns[0].name = word
        assert validate_spec(spec) == [], word


def test_collisions_inside_the_spec_and_with_existing_tables_name_the_field():
    spec = simple_spec(
        tables=[
            TableSpec(
                name="notes",
                comment="a",
                columns=[
                    ColumnSpec(name="title", type="text"),
                    ColumnSpec(name="title", type="text"),
                    ColumnSpec(name="user_id", type="uuid"),
                    ColumnSpec(name="xmin", type="text"),
                ],
            ),
            TableSpec(name="notes", comment="b", columns=[]),
            TableSpec(name="mood", comment="c", columns=[]),
            TableSpec(name="tasks", comment="d", columns=[]),
            TableSpec(name="notes_idx", comment="e", columns=[]),
        ]
    )
    problems = {p.field: p.message for p in validate_spec(spec, existing_tables=["public.tasks"])}
    assert "appears twice" in problems["tables[0].columns[1].name"]
    assert "added to every table" in problems["tables[0].columns[2].name"]
    assert "system column" in problems["tables[0].columns[3].name"]
    assert "already used by tables[0].name" in problems["tables[1].name"]
    assert "already used by enums[0].name" in problems["tables[2].name"]
    assert "already exists in the target database" in problems["tables[3].name"]
    assert "ends like a name Postgres generates" in problems["tables[4].name"]
    assert "notes_idx" not in {p.field for p in validate_spec(simple_spec())}


def test_enum_values_and_other_fields_are_checked():
    spec = simple_spec(
        enums=[EnumSpec(name="mood", values=["calm", "calm", "x" * 64, ""]), EnumSpec(name="text", values=["a"])],
        slug="Bad Slug",
        name="",
        description="two\nlines",
        tables=[],
        user_view=True,
    )
    problems = {p.field: p.message for p in validate_spec(spec)}
    assert "appears twice" in problems["enums[0].values[1]"]
    assert "at most 63 bytes" in problems["enums[0].values[2]"]
    assert "is empty" in problems["enums[0].values[3]"]
    assert "built-in type" in problems["enums[1].name"]
    assert "not a template slug" in problems["slug"]
    assert "is empty" in problems["name"]
    assert "one line" in problems["description"]
    assert "at least one table" in problems["tables"]
    assert "at least one table" in problems["user_view"]


def test_the_user_view_name_must_fit_and_not_shadow_its_columns():
    long_name = "t" * 60
    spec = simple_spec(
        user_view=True,
        tables=[TableSpec(name=long_name, comment="x", columns=[ColumnSpec(name="user_email", type="text")])],
    )
    problems = {p.field: p.message for p in validate_spec(spec)}
    assert "would pass 63 bytes" in problems["user_view"]
    spec.tables[0].name = "notes"
    problems = {p.field: p.message for p in validate_spec(spec)}
    assert "column of the user view" in problems["tables[0].columns[0].name"]


# -- defaults ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("type_name", "text", "sql"),
    [
        ("text", "'it''s'", "'it''s'"),
        ("text", "E'back\\\\slash'", "E'back\\\\slash'"),
        ("text", "''", "''"),
        ("varchar(255)", "'short'", "'short'"),
        ("integer", "-42", "-42"),
        ("integer", "0", "0"),
        ("bigint", "9223372036854775807", "9223372036854775807"),
        ("numeric(12,2)", "9999999999.99", "9999999999.99"),
        ("numeric", "1e5", "1e5"),
        ("double precision", "-0.5", "-0.5"),
        ("boolean", "FALSE", "false"),
        ("date", "'2026-02-28'", "'2026-02-28'"),
        ("date", "now()", "now()"),
        ("timestamptz", "'2026-01-31 09:00:00+00'", "'2026-01-31 09:00:00+00'"),
        ("uuid", "'6F9619FF-8B86-D011-B42D-00C04FC964FF'", "'6f9619ff-8b86-d011-b42d-00c04fc964ff'"),
        ("uuid", "GEN_RANDOM_UUID()", "gen_random_uuid()"),
        ("jsonb", """'{"a": [1, null]}'""", """'{"a": [1, null]}'"""),
        ("text[]", "'{news,\"big tech\"}'", "'{news,\"big tech\"}'"),
        ("mood", "'busy'", "'busy'"),
    ],
)
def test_defaults_that_are_accepted_are_rewritten_from_the_parsed_value(type_name, text, sql):
    assert default_sql(text, type_name, {"mood": ["calm", "busy"]}) == sql


@pytest.mark.parametrize(
    ("type_name", "text", "fragment"),
    [
        ("text", "now()", "only a default for date or timestamptz"),
        ("text", "draft", "single quotes"),
        ("text", "'a' || 'b'", "not allowed"),
        ("text", "'x'; drop table public.users", "not a single constant"),
        ("text", "(select email from public.users limit 1)", "not allowed"),
        ("text", "'x' as y", "not a single constant"),
        ("text", "1 from public.users", "not a single constant"),
        ("text", "'unterminated", "not valid SQL"),
        ("text", "null", "null is not a default"),
        ("text", "", "is empty"),
        ("text", "E'\\000'", "not valid SQL"),
        ("text", "E'a\\rb'", "control character"),
        ("varchar(255)", "'" + "x" * 256 + "'", "at most 255"),
        ("integer", "2147483648", "out of range"),
        ("integer", "1.5", "whole number"),
        ("integer", "'1'", "whole number"),
        ("numeric(12,2)", "10000000000", "does not fit numeric(12,2)"),
        ("double precision", "1e400", "too large"),
        ("boolean", "'yes'", "true or false"),
        ("boolean", "1", "true or false"),
        ("date", "'2026-02-30'", "not a real date"),
        ("date", "'yesterday'", "YYYY-MM-DD"),
        ("timestamptz", "'2026-13-01 00:00'", "not a real timestamp"),
        ("uuid", "'not-a-uuid'", "uuid in quotes"),
        ("uuid", "now()", "only a default for date or timestamptz"),
        ("jsonb", "'{bad'", "not valid JSON"),
        ("jsonb", "'NaN'", "not valid JSON"),
        ("jsonb", "'\"\\u0000\"'", "\\u0000"),
        ("text[]", "'{a,{b}}'", "one-dimensional array"),
        ("text[]", "'a,b'", "one-dimensional array"),
        ("mood", "'angry'", "one of the enum's values"),
        ("mood", "calm", "one of the enum's values"),
        ("text", "pg_catalog.now()", "not allowed"),
        ("text", "current_timestamp", "not allowed"),
    ],
)
def test_defaults_outside_the_safe_set_are_refused_with_the_rule(type_name, text, fragment):
    with pytest.raises(DefaultError) as err:
        default_sql(text, type_name, {"mood": ["calm", "busy"]})
    assert fragment in str(err.value)


def test_a_blank_default_means_no_default():
    assert ColumnSpec(name="a", type="text", default="  ").default is None


def test_a_bad_default_names_its_field():
    spec = simple_spec()
    spec.tables[0].columns[1].default = "'angry'"
    (problem,) = validate_spec(spec)
    assert problem.field == "tables[0].columns[1].default" and "enum's values" in problem.message


# -- writing -----------------------------------------------------------------------------------
def test_write_template_names_the_file_after_the_core_and_loads(tmp_path):
    spec = simple_spec()
    folder = write_template(spec, tmp_path / "notes", now=datetime(2026, 11, 25, 13, 5, 9, tzinfo=UTC))
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "migrations",
        "migrations/20261125130509_notes.sql",
        "muse.toml",
    ]
    assert (folder / "migrations/20261125130509_notes.sql").read_text() == render_migration(spec)
    manifest = tomllib.loads((folder / "muse.toml").read_text())
    assert manifest == {
        "name": "Notes",
        "description": "Notes people keep.",
        "version": "0.1.0",
        "core_version": LAST_CORE,
        "schemas": [],
    }
    early = write_template(spec, tmp_path / "early", now=datetime(2020, 1, 1, tzinfo=UTC))
    (sql_file,) = (early / "migrations").iterdir()
    assert sql_file.name.split("_")[0] > LAST_CORE  # one second after the last core migration
    assert load_template(early).files[0].version == sql_file.name.split("_")[0]


def test_manifest_strings_survive_quotes_and_unicode(tmp_path):
    spec = simple_spec(name='The "Best" \\ Muse é', description="Tabs\tand 'quotes' \"too\"")
    data = tomllib.loads(render_manifest(spec))
    assert (data["name"], data["description"]) == (spec.name, spec.description)
    assert load_template(write_template(spec, tmp_path / "m")).manifest.name == spec.name


def test_an_existing_folder_is_refused_without_force_and_replaced_with_it(tmp_path):
    dest = write_template(simple_spec(), tmp_path / "notes")
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    with pytest.raises(ScaffoldError, match=r"already exists.*--force"):
        write_template(simple_spec(description="Other."), dest)
    assert {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()} == before
    write_template(simple_spec(description="Other."), dest, force=True)
    assert load_template(dest).manifest.description == "Other."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]  # no staging or old folder left


def test_force_never_replaces_a_folder_that_is_not_a_template(tmp_path):
    home = tmp_path / "stuff"
    home.mkdir()
    (home / "thesis.txt").write_text("precious")
    with pytest.raises(ScaffoldError, match="not a Muse template"):
        write_template(simple_spec(), home, force=True)
    assert (home / "thesis.txt").read_text() == "precious" and sorted(p.name for p in home.iterdir()) == ["thesis.txt"]
    file_dest = tmp_path / "afile"
    file_dest.write_text("x")
    with pytest.raises(ScaffoldError, match="not a folder"):
        write_template(simple_spec(), file_dest, force=True)


def test_a_failure_while_writing_leaves_nothing_half_written(tmp_path, monkeypatch):
    real_write = scaffold._write
    calls = []

    def failing_write(path: Path, text: str) -> None:
        calls.append(path.name)
        if path.suffix == ".sql":
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(scaffold, "_write", failing_write)
    with pytest.raises(OSError):
        write_template(simple_spec(), tmp_path / "notes")
    assert calls == ["muse.toml", next(c for c in calls if c.endswith(".sql"))]
    assert list(tmp_path.iterdir()) == []
    # with --force, the old template survives a failed replacement
    monkeypatch.setattr(scaffold, "_write", real_write)
    old = write_template(simple_spec(), tmp_path / "notes")
    before = {p: p.read_bytes() for p in old.rglob("*") if p.is_file()}
    monkeypatch.setattr(scaffold, "_write", failing_write)
    with pytest.raises(OSError):
        write_template(simple_spec(description="New."), old, force=True)
    assert {p: p.read_bytes() for p in old.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


# -- spec files --------------------------------------------------------------------------------
SPEC_TOML = """
slug = "recipes"
name = "Recipes"
description = "Recipes people save."
ownership = "organization"
user_view = true

[[enums]]
name = "difficulty"
values = ["easy", "hard"]

[[tables]]
name = "recipes"
comment = "Recipes of an organization."

[[tables.columns]]
name = "title"
type = "text"
nullable = false

[[tables.columns]]
name = "difficulty"
type = "difficulty"
default = "'easy'"
"""


def test_load_spec_reads_the_same_fields_as_the_model(tmp_path):
    path = tmp_path / "recipes.toml"
    path.write_text(SPEC_TOML)
    spec = load_spec(path)
    assert spec == MuseSpec(
        slug="recipes",
        name="Recipes",
        description="Recipes people save.",
        ownership="organization",
        user_view=True,
        enums=[EnumSpec(name="difficulty", values=["easy", "hard"])],
        tables=[
            TableSpec(
                name="recipes",
                comment="Recipes of an organization.",
                columns=[
                    ColumnSpec(name="title", type="text", nullable=False),
                    ColumnSpec(name="difficulty", type="difficulty", default="'easy'"),
                ],
            )
        ],
    )
    assert validate_spec(spec) == []


def test_load_spec_names_the_field_of_a_wrong_shape(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        SPEC_TOML.replace("nullable = false", 'nullable = "maybe"').replace(
            'ownership = "organization"', 'ownership = "team"\nextra = 1'
        )
    )
    with pytest.raises(SpecError) as err:
        load_spec(path)
    fields = {p.field for p in err.value.problems}
    assert fields == {"tables[0].columns[0].nullable", "ownership", "extra"}
    assert str(path) in str(err.value)
    path.write_text("slug = ")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(path)
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.toml")


# -- references ----------------------------------------------------------------------------
def dog_walks(**changes) -> MuseSpec:
    spec = MuseSpec(
        slug="dogwalk",
        name="Dog walks",
        description="Dogs and their walks.",
        tables=[
            TableSpec(
                name="walks",
                comment="Walks of a dog.",
                columns=[
                    ColumnSpec(name="dog_id", type="uuid", nullable=False, references="dogs", on_delete="cascade"),
                    ColumnSpec(name="product_id", type="uuid", references="public.products", on_delete="set null"),
                    ColumnSpec(name="after_id", type="uuid", references="walks"),
                ],
            ),
            TableSpec(name="dogs", comment="Dogs a user walks.", columns=[ColumnSpec(name="name", type="text")]),
        ],
    )
    return spec.model_copy(update=changes)


def test_the_core_tables_a_column_may_reference_are_read_from_the_core_migrations():
    from wizard.muses import core_model
    from wizard.scaffold import core_reference_tables

    core = core_model()
    readable = [
        t.name
        for t in core.tables
        if t.schema == "public"
        and any(
            g.action == "grant"
            and g.object == t.qualified_name
            and "authenticated" in g.roles
            and "select" in g.privileges
            for g in core.grants
        )
    ]
    assert list(core_reference_tables()) == readable
    assert {"users", "organizations", "products"} <= set(readable)


def test_references_render_a_foreign_key_an_index_and_isolating_policies():
    spec = dog_walks()
    assert validate_spec(spec) == []
    sql = render_migration(spec)
    # a core table: inline, its policies only accept rows the user can see
    assert "product_id uuid references public.products (id) on delete set null," in sql
    assert "create index walks_product_id_idx on public.walks (product_id);" in sql
    visible = (
        "(walks.product_id is null or exists (select 1 from public.products _ref where _ref.id = walks.product_id))"
    )
    assert f"with check (user_id = (select auth.uid()) and {visible});" in sql
    assert sql.count(visible) == 2  # insert and update
    # a table of this Muse (itself included): the key carries the owner, added once every table exists
    assert "  dog_id uuid not null,\n" in sql and "  unique (id, user_id)\n);" in sql
    assert "create index walks_dog_id_idx on public.walks (dog_id, user_id);" in sql
    assert "create index walks_after_id_idx on public.walks (after_id, user_id);" in sql
    assert sql.index("-- references between this Muse's tables") > sql.index("create table public.dogs")
    assert (
        "alter table public.walks add foreign key (dog_id, user_id) references public.dogs (id, user_id) "
        "on delete cascade;" in sql
    )
    assert (
        "alter table public.walks add foreign key (after_id, user_id) references public.walks (id, user_id) "
        "on delete restrict;" in sql
    )
    org = render_migration(dog_walks(ownership="organization"))
    assert "references public.dogs (id, org_id) on delete cascade;" in org
    assert "create index walks_dog_id_idx on public.walks (dog_id, org_id);" in org
    null_ref = dog_walks()
    null_ref.tables[0].columns[0] = ColumnSpec(name="dog_id", type="uuid", references="dogs", on_delete="set null")
    assert "references public.dogs (id, user_id) on delete set null (dog_id);" in render_migration(null_ref)


def test_a_bad_reference_names_its_column_and_the_rule():
    spec = dog_walks()
    spec.tables[0].columns[0].references = "dogz"
    spec.tables[0].columns[1].type = "text"
    spec.tables[0].columns[2].nullable = False
    spec.tables[0].columns[2].on_delete = "set null"
    problems = {p.field: p.message for p in validate_spec(spec)}
    assert problems["tables[0].columns[0].references"].startswith(
        "walks.dog_id references 'dogz', which is neither a table of this Muse (walks, dogs) nor a core table (users,"
    )
    assert "so its type must be uuid (the type of products.id), not 'text'" in problems["tables[0].columns[1].type"]
    assert "must be nullable" in problems["tables[0].columns[2].on_delete"]
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("typed", "stored"), [("SET_NULL", "set null"), ("setnull", "set null"), ("Cascade", "cascade")]
)
def test_on_delete_spellings(typed, stored):
    assert ColumnSpec(name="a", type="uuid", references="dogs", on_delete=typed).on_delete == stored
    assert ColumnSpec(name="a", type="uuid", references=" ").references is None


def test_an_index_name_a_reference_implies_may_not_repeat():
    long = "x" * 55
    spec = dog_walks()
    spec.tables[0].columns = [
        ColumnSpec(name=f"{long}_a", type="uuid", references="dogs"),
        ColumnSpec(name=f"{long}_b", type="uuid", references="dogs"),
    ]
    problems = {p.field: p.message for p in validate_spec(spec)}
    assert "is also implied by column walks." in problems["tables[0].columns[1].name"]


def test_the_slug_of_a_shipped_template_is_refused():
    (problem,) = validate_spec(simple_spec(slug="realtor"))
    assert problem.field == "slug" and "shipped with musekit" in problem.message


def test_column_flags_with_references():
    from wizard.scaffold import FlagError, spec_from_flags

    def column(text: str) -> ColumnSpec:
        built = spec_from_flags(
            "dogwalk",
            name=None,
            description=None,
            ownership="user",
            tables=["walks:Walks"],
            columns=[text],
            enums=[],
            user_view=False,
        )
        return built.spec.tables[0].columns[0]

    assert column("walks.dog_id:uuid:references=dogs") == ColumnSpec(name="dog_id", type="uuid", references="dogs")
    assert column("walks.dog_id:uuid:notnull:references=dogs:cascade") == ColumnSpec(
        name="dog_id", type="uuid", nullable=False, references="dogs", on_delete="cascade"
    )
    assert column("walks.p:uuid:null:references=products:set_null:gen_random_uuid()") == ColumnSpec(
        name="p", type="uuid", references="products", on_delete="set null", default="gen_random_uuid()"
    )
    assert column("walks.at:timestamptz::'2026-01-31 09:00:00+00'").default == "'2026-01-31 09:00:00+00'"
    with pytest.raises(FlagError, match="'later' is not an on-delete action"):
        column("walks.dog_id:uuid:references=dogs:later")


def test_a_spec_file_with_references(tmp_path):
    path = tmp_path / "walks.toml"
    path.write_text(
        'slug = "dogwalk"\nname = "Dog walks"\ndescription = "Walks."\n'
        '[[tables]]\nname = "dogs"\ncomment = "Dogs."\n'
        '[[tables]]\nname = "walks"\ncomment = "Walks."\n'
        '[[tables.columns]]\nname = "dog_id"\ntype = "uuid"\nreferences = "dogs"\non_delete = "cascade"\n'
    )
    spec = load_spec(path)
    assert spec.tables[1].columns[0] == ColumnSpec(name="dog_id", type="uuid", references="dogs", on_delete="cascade")
    assert validate_spec(spec) == []
    path.write_text(path.read_text().replace('"cascade"', '"explode"'))
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert {p.field for p in err.value.problems} == {"tables[1].columns[0].on_delete"}
