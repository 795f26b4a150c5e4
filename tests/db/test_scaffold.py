"""wizard.scaffold.writer on a real PostgreSQL 17: templates made from specs apply after the core as
the non-superuser `postgres`, lint clean, read their defaults back and isolate rows."""

from __future__ import annotations

import asyncio
import json
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.core_world import seed_world
from tests.support.databases import Templates, unique_name
from tests.support.rls_helpers import INSUFFICIENT_PRIVILEGE, acting_as, as_user, attempt, create_auth_user, visible_ids
from tests.support.scaffold_specs import NO_VALUE, array_literal, simple_spec, sql_string, valid_specs
from wizard.muses import apply as muse_apply
from wizard.muses import load_template
from wizard.scaffold import ColumnSpec, EnumSpec, MuseSpec, TableSpec, validate_spec, write_template


def run(coro):
    return asyncio.run(coro)


class Databases:
    """Fresh databases on the session cluster. Its repr shows nothing of the cluster, since
    Hypothesis prints every argument of a failing example (the cluster's repr holds a password)."""

    def __init__(self, pg, templates: Templates) -> None:
        self._pg = pg
        self._templates = templates

    def __repr__(self) -> str:
        return "Databases()"

    def create(self) -> str:
        return self._templates.copy("shim", unique_name("scaffold"))

    def drop(self, url: str) -> None:
        self._pg.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def databases(pg, templates) -> Databases:
    return Databases(pg, templates)


# -- the property: valid specs make working templates ------------------------------------------
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(case=valid_specs())
def test_valid_specs_parse_pass_purity_apply_and_lint_clean(databases, tmp_path_factory, case):
    spec, expected = case
    assert validate_spec(spec) == []
    folder = write_template(spec, tmp_path_factory.mktemp("muse") / spec.slug)
    template = load_template(folder)
    model = muse_apply.template_model(template)
    assert [t.name for t in model.tables] == [t.name for t in spec.tables]
    for table in model.tables:
        assert table.rls_enabled
        policies = model.policies_on(table.qualified_name)
        assert sorted(p.command for p in policies) == ["delete", "insert", "select", "update"]
        assert all(p.permissive and p.roles == ["authenticated"] for p in policies)
    assert muse_apply.static_findings(template) == []

    url = databases.create()
    try:
        result = run(muse_apply.apply_template(url, template))
        assert [f.filename for f in result.muse.applied] == [f.filename for f in template.files]
        assert run(muse_apply.verify_database(url, template)) == []
        with psycopg.connect(url, autocommit=True) as conn:
            _check_defaults_read_back(conn, spec, expected)
            _check_comments_and_enums(conn, spec)
    finally:
        databases.drop(url)


def _check_defaults_read_back(conn, spec: MuseSpec, expected: dict) -> None:
    """Insert one row per table with only the owner column (when every other required column
    has a default) and compare each default with the value the generator meant."""
    owner = create_auth_user(conn, f"{uuid.uuid4()}@example.com")
    owner_column = "user_id" if spec.ownership == "user" else "org_id"  # personal org id = user id
    for table in spec.tables:
        if any(not c.nullable and c.default is None for c in table.columns):
            continue
        row = conn.execute(
            f"insert into public.{table.name} ({owner_column}) values (%s) returning *", (owner,)
        ).fetchone()
        names = [d.name for d in conn.execute(f"select * from public.{table.name} limit 0").description]
        stored = dict(zip(names, row, strict=False))
        for column in table.columns:
            want = expected.get((table.name, column.name), None)
            if want is NO_VALUE:
                assert stored[column.name] is not None
            else:
                assert stored[column.name] == want, (table.name, column.name, column.default)


def _check_comments_and_enums(conn, spec: MuseSpec) -> None:
    for table in spec.tables:
        got = conn.execute("select obj_description(%s::regclass, 'pg_class')", (f"public.{table.name}",)).fetchone()[0]
        assert got == table.comment
    for enum in spec.enums:
        labels = conn.execute(
            "select array_agg(enumlabel order by enumsortorder) from pg_enum where enumtypid = %s::regtype",
            (f"public.{enum.name}",),
        ).fetchone()[0]
        assert labels == enum.values


