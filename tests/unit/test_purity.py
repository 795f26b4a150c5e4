"""The static core-purity guard: each rule with a hostile statement (file, line, rule, message),
and the references a Muse is allowed to make producing no finding."""

from __future__ import annotations

from functools import cache

import pytest

from wizard.guard import RULES, PurityFinding, check_static, format_findings, has_errors
from wizard.settings import core_migrations_dir, muses_root
from wizard.sql import SchemaModel, SqlSource, parse_sql_files, parse_sql_paths

MUSE_FILE = "templates/muses/demo/migrations/20260601000100_demo.sql"

# A clean Muse table to put hostile statements after, so lines are not trivially 1.
PREAMBLE = """-- demo Muse
create table public.demo_notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade
);
alter table public.demo_notes enable row level security;
create policy demo_notes_own on public.demo_notes for all to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
"""
HOSTILE_LINE = PREAMBLE.count("\n") + 2  # one blank line, then the statement


@cache
def core() -> SchemaModel:
    return parse_sql_paths(sorted(core_migrations_dir().glob("*.sql")))


def check(sql: str, declared: tuple[str, ...] = (), writes: tuple[str, ...] = ()) -> list[PurityFinding]:
    return check_static([SqlSource(MUSE_FILE, sql)], core(), declared_schemas=declared, core_data_writes=writes)


HOSTILE = [
    ("alter table public.users add column niche text;", "core-add-column", "public.users"),
    ("drop policy users_update_self on public.users;", "core-drop", "users_update_self"),
    ("create index users_email_idx on public.users (email);", "core-index", "public.users"),
    ("comment on table public.users is 'mine now';", "core-comment", "public.users"),
    ("grant select on public.users to anon;", "core-grant", "public.users"),
    (
        "create trigger demo_touch after insert on public.organizations\n"
        "  for each row execute function private.set_updated_at();",
        "core-trigger",
        "public.organizations",
    ),
    ("alter table public.organizations rename to teams;", "core-rename", "public.organizations"),
    ("alter table public.users rename column full_name to display_name;", "core-rename", "full_name"),
    ("truncate public.audit_logs;", "core-truncate", "public.audit_logs"),
    (
        "create policy demo_sees_all on public.organizations for select using (true);",
        "core-policy",
        "public.organizations",
    ),
    (
        "alter policy organizations_select_members on public.organizations using (true);",
        "core-policy",
        "organizations_select_members",
    ),
    (
        "create rule demo_no_delete as on delete to public.memberships do instead nothing;",
        "core-rule",
        "public.memberships",
    ),
    ("drop table public.feature_flags;", "core-drop", "public.feature_flags"),
    ("alter table public.users disable row level security;", "core-alter", "disable row level security"),
    ("alter type public.membership_role add value 'viewer';", "core-alter", "public.membership_role"),
    (
        "create or replace function private.is_org_member(org_id uuid) returns boolean\n"
        "  language sql as $$ select true $$;",
        "core-replace",
        "private.is_org_member",
    ),
    (
        "create function private.demo_helper() returns int language sql as $$ select 1 $$;",
        "core-schema",
        "private.demo_helper",
    ),
    (
        "create or replace function public.create_organization(name text, slug text default null) returns uuid\n"
        "  language sql as $$ select null::uuid $$;",
        "core-replace",
        "public.create_organization",
    ),
    ("revoke execute on function private.is_org_admin(uuid) from authenticated;", "core-grant", "private.is_org_admin"),
    ("grant select on all tables in schema public to anon;", "core-grant", "all tables in schema public"),
    ("create table public.user_extras () inherits (public.users);", "core-inherit", "public.users"),
    ("alter publication supabase_realtime add table public.users;", "core-alter", "public.users"),
    ("create table if not exists public.users (id uuid primary key);", "core-replace", "public.users"),
    (
        "create trigger demo_on_signup after insert on auth.users\n"
        "  for each row execute function public.demo_signup();",
        "auth-users",
        "auth.users",
    ),
    ("create view public.demo_emails as select id, email from auth.users;", "auth-users", "auth.users"),
    ("alter table auth.users add column demo_flag boolean;", "auth-users", "auth.users"),
    ("create table storage.demo_files (id uuid);", "schema-reserved", "storage"),
    (
        "create function extensions.demo_fn() returns int language sql as $$ select 1 $$;",
        "schema-reserved",
        "extensions",
    ),
    ("create schema crm;", "schema-undeclared", "schema crm, which the template does not declare"),
    ("create role demo_bot;", "role-change", "demo_bot"),
    ("alter database postgres set search_path = private, public;", "database-change", "database-wide"),
]


