"""The MuseKit core migrations on a real embedded PostgreSQL 17, applied as the non-superuser
`postgres`: the new-user trigger, RLS isolation on every core table for reads and writes,
the membership rules, grants, comments and the splinter lints."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest

from tests.support.catalog_lints import lint_findings
from tests.support.core_rls_cases import CASES
from tests.support.core_world import World, seed_world
from tests.support.databases import unique_name
from tests.support.rls_helpers import (
    INSUFFICIENT_PRIVILEGE,
    acting_as,
    as_migrator,
    as_user,
    attempt,
    create_auth_user,
    sha256_hex,
    visible_ids,
)
from tests.support.rls_matrix import (
    anon_outcomes,
    delete_mismatches,
    insert_mismatches,
    read_mismatches,
    service_role_result,
    table_sql,
    update_mismatches,
)

CORE_TABLES = {
    "users",
    "organizations",
    "memberships",
    "invitations",
    "customers",
    "products",
    "prices",
    "subscriptions",
    "metrics",
    "api_keys",
    "audit_logs",
    "notifications",
    "feature_flags",
}
HELPERS = ("is_org_member", "is_org_admin", "is_org_owner", "shares_org_with")


@pytest.fixture(scope="module")
def seeded(pg, templates):
    """One core database per module, populated by seed_world; every test rolls back its changes."""
    name = unique_name("corerls")
    url = templates.copy("core", name)
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        world = seed_world(conn)
    yield url, world
    pg.drop_database(name)


@pytest.fixture
def conn(seeded):
    url, _ = seeded
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as c:
        yield c


@pytest.fixture
def world(seeded) -> World:
    return seeded[1]


@pytest.fixture
def db(core_db):
    with psycopg.connect(core_db, autocommit=True, prepare_threshold=None) as c:
        yield c


# -- the table list -------------------------------------------------------------------------


def test_core_has_exactly_the_13_tables_and_each_has_an_rls_case(conn):
    tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert tables == CORE_TABLES
    assert set(CASES) == tables, "every core table needs a TableCase in tests/support/core_rls_cases.py"


def test_every_seeded_row_is_labelled(conn, world):
    """The read expectations below cover whole tables: no row may be unaccounted for."""
    for table in CORE_TABLES:
        ids = {r[0] for r in conn.execute(table_sql("select id::text from public.{table}", table))}
        assert ids == set(world.rows[table].values()), table


# -- RLS per table ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(CASES))
def test_reads_follow_the_policy(conn, world, table):
    assert read_mismatches(conn, world, CASES[table]) == []


@pytest.mark.parametrize("table", sorted(CASES))
def test_updates_follow_the_policy(conn, world, table):
    assert update_mismatches(conn, world, CASES[table]) == []


@pytest.mark.parametrize("table", sorted(CASES))
def test_deletes_follow_the_policy(conn, world, table):
    assert delete_mismatches(conn, world, CASES[table]) == []


@pytest.mark.parametrize("table", sorted(CASES))
def test_inserts_follow_the_policy(conn, world, table):
    assert insert_mismatches(conn, world, CASES[table]) == []


@pytest.mark.parametrize("table", sorted(CASES))
def test_anon_can_neither_read_nor_write(conn, world, table):
    outcomes = anon_outcomes(conn, world, CASES[table])
    assert [o.sqlstate for o in outcomes] == [INSUFFICIENT_PRIVILEGE] * 4, outcomes
    assert all("permission denied" in o.message for o in outcomes)


@pytest.mark.parametrize("table", sorted(CASES))
def test_service_role_reads_everything_and_writes_what_it_should(conn, world, table):
    case = CASES[table]
    result = service_role_result(conn, world, case)
    assert result.sees_all
    assert result.updated.succeeded == ("update" in case.service_writes), result.updated
    assert (result.deleted.succeeded and result.deleted_gone) == ("delete" in case.service_writes), result.deleted
    if "insert" in case.service_writes:
        assert all(o.succeeded for o in result.inserted), result.inserted
    else:
        assert all(o.sqlstate == INSUFFICIENT_PRIVILEGE for o in result.inserted), result.inserted
    if not result.updated.succeeded:
        assert result.updated.sqlstate == INSUFFICIENT_PRIVILEGE


def test_service_only_tables_are_the_ones_core_schema_names(conn):
    assert {t for t, c in CASES.items() if c.service_only_writes} == {
        "customers",
        "products",
        "prices",
        "subscriptions",
        "audit_logs",
        "feature_flags",
    }
    privileged = conn.execute(
        "select c.relname from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' "
        "and (has_table_privilege('authenticated', c.oid, 'INSERT') or has_table_privilege('authenticated', c.oid, 'UPDATE') "
        "or has_any_column_privilege('authenticated', c.oid, 'INSERT') or has_any_column_privilege('authenticated', c.oid, 'UPDATE') "
        "or has_table_privilege('authenticated', c.oid, 'DELETE'))"
    ).fetchall()
    assert {r[0] for r in privileged}.isdisjoint({t for t, c in CASES.items() if c.service_only_writes})


# -- the new-user trigger -----------------------------------------------------------------------


def test_new_auth_user_gets_profile_personal_org_and_owner_membership(db):
    uid = create_auth_user(db, "ada@example.com", "Ada Lovelace")
    profile = db.execute("select email, full_name from public.users where id = %s", (uid,)).fetchone()
    orgs = db.execute("select id::text, name, personal, created_by::text from public.organizations").fetchall()
    members = db.execute("select org_id::text, user_id::text, role::text from public.memberships").fetchall()
    assert profile == ("ada@example.com", "Ada Lovelace")
    assert orgs == [(uid, "Ada Lovelace", True, uid)]
    assert members == [(uid, uid, "owner")]


def test_personal_org_is_named_after_the_email_when_there_is_no_name(db):
    uid = create_auth_user(db, "grace@example.com")
    assert db.execute("select name from public.organizations where id = %s", (uid,)).fetchone() == ("grace",)
    assert db.execute("select full_name from public.users where id = %s", (uid,)).fetchone() == (None,)


def test_new_user_trigger_works_in_the_auth_servers_session(pg, core_db):
    """GoTrue inserts as supabase_auth_admin, which has no rights in public or private."""
    import uuid

    dbname = core_db.rsplit("/", 1)[1]
    uid = str(uuid.uuid4())
    with psycopg.connect(pg.admin_conninfo(dbname), autocommit=True) as admin:
        admin.execute("set role supabase_auth_admin")
        assert admin.execute(
            "select has_schema_privilege('private', 'USAGE'), has_table_privilege('public.users', 'INSERT')"
        ).fetchone() == (False, False)
        admin.execute("insert into auth.users (id, email) values (%s, 'phone-less@example.com')", (uid,))
    with psycopg.connect(core_db) as conn:
        assert conn.execute(
            "select count(*) from public.memberships where org_id = %s and user_id = %s and role = 'owner'", (uid, uid)
        ).fetchone() == (1,)


def test_auth_email_change_reaches_the_profile(db):
    uid = create_auth_user(db, "old@example.com")
    db.execute("update auth.users set email = 'new@example.com' where id = %s", (uid,))
    assert db.execute("select email from public.users where id = %s", (uid,)).fetchone() == ("new@example.com",)


def test_deleting_an_auth_user_removes_profile_and_personal_org_but_not_shared_teams(db):
    owner = create_auth_user(db, "owner@example.com")
    leaver = create_auth_user(db, "leaver@example.com")
    team = db.execute(
        "insert into public.organizations (name, created_by) values ('Shared', %s) returning id", (owner,)
    ).fetchone()[0]
    db.execute(
        "insert into public.memberships (org_id, user_id, role) values (%s, %s, 'owner'), (%s, %s, 'owner')",
        (team, owner, team, leaver),
    )
    db.execute("delete from auth.users where id = %s", (leaver,))
    assert db.execute("select count(*) from public.users where id = %s", (leaver,)).fetchone() == (0,)
    assert db.execute("select count(*) from public.organizations where id = %s", (leaver,)).fetchone() == (0,)
    assert db.execute("select count(*) from public.memberships where user_id = %s", (leaver,)).fetchone() == (0,)
    assert db.execute("select count(*) from public.organizations").fetchone() == (2,)  # owner's personal + team
    assert db.execute("select user_id from public.memberships where org_id = %s", (team,)).fetchall() == [
        (UUID(owner),)
    ]


# -- membership rules ----------------------------------------------------------------------------


def _membership(conn, world, org: str, person: str) -> str:
    return world.rows["memberships"][f"{org}:{person}"]


def test_admin_cannot_make_anyone_owner_but_an_owner_can(conn, world):
    carol = _membership(conn, world, "A", "carol")
    promote = "update public.memberships set role = 'owner' where id = %s"
    with as_user(conn, world.users["dana"]):
        by_admin = attempt(conn, promote, (carol,))
        role_after_admin = conn.execute("select role::text from public.memberships where id = %s", (carol,)).fetchone()
    with as_user(conn, world.users["alice"]):
        by_owner = attempt(conn, promote, (carol,))
        role_after_owner = conn.execute("select role::text from public.memberships where id = %s", (carol,)).fetchone()
    assert by_admin.sqlstate == INSUFFICIENT_PRIVILEGE
    assert "only an owner of the organization can grant, change or remove the owner role" in by_admin.message
    assert role_after_admin == ("member",)
    assert by_owner.succeeded and role_after_owner == ("owner",)


def test_admin_cannot_invite_an_owner_or_remove_one(
    conn,
    world,
):
    with as_user(conn, world.users["dana"]):
        invite = attempt(
            conn,
            "insert into public.invitations (org_id, email, role, token_hash, invited_by) "
            "values (%s, 'boss@example.com', 'owner', %s, %s)",
            (world.orgs["A"], "ab" * 32, world.users["dana"]),
        )
        remove = attempt(
            conn, "delete from public.memberships where id = %s", (_membership(conn, world, "A", "alice"),)
        )
        owners = conn.execute(
            "select count(*) from public.memberships where org_id = %s and role = 'owner'", (world.orgs["A"],)
        ).fetchone()
    assert invite.sqlstate == INSUFFICIENT_PRIVILEGE and "owner role" in invite.message
    assert remove.sqlstate == INSUFFICIENT_PRIVILEGE and "owner role" in remove.message
    assert owners == (1,)


def test_the_last_owner_can_neither_leave_nor_step_down(conn, world):
    alice = _membership(conn, world, "A", "alice")
    with as_user(conn, world.users["alice"]):
        leave = attempt(conn, "delete from public.memberships where id = %s", (alice,))
        demote = attempt(conn, "update public.memberships set role = 'admin' where id = %s", (alice,))
        still = conn.execute("select role::text from public.memberships where id = %s", (alice,)).fetchone()
    assert leave.sqlstate == "23514" and "would have no owner left" in leave.message
    assert demote.sqlstate == "23514"
    assert still == ("owner",)


def test_an_owner_can_leave_once_someone_else_owns_the_org(conn, world):
    with as_user(conn, world.users["alice"]):
        promoted = attempt(
            conn, "update public.memberships set role = 'owner' where id = %s", (_membership(conn, world, "A", "dana"),)
        )
        left = attempt(conn, "delete from public.memberships where id = %s", (_membership(conn, world, "A", "alice"),))
        sees_team = visible_ids(conn, "organizations") & {world.orgs["A"]}
    assert promoted.succeeded and left.succeeded
    assert sees_team == set()


def test_the_last_owner_rule_binds_service_role_too(conn, world):
    with acting_as(conn, "service_role"):
        outcome = attempt(conn, "delete from public.memberships where id = %s", (_membership(conn, world, "B", "bob"),))
    assert outcome.sqlstate == "23514"


def test_create_organization_makes_the_caller_owner(conn, world):
    with as_user(conn, world.users["carol"]):
        org = conn.execute("select public.create_organization('Side project', 'side-project')").fetchone()[0]
        name = conn.execute("select name, personal from public.organizations where id = %s", (org,)).fetchone()
        role = conn.execute(
            "select role::text from public.memberships where org_id = %s and user_id = %s", (org, world.users["carol"])
        ).fetchone()
    with as_user(conn, world.users["bob"]):
        hidden = conn.execute("select count(*) from public.organizations where id = %s", (org,)).fetchone()
    assert name == ("Side project", False) and role == ("owner",) and hidden == (0,)


def test_create_organization_refuses_anon_and_bad_slugs(conn, world):
    with acting_as(conn, "anon"):
        anon = attempt(conn, "select public.create_organization('x')")
    with as_user(conn, world.users["carol"]):
        bad = attempt(conn, "select public.create_organization('x', 'Not A Slug')")
    assert (
        anon.sqlstate == INSUFFICIENT_PRIVILEGE and "permission denied for function create_organization" in anon.message
    )
    assert bad.sqlstate == "23514" and "organizations_slug_check" in bad.message


# -- invitations ------------------------------------------------------------------------------------


def _invite(
    conn, world, email: str, token: str, role: str = "member", expires: str = "now() + interval '1 day'"
) -> None:
    conn.execute(
        f"insert into public.invitations (org_id, email, role, token_hash, invited_by, expires_at) "
        f"values (%s, %s, %s, %s, %s, {expires})",
        (world.orgs["B"], email, role, sha256_hex(conn, token), world.users["bob"]),
    )


def test_accepting_an_invitation_joins_the_org_with_its_role_once(conn, world):
    with as_user(conn, world.users["carol"]):
        with as_migrator(conn):
            _invite(conn, world, "CAROL@example.com", "tok-carol", role="admin")
        org = conn.execute("select public.accept_invitation('tok-carol')").fetchone()[0]
        role = conn.execute(
            "select role::text from public.memberships where org_id = %s and user_id = %s", (org, world.users["carol"])
        ).fetchone()
        reuse = attempt(conn, "select public.accept_invitation('tok-carol')")
        with as_migrator(conn):
            accepted = conn.execute(
                "select accepted_at is not null from public.invitations where token_hash = %s",
                (sha256_hex(conn, "tok-carol"),),
            ).fetchone()
    assert str(org) == world.orgs["B"] and role == ("admin",) and accepted == (True,)
    assert reuse.sqlstate == "P0002" and "already used" in reuse.message


@pytest.mark.parametrize(
    "token, email, expires, sqlstate, message",
    [
        ("wrong-token", "carol@example.com", "now() + interval '1 day'", "P0002", "no pending invitation"),
        ("tok", "carol@example.com", "now() - interval '1 second'", "P0002", "expired"),
        ("tok", "someone-else@example.com", "now() + interval '1 day'", "42501", "sent to another email address"),
    ],
)
def test_accept_invitation_refuses(conn, world, token, email, expires, sqlstate, message):
    with as_user(conn, world.users["carol"]):
        with as_migrator(conn):
            _invite(conn, world, email, "tok", expires=expires)
        outcome = attempt(conn, "select public.accept_invitation(%s)", (token,))
        joined = conn.execute(
            "select count(*) from public.memberships where org_id = %s and user_id = %s",
            (world.orgs["B"], world.users["carol"]),
        ).fetchone()
    assert outcome.sqlstate == sqlstate and message in outcome.message
    assert joined == (0,)


# -- column-level rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, label_of, who, assignment",
    [
        ("users", lambda w: w.users["alice"], "alice", "email = 'spoof@example.com'"),
        ("organizations", lambda w: w.orgs["A"], "alice", "personal = true"),
        ("memberships", lambda w: w.rows["memberships"]["A:carol"], "alice", "user_id = user_id"),
        ("api_keys", lambda w: w.rows["api_keys"]["A"], "alice", "key_hash = repeat('0', 64)"),
        ("api_keys", lambda w: w.rows["api_keys"]["A"], "alice", "last_used_at = now()"),
        ("notifications", lambda w: w.rows["notifications"]["alice"], "alice", "user_id = user_id"),
    ],
)
def test_allowed_writers_still_cannot_touch_protected_columns(conn, world, table, label_of, who, assignment):
    rid = label_of(world)
    with as_user(conn, world.users[who]):
        outcome = attempt(conn, table_sql(f"update public.{{table}} set {assignment} where id = %s", table), (rid,))
    assert outcome.sqlstate == INSUFFICIENT_PRIVILEGE and "permission denied" in outcome.message


def test_members_record_metrics_only_as_themselves(conn, world):
    with as_user(conn, world.users["carol"]):
        outcome = attempt(
            conn,
            "insert into public.metrics (org_id, user_id, name) values (%s, %s, 'x')",
            (world.orgs["A"], world.users["alice"]),
        )
        defaulted = attempt(conn, "insert into public.metrics (org_id, name) values (%s, 'x')", (world.orgs["A"],))
    assert outcome.sqlstate == INSUFFICIENT_PRIVILEGE and "row-level security" in outcome.message
    assert defaulted.succeeded  # user_id defaults to auth.uid()


def test_api_keys_store_only_a_sha256_hex_hash(db):
    uid = create_auth_user(db, "k@example.com")
    with pytest.raises(psycopg.errors.CheckViolation, match="api_keys_key_hash_check"):
        db.execute(
            "insert into public.api_keys (org_id, name, prefix, key_hash) values (%s, 'k', 'mk_live', 'mk_live_plaintext')",
            (uid,),
        )
    columns = {
        r[0]
        for r in db.execute(
            "select column_name from information_schema.columns where table_schema = 'public' and table_name = 'api_keys'"
        )
    }
    assert "key_hash" in columns and not columns & {"key", "secret", "token", "plaintext"}


# -- helpers, grants, comments, lints -------------------------------------------------------------------


def test_private_helpers_answer_for_the_signed_in_user(conn, world):
    org = world.orgs["A"]
    answers = {}
    for person in ("alice", "dana", "carol", "bob"):
        with as_user(conn, world.users[person]):
            answers[person] = conn.execute(
                "select private.is_org_member(%s), private.is_org_admin(%s), private.is_org_owner(%s), "
                "private.shares_org_with(%s)",
                (org, org, org, world.users["erin"]),
            ).fetchone()
    assert answers == {
        "alice": (True, True, True, False),
        "dana": (True, True, False, False),
        "carol": (True, False, False, False),
        "bob": (False, False, False, True),
    }


def test_private_helpers_are_definer_with_empty_search_path_and_not_for_anon(conn):
    rows = conn.execute(
        "select p.proname, p.prosecdef, p.proconfig, pg_get_function_identity_arguments(p.oid), "
        "has_function_privilege('anon', p.oid, 'EXECUTE'), has_function_privilege('authenticated', p.oid, 'EXECUTE'), "
        "has_function_privilege('service_role', p.oid, 'EXECUTE'), "
        "exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0) "
        "from pg_proc p where p.pronamespace = 'private'::regnamespace and p.proname = any(%s) order by p.proname",
        (list(HELPERS),),
    ).fetchall()
    assert [r[0] for r in rows] == sorted(HELPERS)
    for name, secdef, config, args, anon, authenticated, service, public in rows:
        assert (secdef, config, anon, authenticated, service, public) == (
            True,
            ['search_path=""'],
            False,
            True,
            True,
            False,
        ), name
        assert args in ("org_id uuid", "user_id uuid"), name
    with acting_as(conn, "anon"):
        outcome = attempt(conn, "select private.is_org_member(gen_random_uuid())")
    assert outcome.sqlstate == INSUFFICIENT_PRIVILEGE


def test_api_roles_have_no_truncate_trigger_references_or_maintain(conn):
    leftovers = conn.execute(
        "select c.relname, r.rolname, a.privilege_type from pg_class c, aclexplode(c.relacl) a, pg_roles r "
        "where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and r.oid = a.grantee "
        "and r.rolname in ('anon', 'authenticated', 'service_role') "
        "and a.privilege_type in ('TRUNCATE', 'TRIGGER', 'REFERENCES', 'MAINTAIN')"
    ).fetchall()
    anon = conn.execute(
        "select count(*) from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' "
        "and (has_table_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE,DELETE') "
        "or has_any_column_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE'))"
    ).fetchone()
    assert leftovers == [] and anon == (0,)


def test_every_core_table_has_a_one_line_comment(conn):
    rows = conn.execute(
        "select c.relname, obj_description(c.oid, 'pg_class') from pg_class c "
        "where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'"
    ).fetchall()
    assert {name for name, _ in rows} == CORE_TABLES
    for name, comment in rows:
        assert comment and "\n" not in comment and len(comment) < 140, name


def test_enums(conn):
    rows = conn.execute(
        "select t.typname, array_agg(e.enumlabel::text order by e.enumsortorder) from pg_type t "
        "join pg_enum e on e.enumtypid = t.oid where t.typnamespace = 'public'::regnamespace "
        "group by t.typname"
    ).fetchall()
    assert dict(rows) == {
        "membership_role": ["owner", "admin", "member"],
        "subscription_status": [
            "trialing",
            "active",
            "past_due",
            "canceled",
            "incomplete",
            "incomplete_expired",
            "unpaid",
            "paused",
        ],
        "price_type": ["one_time", "recurring"],
        "price_interval": ["day", "week", "month", "year"],
    }


def test_ids_and_timestamps_follow_the_conventions(conn):
    ids = conn.execute(
        "select table_name, column_default from information_schema.columns "
        "where table_schema = 'public' and column_name = 'id'"
    ).fetchall()
    stamps = conn.execute(
        "select table_name, column_name, data_type, column_default from information_schema.columns "
        "where table_schema = 'public' and column_name in ('created_at', 'updated_at', 'recorded_at')"
    ).fetchall()
    assert {t: d for t, d in ids} == {t: (None if t == "users" else "gen_random_uuid()") for t in CORE_TABLES}
    assert all(dtype == "timestamp with time zone" and default == "now()" for _, _, dtype, default in stamps), stamps


def test_core_passes_the_splinter_lints(conn):
    assert lint_findings(conn) == []


def test_policies_call_auth_uid_through_a_subselect(conn):
    bare = conn.execute(
        "select policyname from pg_policies where schemaname = 'public' "
        "and (coalesce(qual, '') || coalesce(with_check, '')) ~ 'auth\\.uid\\(\\)' "
        "and (coalesce(qual, '') || coalesce(with_check, '')) !~* 'select auth\\.uid\\(\\)'"
    ).fetchall()
    assert bare == []
    assert conn.execute(
        "select count(*) from pg_policies where schemaname = 'public' and 'authenticated' <> all(roles)"
    ).fetchone() == (0,)