def test_hostile_values_are_quoted_and_land_exactly(make_db, tmp_path):
    comment = 'x\'); drop table public.users; -- \\ "q" é'
    value = "it's \\ '); delete from public.users; --"
    spec = simple_spec(
        tables=[
            TableSpec(
                name="notes",
                comment=comment,
                columns=[
                    ColumnSpec(name="body", type="text", default=sql_string(value)),
                    ColumnSpec(name="mood", type="mood", default=sql_string(value)),
                    ColumnSpec(name="tags", type="text[]", default=sql_string(array_literal([value, "b,c"]))),
                    ColumnSpec(name="meta", type="jsonb", default=sql_string(json.dumps({"k": value}))),
                ],
            )
        ],
        enums=[EnumSpec(name="mood", values=[value, "calm"])],
    )
    template = load_template(write_template(spec, tmp_path / "notes"))
    url = make_db("scaffold")
    run(muse_apply.apply_template(url, template))
    with psycopg.connect(url, autocommit=True) as conn:
        user = create_auth_user(conn, "a@example.com")
        assert conn.execute("select count(*) from public.users").fetchone()[0] == 1
        row = conn.execute(
            "insert into public.notes (user_id) values (%s) returning body, mood::text, tags, meta", (user,)
        ).fetchone()
        assert row == (value, value, [value, "b,c"], {"k": value})
        assert conn.execute("select obj_description('public.notes'::regclass, 'pg_class')").fetchone()[0] == comment


# -- behaviour of the generated SQL on real data ----------------------------------------------
def _apply_spec(make_db, tmp_path, spec: MuseSpec) -> str:
    template = load_template(write_template(spec, tmp_path / spec.slug))
    url = make_db("scaffold")
    run(muse_apply.apply_template(url, template))
    assert run(muse_apply.verify_database(url, template)) == []
    return url


def test_user_owned_rows_are_private_to_their_user(make_db, tmp_path):
    url = _apply_spec(make_db, tmp_path, simple_spec(user_view=True))
    with psycopg.connect(url, autocommit=True) as conn:
        alice = create_auth_user(conn, "alice@example.com", "Alice")
        bob = create_auth_user(conn, "bob@example.com", "Bob")
        note = conn.execute(
            "insert into public.notes (user_id, title) values (%s, 'a') returning id::text", (alice,)
        ).fetchone()[0]
        with as_user(conn, alice):
            assert visible_ids(conn, "notes") == {note}
            assert conn.execute("select user_email, user_full_name from public.notes_with_user").fetchall() == [
                ("alice@example.com", "Alice")
            ]
            assert attempt(conn, "insert into public.notes (user_id, title) values (%s, 'mine')", (alice,)).succeeded
        with as_user(conn, bob):
            assert visible_ids(conn, "notes") == set()
            assert conn.execute("select count(*) from public.notes_with_user").fetchone()[0] == 0
            assert (
                attempt(conn, "insert into public.notes (user_id, title) values (%s, 'x')", (alice,)).sqlstate
                == INSUFFICIENT_PRIVILEGE
            )
            assert attempt(conn, "update public.notes set title = 'x' where id = %s", (note,)).rowcount == 0
            assert attempt(conn, "delete from public.notes where id = %s", (note,)).rowcount == 0
        with as_user(conn, alice):
            assert (
                attempt(conn, "update public.notes set created_at = now() where id = %s", (note,)).sqlstate
                == INSUFFICIENT_PRIVILEGE
            )  # only the spec's own columns are updatable
            assert attempt(conn, "delete from public.notes where id = %s", (note,)).succeeded
        with acting_as(conn, "anon"):
            assert attempt(conn, "select * from public.notes").sqlstate == INSUFFICIENT_PRIVILEGE
        assert conn.execute("select title from public.notes").fetchall() == [("a",)]  # all rolled back