@pytest.mark.parametrize(("statement", "rule", "named"), HOSTILE, ids=[h[1] + ":" + h[0][:40] for h in HOSTILE])
def test_hostile_statement_is_refused_with_file_line_and_rule(statement, rule, named):
    findings = check(PREAMBLE + "\n" + statement + "\n")
    errors = [f for f in findings if f.is_error]
    assert errors, format_findings(findings)
    first = errors[0]
    assert (first.file, first.line, first.rule, first.severity) == (MUSE_FILE, HOSTILE_LINE, rule, "error"), (
        format_findings(findings)
    )
    assert named in first.message and first.statement.startswith(statement.split()[0])
    assert first.message[0].isupper() and first.message.rstrip().endswith(".")
    assert rule in RULES
    assert has_errors(findings)


def test_message_says_what_to_do():
    [finding] = check(PREAMBLE + "\nalter table public.users add column niche text;\n")
    assert "adds a column to public.users (add column niche)" in finding.message.lower()
    assert "put the column in a Muse table" in finding.message
    assert str(finding).startswith(f"{MUSE_FILE}:{HOSTILE_LINE}: error [core-add-column] ")
    assert "alter table public.users add column niche text" in str(finding)


def test_table_without_rls_is_refused():
    sql = PREAMBLE + "\ncreate table public.demo_tags (id int, user_id uuid references public.users (id));\n"
    [finding] = check(sql)
    assert (finding.rule, finding.line, finding.file) == ("table-rls", HOSTILE_LINE, MUSE_FILE)
    assert "alter table public.demo_tags enable row level security" in finding.message


def test_table_with_rls_but_no_policy_is_refused():
    sql = (
        PREAMBLE
        + "\ncreate table public.demo_tags (id int);\nalter table public.demo_tags enable row level security;\n"
    )
    [finding] = check(sql)
    assert (finding.rule, finding.line) == ("table-policy", HOSTILE_LINE)
    assert "create policy ... on public.demo_tags" in finding.message


def test_table_whose_rls_is_disabled_again_is_refused():
    sql = PREAMBLE + "\nalter table public.demo_notes disable row level security;\n"
    [finding] = check(sql)
    assert (finding.rule, finding.line) == ("table-rls", 2)


def test_objects_outside_public_need_a_declared_schema():
    sql = (
        PREAMBLE
        + """
create schema crm;
create table crm.deals (id int, user_id uuid references public.users (id));
alter table crm.deals enable row level security;
create policy deals_own on crm.deals using (user_id = (select auth.uid()));
create type crm.stage as enum ('lead', 'won');
"""
    )
    undeclared = check(sql)
    assert [(f.rule, f.line) for f in undeclared] == [("schema-undeclared", HOSTILE_LINE + i) for i in (0, 1, 4)]
    assert "declared: none" in undeclared[0].message
    assert check(sql, declared=("crm",)) == []


def test_a_declared_schema_cannot_be_a_core_or_supabase_one():
    findings = check(
        PREAMBLE + "\ncreate function private.demo_helper() returns int language sql as $$ select 1 $$;\n",
        declared=("private",),
    )
    assert [f.rule for f in findings] == ["core-schema"]
    findings = check(PREAMBLE + "\ncreate table auth.demo (id int);\n", declared=("auth",))
    assert [f.rule for f in findings] == ["schema-reserved"]


