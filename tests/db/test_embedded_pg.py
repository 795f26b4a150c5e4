import psycopg
import pytest


def test_migrator_is_not_superuser_and_cluster_superuser_is_not_postgres(db_url):
    with psycopg.connect(db_url) as conn:
        user, is_super = conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone()
        supers = [r[0] for r in conn.execute("select rolname from pg_roles where rolsuper")]
    assert (user, is_super) == ("postgres", False)
    assert supers == ["supabase_admin"]


def test_wrong_password_is_refused(pg, db_url):
    bad = pg.url(db_url.rsplit("/", 1)[1], password="not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bad)


def test_superuser_cannot_log_in_over_tcp(pg, db_url):
    url = pg.url(db_url.rsplit("/", 1)[1], user="supabase_admin", password="anything")
    with pytest.raises(psycopg.OperationalError, match=r"rejects connection|password authentication"):
        psycopg.connect(url)


def test_platform_shim_matches_hosted_facts(db_url):
    with psycopg.connect(db_url) as conn:
        roles = dict(
            conn.execute(
                "select rolname, rolbypassrls from pg_roles where rolname in "
                "('anon','authenticated','service_role','authenticator')"
            ).fetchall()
        )
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace")}
        cols = {
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema='auth' and table_name='users'"
            )
        }
        conn.execute(
            "select set_config('request.jwt.claims', %s, false)",
            ('{"sub":"7f1c3a4e-0000-4000-8000-000000000001","role":"authenticated","email":"a@b.c"}',),
        )
        claims = conn.execute("select auth.uid()::text, auth.role(), auth.email(), auth.jwt()->>'sub'").fetchone()
        # postgres cannot create objects in auth, as on a hosted project
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create table auth.mine (id int)")
    assert roles == {"anon": False, "authenticated": False, "service_role": True, "authenticator": False}
    assert {"auth", "extensions", "storage"} <= schemas
    assert {"id", "email", "raw_user_meta_data", "raw_app_meta_data", "created_at", "updated_at"} <= cols
    assert len(cols) == 35
    assert claims == (
        "7f1c3a4e-0000-4000-8000-000000000001",
        "authenticated",
        "a@b.c",
        "7f1c3a4e-0000-4000-8000-000000000001",
    )


def test_new_public_tables_get_only_the_2026_default_privileges(db_url):
    with psycopg.connect(db_url) as conn:
        conn.execute("create table public.t (id int)")
        privs = {
            r[0]
            for r in conn.execute(
                "select a.privilege_type from pg_class c, aclexplode(c.relacl) a "
                "where c.oid = 'public.t'::regclass and a.grantee = 'anon'::regrole"
            )
        }
    assert privs == {"TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"}