def test_organization_owned_rows_follow_core_memberships(make_db, tmp_path):
    url = _apply_spec(make_db, tmp_path, simple_spec(ownership="organization", user_view=True))
    with psycopg.connect(url, autocommit=True) as conn:
        w = seed_world(conn)  # team A: alice owner, dana admin, carol member; team B: bob, erin
        team_a = w.orgs["A"]
        with as_user(conn, w.users["carol"]):
            row = conn.execute(
                "insert into public.notes (org_id, title) values (%s, 'plan') returning id::text, created_by::text",
                (team_a,),
            ).fetchone()
            assert row[1] == w.users["carol"]  # created_by defaults to the signed-in user
            assert (
                attempt(
                    conn,
                    "insert into public.notes (org_id, title, created_by) values (%s, 'x', %s)",
                    (team_a, w.users["alice"]),
                ).sqlstate
                == INSUFFICIENT_PRIVILEGE
            )
        conn.execute(
            "insert into public.notes (org_id, title, created_by) values (%s, 'plan', %s)", (team_a, w.users["carol"])
        )
        note = conn.execute("select id::text from public.notes").fetchone()[0]
        for person in ("alice", "dana", "carol"):
            with as_user(conn, w.users[person]):
                assert visible_ids(conn, "notes") == {note}, person
        with as_user(conn, w.users["bob"]):
            assert visible_ids(conn, "notes") == set()
            assert (
                attempt(conn, "insert into public.notes (org_id, title) values (%s, 'x')", (team_a,)).sqlstate
                == INSUFFICIENT_PRIVILEGE
            )
        with as_user(conn, w.users["carol"]):
            assert attempt(conn, "update public.notes set title = 'new' where id = %s", (note,)).succeeded
            assert attempt(conn, "delete from public.notes where id = %s", (note,)).rowcount == 0  # members don't
            assert conn.execute("select created_by_email from public.notes_with_user").fetchall() == [
                ("carol@example.com",)
            ]
        with as_user(conn, w.users["dana"]):
            assert attempt(conn, "delete from public.notes where id = %s", (note,)).succeeded  # admins do


# -- references: to a table of the Muse and to a core table ------------------------------------
FOREIGN_KEY_VIOLATION = "23503"


def dog_walks(ownership: str = "user") -> MuseSpec:
    return MuseSpec(
        slug="dogwalk",
        name="Dog walks",
        description="Dogs and their walks.",
        ownership=ownership,
        tables=[
            TableSpec(
                name="walks",
                comment="Walks of a dog.",
                columns=[
                    ColumnSpec(name="dog_id", type="uuid", nullable=False, references="dogs", on_delete="cascade"),
                    ColumnSpec(name="product_id", type="uuid", references="products", on_delete="set null"),
                    ColumnSpec(name="after_id", type="uuid", references="walks", on_delete="set null"),
                ],
            ),
            TableSpec(
                name="dogs",
                comment="Dogs a user walks.",
                columns=[
                    ColumnSpec(name="name", type="text"),
                    ColumnSpec(name="vet_id", type="uuid", references="users", on_delete="restrict"),
                ],
            ),
        ],
    )


def test_references_apply_on_the_core_lint_clean_and_keep_the_core_pure(make_db, tmp_path):
    from wizard.lints import report_url

    template = load_template(write_template(dog_walks(), tmp_path / "dogwalk"))
    assert muse_apply.static_findings(template) == []
    url = make_db("scaffold")
    run(muse_apply.apply_template(url, template))  # under the core guard: the core fingerprint holds
    assert run(muse_apply.verify_database(url, template)) == []  # lints (0001 included), RLS probe, core
    report = run(report_url(url))
    assert not [f for f in [*report.findings, *report.advisory] if f.id == "0001"]
    with psycopg.connect(url, autocommit=True) as conn:
        keys = conn.execute(
            "select conrelid::regclass::text, confrelid::regclass::text, pg_get_constraintdef(oid) from pg_constraint "
            "where contype = 'f' and conrelid in ('public.walks'::regclass, 'public.dogs'::regclass) order by 3"
        ).fetchall()
    assert ("walks", "dogs", "FOREIGN KEY (dog_id, user_id) REFERENCES dogs(id, user_id) ON DELETE CASCADE") in keys
    assert ("walks", "products", "FOREIGN KEY (product_id) REFERENCES products(id) ON DELETE SET NULL") in keys
    assert ("dogs", "users", "FOREIGN KEY (vet_id) REFERENCES users(id) ON DELETE RESTRICT") in keys
    assert (
        "walks",
        "walks",
        "FOREIGN KEY (after_id, user_id) REFERENCES walks(id, user_id) ON DELETE SET NULL (after_id)",
    ) in keys


