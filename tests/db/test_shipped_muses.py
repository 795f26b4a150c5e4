"""The two shipped Muse templates (socioscheduler, realtor) on top of the core: they apply as
`postgres` after the core, isolate users and organizations on every Muse table, keep the
seed's enum values, expose views that respect RLS, pass the splinter lints, and leave every
core object exactly as it was."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.support.catalog_lints import lint_findings
from tests.support.core_world import World, seed_world
from tests.support.databases import unique_name
from tests.support.muse_rls_cases import MUSES
from tests.support.rls_helpers import INSUFFICIENT_PRIVILEGE, acting_as, as_user, attempt, visible_ids
from tests.support.rls_matrix import (
    anon_outcomes,
    delete_mismatches,
    insert_mismatches,
    read_mismatches,
    service_role_result,
    update_mismatches,
)
from wizard.settings import muses_root

SLUGS = sorted(MUSES)
MUSE_CASES = [(slug, table) for slug in SLUGS for table in sorted(MUSES[slug][1])]

# What core-schema.md (the seed) fixes for each Muse.
EXPECTED_ENUMS = {
    "socioscheduler": {
        "brand_tone": ["professional", "casual", "fun", "creative", "authoritative"],
        "post_platform": ["x", "linkedin", "fb"],
        "post_status": ["scheduled", "posted", "pending"],
        "alert_action": ["approve", "edit", "ignore"],
    },
    "realtor": {
        "listing_status": ["active", "pending", "sold", "withdrawn"],
        "showing_status": ["requested", "confirmed", "completed", "canceled"],
    },
}
EXPECTED_TABLES = {
    "socioscheduler": {"brand_preferences", "post_queues", "alert_logs"},
    "realtor": {"listings", "saved_searches", "showings"},
}
EXPECTED_VIEWS = {"socioscheduler": {"brand_profiles"}, "realtor": {"upcoming_showings"}}

# Everything a Muse could change about a core object, read from the catalog. Internal
# triggers are left out: a Muse's foreign key to public.users puts its referential-action
# trigger on users, which is what referencing a core table means.
CORE_FINGERPRINT = """
with core as (
  select c.oid, c.relname from pg_class c
  where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and c.relname = any(%(tables)s)
)
select 'column', core.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
from core join pg_attribute a on a.attrelid = core.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef d on d.adrelid = core.oid and d.adnum = a.attnum
union all
select 'table', core.relname, concat_ws(' ', c.relrowsecurity, c.relforcerowsecurity, c.relacl::text,
       obj_description(c.oid, 'pg_class'), c.relowner::regrole::text)
from core join pg_class c on c.oid = core.oid
union all
select 'index', core.relname, pg_get_indexdef(i.indexrelid) from core join pg_index i on i.indrelid = core.oid
union all
select 'constraint', core.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
from core join pg_constraint k on k.conrelid = core.oid
union all
select 'policy', tablename || '.' || policyname, concat_ws(' ', permissive, roles::text, cmd, qual, with_check)
from pg_policies where schemaname = 'public' and tablename = any(%(tables)s)
union all
select 'trigger', core.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
from core join pg_trigger t on t.tgrelid = core.oid and not t.tgisinternal
union all
select 'auth trigger', t.tgname, pg_get_triggerdef(t.oid)
from pg_trigger t where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal
union all
select 'function', p.oid::regprocedure::text, concat_ws(' ', md5(p.prosrc), p.prosecdef, p.proconfig::text, p.proacl::text)
from pg_proc p where p.pronamespace in ('private'::regnamespace)
   or p.oid in ('public.create_organization(text, text)'::regprocedure, 'public.accept_invitation(text)'::regprocedure)
union all
select 'enum', t.typname, string_agg(e.enumlabel, ',' order by e.enumsortorder)
from pg_type t join pg_enum e on e.enumtypid = t.oid
where t.typname in ('membership_role', 'subscription_status', 'price_type', 'price_interval')
group by t.typname
union all
select 'schema', n.nspname, concat_ws(' ', n.nspowner::regrole::text, n.nspacl::text)
from pg_namespace n where n.nspname in ('public', 'private')
order by 1, 2, 3
"""
CORE_TABLES = [
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
]


def muse_files(slug: str) -> list[Path]:
    return sorted((muses_root() / slug / "migrations").glob("*.sql"))


def apply_muse(url: str, slug: str) -> None:
    """The Muse's files after the core: plain psycopg, one transaction per file, in version order."""
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        for path in muse_files(slug):
            with conn.transaction():
                conn.execute(path.read_text())