def test_do_block_and_dynamic_function_are_warnings():
    sql = (
        PREAMBLE
        + """
do $$ begin execute format('alter table public.users add column %s text', 'niche'); end $$;
create function public.demo_run(q text) returns void language plpgsql as $$ begin execute q; end $$;
"""
    )
    findings = check(sql)
    assert [(f.rule, f.severity, f.line) for f in findings] == [
        ("dynamic-sql", "warning", HOSTILE_LINE),
        ("dynamic-sql", "warning", HOSTILE_LINE + 1),
    ]
    assert "DO block" in findings[0].message and "fingerprint" in findings[0].message
    assert "EXECUTE" in findings[1].message
    assert not has_errors(findings) and findings[0].level == "warning"


def test_data_seeding_in_core_tables_is_an_error_unless_declared():
    sql = PREAMBLE + "\ninsert into public.feature_flags (key, enabled) values ('demo.beta', true);\n"
    [refused] = check(sql)
    assert (refused.rule, refused.severity, refused.line) == ("core-data", "error", HOSTILE_LINE)
    [declared] = check(sql, writes=("public.feature_flags",))
    assert (declared.rule, declared.severity, declared.line) == ("core-data", "warning", HOSTILE_LINE)


def test_allowed_references_produce_no_finding():
    sql = """create type public.demo_tone as enum ('calm', 'loud');
create table public.demo_posts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  org_id uuid not null references public.organizations (id) on delete cascade,
  author uuid references auth.users (id),
  role public.membership_role not null default 'member',
  tone public.demo_tone
);
create index demo_posts_user_id_idx on public.demo_posts (user_id);
alter table public.demo_posts enable row level security;
create policy demo_posts_members on public.demo_posts for select to authenticated
  using (private.is_org_member(org_id) or user_id = (select auth.uid()));
create policy demo_posts_admins on public.demo_posts for all to authenticated
  using (private.is_org_admin(org_id)) with check (private.is_org_admin(org_id));
create trigger set_updated_at before update on public.demo_posts
  for each row execute function private.set_updated_at();
create view public.demo_post_authors with (security_invoker = true) as
  select p.id, u.full_name, o.name from public.demo_posts p
  join public.users u on u.id = p.user_id join public.organizations o on o.id = p.org_id
  join public.memberships m on m.org_id = o.id;
grant select on public.demo_posts, public.demo_post_authors to authenticated;
revoke all on public.demo_posts from anon;
comment on table public.demo_posts is 'Posts.';
create function public.demo_count(org uuid) returns bigint language sql stable set search_path = '' as
  $$ select count(*) from public.demo_posts p join public.memberships m on m.org_id = p.org_id where p.org_id = org $$;
alter table public.demo_posts add column title text;
select private.is_org_member('00000000-0000-0000-0000-000000000000');
"""
    assert check(sql) == []


def test_accepts_a_parsed_model_and_sources_alike():
    sql = PREAMBLE + "\ntruncate public.users;\n"
    from_sources = check(sql)
    from_model = check_static(parse_sql_files([SqlSource(MUSE_FILE, sql)]), core())
    assert from_sources == from_model and [f.rule for f in from_model] == ["core-truncate"]


def test_findings_follow_file_order():
    files = [SqlSource("b/001.sql", "truncate public.users;"), SqlSource("a/002.sql", "drop table public.users;")]
    assert [(f.file, f.rule) for f in check_static(files, core())] == [
        ("b/001.sql", "core-truncate"),
        ("a/002.sql", "core-drop"),
    ]


@pytest.mark.parametrize("slug", ["socioscheduler", "realtor"])
def test_shipped_muses_are_clean(slug):
    folder = muses_root() / slug / "migrations"
    findings = check_static(parse_sql_paths(sorted(folder.glob("*.sql"))), core())
    assert findings == [], format_findings(findings)


def test_core_checked_against_itself_is_all_core_findings():
    # sanity: the core model recognises every object it creates as core
    findings = check_static(core(), core())
    # core's security definer helpers read core rows, which a Muse's may not
    assert findings and all(
        f.rule.startswith("core-") or f.rule in ("auth-users", "definer-function") for f in findings
    )
    assert any(f.rule == "core-replace" and "public.users" in f.message for f in findings)