def test_a_reference_only_reaches_rows_of_the_same_owner_or_core_rows_the_user_sees(make_db, tmp_path):
    url = _apply_spec(make_db, tmp_path, dog_walks())
    with psycopg.connect(url, autocommit=True) as conn:
        w = seed_world(conn)
        alice, bob, carol = w.users["alice"], w.users["bob"], w.users["carol"]
        active, inactive = w.rows["products"]["active"], w.rows["products"]["inactive"]
        rex = conn.execute("insert into public.dogs (user_id, name) values (%s, 'Rex') returning id::text", (alice,))
        rex = rex.fetchone()[0]
        insert_walk = "insert into public.walks (user_id, dog_id, product_id) values (%s, %s, %s)"
        with as_user(conn, alice):
            assert attempt(conn, insert_walk, (alice, rex, active)).succeeded
            assert attempt(conn, insert_walk, (alice, rex, inactive)).sqlstate == INSUFFICIENT_PRIVILEGE  # unseen
            assert attempt(conn, insert_walk, (alice, rex, None)).succeeded
        with as_user(conn, bob):
            # knowing the id of alice's dog is not enough: the key carries the owner
            assert attempt(conn, insert_walk, (bob, rex, None)).sqlstate == FOREIGN_KEY_VIOLATION
        with as_user(conn, carol):  # shares team A with alice: may name her as vet; bob shares nothing with carol
            dog = "insert into public.dogs (user_id, name, vet_id) values (%s, 'Kit', %s)"
            assert attempt(conn, dog, (carol, alice)).succeeded
            assert attempt(conn, dog, (carol, bob)).sqlstate == INSUFFICIENT_PRIVILEGE

        walk = conn.execute(insert_walk + " returning id::text", (alice, rex, active)).fetchone()[0]
        later = conn.execute(
            "insert into public.walks (user_id, dog_id, after_id) values (%s, %s, %s) returning id::text",
            (alice, rex, walk),
        ).fetchone()[0]
        with as_user(conn, alice):
            assert attempt(conn, "update public.walks set product_id = %s where id = %s", (inactive, walk)).refused
            assert attempt(conn, "delete from public.walks where id = %s", (walk,)).succeeded
            assert conn.execute("select after_id from public.walks where id = %s", (later,)).fetchone()[0] is None
            assert attempt(conn, "delete from public.dogs where id = %s", (rex,)).succeeded
            assert visible_ids(conn, "walks") == set()  # cascade: the dog's walks went with it

        rex = conn.execute("insert into public.dogs (user_id, name) values (%s, 'Rex') returning id::text", (alice,))
        rex = rex.fetchone()[0]
        leash = conn.execute(
            "insert into public.products (name, provider_product_id, active) values ('Leash', 'prod_leash', true) "
            "returning id::text"
        ).fetchone()[0]
        leashed = conn.execute(insert_walk + " returning id::text", (alice, rex, leash)).fetchone()[0]
        conn.execute("delete from public.products where id = %s", (leash,))
        assert conn.execute("select product_id from public.walks where id = %s", (leashed,)).fetchone() == (None,)

        conn.execute("insert into public.dogs (user_id, name, vet_id) values (%s, 'Kit', %s)", (carol, alice))
        refused = attempt(conn, "delete from auth.users where id = %s", (alice,))  # carol's dog names her as vet
        assert refused.sqlstate == FOREIGN_KEY_VIOLATION and 'on table "dogs"' in refused.message
        conn.execute("insert into public.dogs (user_id, name, vet_id) values (%s, 'Ace', %s)", (bob, bob))
        assert attempt(conn, "delete from auth.users where id = %s", (bob,)).succeeded  # his own rows go with him
        assert conn.execute("select count(*) from public.dogs where user_id = %s", (bob,)).fetchone() == (0,)


def test_organization_references_stay_inside_one_organization(make_db, tmp_path):
    url = _apply_spec(make_db, tmp_path, dog_walks("organization"))
    with psycopg.connect(url, autocommit=True) as conn:
        w = seed_world(conn)
        alice, team_a = w.users["alice"], w.orgs["A"]
        own_dog = conn.execute(
            "insert into public.dogs (org_id, name) values (%s, 'Solo') returning id::text", (alice,)
        ).fetchone()[0]  # in alice's personal organization
        team_dog = conn.execute(
            "insert into public.dogs (org_id, name) values (%s, 'Team') returning id::text", (team_a,)
        ).fetchone()[0]
        walk = "insert into public.walks (org_id, dog_id) values (%s, %s)"
        with as_user(conn, alice):  # a member of both organizations
            assert attempt(conn, walk, (team_a, team_dog)).succeeded
            assert attempt(conn, walk, (team_a, own_dog)).sqlstate == FOREIGN_KEY_VIOLATION
        with as_user(conn, w.users["carol"]):
            assert attempt(conn, walk, (team_a, team_dog)).succeeded