def core_fingerprint(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute(CORE_FINGERPRINT, {"tables": CORE_TABLES}).fetchall()


@pytest.fixture(scope="module")
def muse_dbs(pg, templates):
    """Per shipped Muse: a database with core + the Muse applied and the world seeded
    (created on first use, shared by the module; every test rolls back its changes)."""
    made: dict[str, tuple[str, World]] = {}
    names: list[str] = []

    def get(slug: str) -> tuple[str, World]:
        if slug not in made:
            names.append(unique_name(f"muse_{slug}"))
            url = templates.copy("core", names[-1])
            apply_muse(url, slug)
            seed, _ = MUSES[slug]
            with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
                world = seed_world(conn)
                seed(conn, world)
            made[slug] = (url, world)
        return made[slug]

    yield get
    for name in names:
        pg.drop_database(name)


@pytest.fixture
def connect(muse_dbs):
    opened: list[psycopg.Connection] = []

    def open_for(slug: str) -> tuple[psycopg.Connection, World]:
        url, world = muse_dbs(slug)
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
        opened.append(conn)
        return conn, world

    yield open_for
    for conn in opened:
        conn.close()


# -- applying on top of core -------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_muse_adds_its_objects_in_public_and_leaves_core_untouched(core_db, slug):
    with psycopg.connect(core_db, autocommit=True) as conn:
        before = core_fingerprint(conn)
        objects_before = set(conn.execute("select oid from pg_class").fetchall())
        apply_muse(core_db, slug)
        after = core_fingerprint(conn)
        added = conn.execute(
            "select c.relnamespace::regnamespace::text, c.relname, c.relkind from pg_class c "
            "where c.relkind in ('r', 'v', 'm', 'p', 'f', 'S') and c.oid <> all(%s)",
            ([o[0] for o in objects_before],),
        ).fetchall()
    assert {row[0] for row in before} == {
        "column",
        "table",
        "index",
        "constraint",
        "policy",
        "trigger",
        "auth trigger",
        "function",
        "enum",
        "schema",
    }
    assert after == before
    assert {(schema, kind) for schema, _, kind in added} <= {("public", "r"), ("public", "v")}
    assert {name for _, name, kind in added if kind == "r"} == EXPECTED_TABLES[slug]
    assert {name for _, name, kind in added if kind == "v"} == EXPECTED_VIEWS[slug]


@pytest.mark.parametrize("slug", SLUGS)
def test_muse_enums_have_exactly_the_seeds_values(connect, slug):
    conn, _ = connect(slug)
    rows = conn.execute(
        "select t.typname, array_agg(e.enumlabel::text order by e.enumsortorder) from pg_type t "
        "join pg_enum e on e.enumtypid = t.oid where t.typnamespace = 'public'::regnamespace "
        "and t.typname <> all(%s) group by t.typname",
        (["membership_role", "subscription_status", "price_type", "price_interval"],),
    ).fetchall()
    assert dict(rows) == EXPECTED_ENUMS[slug]


@pytest.mark.parametrize("slug", SLUGS)
def test_muse_passes_the_splinter_lints(connect, slug):
    conn, _ = connect(slug)
    assert lint_findings(conn) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_every_muse_table_and_view_has_a_comment_and_rls(connect, slug):
    conn, _ = connect(slug)
    names = sorted(EXPECTED_TABLES[slug] | EXPECTED_VIEWS[slug])
    rows = conn.execute(
        "select c.relname, c.relkind, c.relrowsecurity, obj_description(c.oid, 'pg_class'), "
        "(select count(*) from pg_policy p where p.polrelid = c.oid) from pg_class c "
        "where c.relnamespace = 'public'::regnamespace and c.relname = any(%s) order by 1",
        (names,),
    ).fetchall()
    assert [r[0] for r in rows] == names
    for name, kind, rls, comment, policies in rows:
        assert comment and "\n" not in comment, name
        if kind == "r":
            assert rls and policies >= 1, name


@pytest.mark.parametrize("slug", SLUGS)
def test_muse_grants_nothing_to_anon_and_no_table_maintenance_rights(connect, slug):
    conn, _ = connect(slug)
    names = sorted(EXPECTED_TABLES[slug] | EXPECTED_VIEWS[slug])
    leftovers = conn.execute(
        "select c.relname, r.rolname, a.privilege_type from pg_class c, aclexplode(c.relacl) a, pg_roles r "
        "where c.relnamespace = 'public'::regnamespace and c.relname = any(%s) and r.oid = a.grantee "
        "and (r.rolname = 'anon' or (r.rolname in ('authenticated', 'service_role') "
        "and a.privilege_type in ('TRUNCATE', 'TRIGGER', 'REFERENCES', 'MAINTAIN')))",
        (names,),
    ).fetchall()
    assert leftovers == []


# -- RLS per Muse table -------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug, table", MUSE_CASES)
def test_muse_reads_follow_the_policy(connect, slug, table):
    conn, world = connect(slug)
    assert read_mismatches(conn, world, MUSES[slug][1][table]) == []


@pytest.mark.parametrize("slug, table", MUSE_CASES)
def test_muse_updates_follow_the_policy(connect, slug, table):
    conn, world = connect(slug)
    assert update_mismatches(conn, world, MUSES[slug][1][table]) == []


@pytest.mark.parametrize("slug, table", MUSE_CASES)
def test_muse_deletes_follow_the_policy(connect, slug, table):
    conn, world = connect(slug)
    assert delete_mismatches(conn, world, MUSES[slug][1][table]) == []


@pytest.mark.parametrize("slug, table", MUSE_CASES)
def test_muse_inserts_follow_the_policy(connect, slug, table):
    conn, world = connect(slug)
    assert insert_mismatches(conn, world, MUSES[slug][1][table]) == []


@pytest.mark.parametrize("slug, table", MUSE_CASES)
def test_muse_tables_refuse_anon(connect, slug, table):
    conn, world = connect(slug)
    outcomes = anon_outcomes(conn, world, MUSES[slug][1][table])
    assert [o.sqlstate for o in outcomes] == [INSUFFICIENT_PRIVILEGE] * 4, outcomes


@pytest.mark.parametrize("slug, table", MUSE_CASES)
def test_muse_tables_serve_service_role(connect, slug, table):
    conn, world = connect(slug)
    result = service_role_result(conn, world, MUSES[slug][1][table])
    assert result.sees_all and result.updated.succeeded and result.deleted.succeeded and result.deleted_gone
    assert all(o.succeeded for o in result.inserted), result.inserted


@pytest.mark.parametrize("slug", SLUGS)
def test_every_muse_table_has_an_rls_case(connect, slug):
    conn, _ = connect(slug)
    tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert tables - set(CORE_TABLES) == set(MUSES[slug][1]) == EXPECTED_TABLES[slug]


# -- SocioScheduler specifics ---------------------------------------------------------------------------------


def test_brand_profiles_view_shows_only_the_callers_own_profile(connect):
    conn, world = connect("socioscheduler")
    everyone = {r[0] for r in conn.execute("select user_id::text from public.brand_profiles")}
    with as_user(conn, world.users["alice"]):
        mates = {r[0] for r in conn.execute("select id::text from public.users")}
        seen = conn.execute("select user_id::text, full_name, tone::text from public.brand_profiles").fetchall()
    with as_user(conn, world.users["dana"]):
        dana_sees = conn.execute("select count(*) from public.brand_profiles").fetchone()
    with acting_as(conn, "anon"):
        anon = attempt(conn, "select * from public.brand_profiles")
    options = conn.execute("select reloptions from pg_class where oid = 'public.brand_profiles'::regclass").fetchone()
    # alice can read carol's profile row (team A) and carol has preferences, yet the view hides them
    assert everyone == {world.users[p] for p in ("alice", "carol", "bob")}
    assert world.users["carol"] in mates
    assert seen == [(world.users["alice"], "Alice", "fun")]
    assert dana_sees == (0,)
    assert anon.sqlstate == INSUFFICIENT_PRIVILEGE
    assert options == (["security_invoker=true"],)


def test_a_post_cannot_be_moved_to_another_author_or_organization(connect):
    conn, world = connect("socioscheduler")
    post = world.rows["post_queues"]["carol@A"]
    with as_user(conn, world.users["carol"]):
        to_bob = attempt(conn, "update public.post_queues set user_id = %s where id = %s", (world.users["bob"], post))
        to_b = attempt(conn, "update public.post_queues set org_id = %s where id = %s", (world.orgs["B"], post))
    assert to_bob.sqlstate == to_b.sqlstate == INSUFFICIENT_PRIVILEGE


def test_a_scheduled_post_needs_a_time(connect):
    conn, world = connect("socioscheduler")
    with as_user(conn, world.users["carol"]):
        outcome = attempt(
            conn, "insert into public.post_queues (content, platform, status) values ('hi', 'x', 'scheduled')"
        )
        drafted = attempt(conn, "insert into public.post_queues (content, platform) values ('hi', 'fb')")
    assert outcome.sqlstate == "23514" and "post_queues_scheduled_needs_time" in outcome.message
    assert drafted.succeeded  # user and org default to the caller and their personal organization


# -- Realtor specifics ------------------------------------------------------------------------------------------


def test_a_showing_cannot_pair_one_orgs_listing_with_another_org(connect):
    conn, world = connect("realtor")
    insert = "insert into public.showings (listing_id, org_id, user_id, scheduled_at) values (%s, %s, %s, now())"
    with as_user(conn, world.users["bob"]):
        claim_own_org = attempt(conn, insert, (world.rows["listings"]["A1"], world.orgs["B"], world.users["bob"]))
        claim_their_org = attempt(conn, insert, (world.rows["listings"]["A1"], world.orgs["A"], world.users["bob"]))
    assert claim_own_org.sqlstate == "23503" and "showings_listing_fkey" in claim_own_org.message
    assert claim_their_org.sqlstate == INSUFFICIENT_PRIVILEGE and "row-level security" in claim_their_org.message


def test_mls_numbers_are_unique_per_organization_only(connect):
    conn, world = connect("realtor")
    insert = (
        "insert into public.listings (org_id, mls_number, address, city, state, postal_code, created_by) "
        "values (%s, 'MLS-A1', '9 Elm St', 'Austin', 'TX', '78703', %s)"
    )
    with as_user(conn, world.users["bob"]):
        other_org = attempt(conn, insert, (world.orgs["B"], world.users["bob"]))
    with as_user(conn, world.users["carol"]):
        same_org = attempt(conn, insert, (world.orgs["A"], world.users["carol"]))
    assert other_org.succeeded
    assert same_org.sqlstate == "23505" and "listings_org_id_mls_number_key" in same_org.message


def test_upcoming_showings_view_shows_only_the_callers_organizations(connect):
    conn, world = connect("realtor")
    expected = {
        "carol": {"MLS-A1"},
        "dana": {"MLS-A1"},
        "alice": {"MLS-A1"},
        "bob": {"MLS-B1"},
        "erin": {"MLS-B1"},
    }
    seen = {}
    for person in expected:
        with as_user(conn, world.users[person]):
            rows = conn.execute("select mls_number, agent_name from public.upcoming_showings").fetchall()
        seen[person] = {mls for mls, _ in rows}
        assert all(name is not None for _, name in rows)  # agents are org mates: their names are readable
    total = conn.execute("select count(*) from public.upcoming_showings").fetchone()
    options = conn.execute(
        "select reloptions from pg_class where oid = 'public.upcoming_showings'::regclass"
    ).fetchone()
    with acting_as(conn, "anon"):
        anon = attempt(conn, "select * from public.upcoming_showings")
    assert seen == expected
    assert total == (3,)
    assert options == (["security_invoker=true"],)
    assert anon.sqlstate == INSUFFICIENT_PRIVILEGE


def test_leaving_the_brokerage_hides_its_listings(connect):
    conn, world = connect("realtor")
    with as_user(conn, world.users["carol"]):
        before = visible_ids(conn, "listings")
        left = attempt(
            conn,
            "delete from public.memberships where org_id = %s and user_id = %s",
            (world.orgs["A"], world.users["carol"]),
        )
        after = visible_ids(conn, "listings")
    assert before == {world.rows["listings"]["A1"], world.rows["listings"]["A2"]}
    assert left.succeeded and after == set()
