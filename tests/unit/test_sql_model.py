"""The pglast-derived preview model: every object kind from realistic SQL, the file and line of
each, the parse error message, JSON round trip, and the real core and shipped Muse files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.synthetic import synthetic_template_sql
from wizard.settings import core_migrations_dir, muses_root
from wizard.sql import SchemaModel, SqlParseError, SqlSource, parse_sql_files, parse_sql_paths


def model(*texts: str) -> SchemaModel:
    return parse_sql_files([SqlSource(f"m/{i + 1:03d}.sql", t) for i, t in enumerate(texts)])


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


TABLES = """-- Muse tables
-- (comments before a statement do not count as its line)
create type public.tone as enum ('professional', 'casual');

create table if not exists public.brand_preferences (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  org_id uuid references public.organizations on delete set null,
  tone public.tone not null default 'professional',
  handle varchar(30) unique,
  sample_urls text[] not null default '{}',
  metadata jsonb not null default '{}'::jsonb,
  seq bigint generated always as identity,
  score numeric(10, 2) check (score >= 0),
  slug text generated always as (lower(handle)) stored,
  created_at timestamp with time zone not null default now(),
  constraint brand_preferences_user_org_key unique (user_id, org_id),
  constraint brand_preferences_sane check (seq > 0 and score < 1000)
);
comment on table public.brand_preferences is 'Brand voice of a user.';
comment on column public.brand_preferences.tone is 'Voice of the posts.';
"""


def test_table_columns_types_defaults_keys_and_lines():
    m = model(TABLES)
    t = m.table("public.brand_preferences")
    assert t is not None and t.if_not_exists and t.comment == "Brand voice of a user."
    assert (t.location.file, t.location.line) == ("m/001.sql", line_of(TABLES, "create table"))
    cols = {c.name: c for c in t.columns}
    assert [c.name for c in t.columns] == [
        "id",
        "user_id",
        "org_id",
        "tone",
        "handle",
        "sample_urls",
        "metadata",
        "seq",
        "score",
        "slug",
        "created_at",
    ]
    assert (cols["id"].type, cols["id"].primary_key, cols["id"].nullable, cols["id"].default) == (
        "uuid",
        True,
        False,
        "gen_random_uuid()",
    )
    assert (cols["user_id"].nullable, cols["org_id"].nullable) == (False, True)
    assert (cols["tone"].type, cols["tone"].default, cols["tone"].comment) == (
        "public.tone",
        "'professional'",
        "Voice of the posts.",
    )
    assert (cols["handle"].type, cols["handle"].unique) == ("varchar(30)", True)
    assert (cols["sample_urls"].type, cols["sample_urls"].default) == ("text[]", "'{}'")
    assert cols["metadata"].default == "'{}'::jsonb"
    assert (cols["seq"].identity, cols["seq"].nullable) == ("always", False)
    assert cols["score"].type == "numeric(10, 2)"
    assert cols["slug"].generated == "lower(handle)"
    assert (cols["created_at"].type, cols["created_at"].default) == ("timestamp with time zone", "now()")
    for name, column in cols.items():
        assert column.location.line == line_of(TABLES, f"  {name} "), name
    assert t.primary_key == ["id"]
    assert [(u.name, u.columns) for u in t.uniques] == [
        (None, ["handle"]),
        ("brand_preferences_user_org_key", ["user_id", "org_id"]),
    ]
    assert [(c.name, c.column, c.expression) for c in t.checks] == [
        (None, "score", "score >= 0"),
        ("brand_preferences_sane", None, "seq > 0 AND score < 1000"),
    ]


def test_foreign_keys_column_and_table_level_with_actions():
    m = model(
        TABLES,
        """alter table public.brand_preferences
  add constraint brand_preferences_owner_fk foreign key (user_id, org_id)
    references public.memberships (user_id, org_id) on delete restrict on update cascade;""",
    )
    fks = m.table("public.brand_preferences").foreign_keys
    assert [(f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update, f.name) for f in fks] == [
        (["user_id"], "public.users", ["id"], "cascade", "no action", None),
        (["org_id"], "public.organizations", [], "set null", "no action", None),
        (
            ["user_id", "org_id"],
            "public.memberships",
            ["user_id", "org_id"],
            "restrict",
            "cascade",
            "brand_preferences_owner_fk",
        ),
    ]
    assert fks[0].location.line == line_of(TABLES, "  user_id ")
    assert (fks[2].location.file, fks[2].location.line) == ("m/002.sql", 2)


def test_unqualified_names_are_public_and_other_schemas_stay_qualified():
    m = model(
        "create schema crm;\ncreate table notes (id int);\ncreate table crm.deals (id int);\n"
        "create table if not exists notes (other int);"
    )
    assert [t.qualified_name for t in m.tables] == ["public.notes", "crm.deals"]
    assert [c.name for c in m.table("public.notes").columns] == ["id"]  # if not exists kept the first
    assert [(s.name, s.location.line) for s in m.schemas] == [("crm", 1)]


def test_enums_and_added_values():
    sql = """create type public.status as enum ('draft', 'posted');
alter type public.status add value 'scheduled' before 'posted';
alter type status add value if not exists 'draft';
alter type public.status add value 'archived' after 'posted';
alter type public.status add value 'gone';
alter type public.status rename value 'gone' to 'deleted';
comment on type public.status is 'Where a post is.';"""
    e = model(sql).enum("public.status")
    assert e.values == ["draft", "scheduled", "posted", "archived", "deleted"]
    assert (e.location.line, e.comment) == (1, "Where a post is.")


def test_views_security_invoker_references_and_comment():
    sql = """create view public.profiles with (security_invoker = true) as
  with recent as (select * from public.posts where created_at > now() - interval '7 days')
  select u.id, count(r.id) from public.users u left join recent r on r.user_id = u.id
  where exists (select 1 from private.flags f where f.user_id = u.id) group by u.id;
create view public.plain as select * from public.users;
create materialized view public.stats as select count(*) from public.posts;
alter view public.plain set (security_invoker = on);
comment on view public.profiles is 'Profile with recent posts.';"""
    m = model(sql)
    profiles, plain = m.view("public.profiles"), m.view("public.plain")
    assert profiles.security_invoker and profiles.references == ["private.flags", "public.posts", "public.users"]
    assert profiles.comment == "Profile with recent posts." and profiles.location.line == 1
    assert plain.security_invoker and plain.location.line == 5  # set by the alter view
    stats = m.view("public.stats")
    assert stats.materialized and stats.references == ["public.posts"] and not stats.security_invoker


def test_indexes_names_columns_unique_and_predicate():
    sql = """create table public.posts (id int, user_id uuid, email text, status text);
create index posts_user_id_idx on public.posts (user_id);
create unique index on posts using btree (lower(email), status) where status <> 'gone';
create index on public.posts (user_id, status);"""
    m = model(sql)
    assert [(i.name, i.table, i.columns, i.unique, i.where, i.location.line) for i in m.indexes] == [
        ("posts_user_id_idx", "public.posts", ["user_id"], False, None, 2),
        ("posts_lower_status_idx", "public.posts", ["lower(email)", "status"], True, "status <> 'gone'", 3),
        ("posts_user_id_status_idx", "public.posts", ["user_id", "status"], False, None, 4),
    ]


POLICIES = """create table public.posts (id int, user_id uuid, org_id uuid);
alter table public.posts enable row level security;
alter table public.posts force row level security;
create policy "own posts" on public.posts
  for select to authenticated, anon
  using (user_id = (select auth.uid()) or private.is_org_member(org_id));
create policy posts_insert on public.posts as restrictive for insert to authenticated
  with check ( user_id = (select auth.uid()) -- the author
  );
create policy posts_all on public.posts using (true) with check (false);
alter policy posts_all on public.posts to service_role using (org_id is not null);
"""


def test_rls_and_policies_with_deparsed_expressions():
    m = model(POLICIES)
    t = m.table("public.posts")
    assert t.rls_enabled and t.rls_forced
    got = [(p.name, p.command, p.permissive, p.roles, p.using, p.with_check, p.location.line) for p in m.policies]
    assert got == [
        (
            "own posts",
            "select",
            True,
            ["authenticated", "anon"],
            "user_id = (SELECT auth.uid()) OR private.is_org_member(org_id)",
            None,
            4,
        ),
        ("posts_insert", "insert", False, ["authenticated"], None, "user_id = (SELECT auth.uid())", 7),
        ("posts_all", "all", True, ["service_role"], "org_id IS NOT NULL", "false", 10),
    ]
    assert [p.name for p in m.policies_on("public.posts")] == ["own posts", "posts_insert", "posts_all"]
    disabled = model(POLICIES, "alter table posts disable row level security;")
    assert not disabled.table("public.posts").rls_enabled


def test_functions_security_and_search_path():
    sql = """create or replace function private.is_member(org_id uuid, strict_mode boolean default false)
returns boolean language sql stable security definer set search_path = '' as $$
  select true
$$;
create function public.touch() returns trigger language plpgsql as $body$
begin new.updated_at := now(); return new; end $body$;
create function public.posts_of(owner uuid) returns table (id int, title text)
language sql set search_path = public, extensions as 'select 1, ''x''';
comment on function private.is_member(uuid, boolean) is 'Member check.';"""
    fns = {f.name: f for f in model(sql).functions}
    member = fns["is_member"]
    assert (member.schema, member.arguments, member.identity_arguments, member.returns, member.language) == (
        "private",
        "org_id uuid, strict_mode boolean default false",
        "uuid, boolean",
        "boolean",
        "sql",
    )
    assert (member.security_definer, member.search_path, member.volatility, member.comment) == (
        True,
        [""],
        "stable",
        "Member check.",
    )
    assert member.signature == "private.is_member(uuid, boolean)" and member.location.line == 1
    touch = fns["touch"]
    assert (touch.returns, touch.language, touch.security_definer, touch.search_path, touch.location.line) == (
        "trigger",
        "plpgsql",
        False,
        None,
        5,
    )
    assert (fns["posts_of"].returns, fns["posts_of"].search_path) == (
        "table(id integer, title text)",
        ["public", "extensions"],
    )


def test_triggers():
    sql = """create trigger set_updated_at before update on public.posts
  for each row execute function private.set_updated_at();
create trigger audit after insert or update of title, body or delete on posts execute procedure audit();"""
    got = [(t.name, t.table, t.timing, t.events, t.level, t.function, t.location.line) for t in model(sql).triggers]
    assert got == [
        ("set_updated_at", "public.posts", "before", ["update"], "row", "private.set_updated_at", 1),
        (
            "audit",
            "public.posts",
            "after",
            ["insert", "update of title, body", "delete"],
            "statement",
            "public.audit",
            3,
        ),
    ]


def test_grants_and_revokes():
    sql = """grant select, update (title, body) on table public.posts, public.tags to authenticated;
revoke all on function private.is_member(uuid) from public, anon;
grant usage on schema crm to authenticated;
grant select on all tables in schema crm to service_role;"""
    got = [(g.action, g.object_kind, g.object, g.privileges, g.roles, g.location.line) for g in model(sql).grants]
    assert got == [
        ("grant", "table", "public.posts", ["select", "update (title, body)"], ["authenticated"], 1),
        ("grant", "table", "public.tags", ["select", "update (title, body)"], ["authenticated"], 1),
        ("revoke", "function", "private.is_member(uuid)", ["all"], ["public", "anon"], 2),
        ("grant", "schema", "crm", ["usage"], ["authenticated"], 3),
        ("grant", "all tables in schema", "crm", ["select"], ["service_role"], 4),
    ]


def test_do_block_is_opaque_with_its_line_and_a_dynamic_statement():
    sql = "create table public.a (id int);\n\n-- backfill\ndo $$\nbegin\n  execute format('alter table public.users add column %s int', 'x');\nend $$;\n"
    m = model(sql)
    assert [(d.language, d.location.line) for d in m.do_blocks] == [("plpgsql", 4)]
    assert "alter table public.users" in m.do_blocks[0].excerpt
    do_stmt = m.statements[-1]
    assert (do_stmt.kind, do_stmt.dynamic, do_stmt.effects, do_stmt.location.line) == ("DoStmt", True, [], 4)
    assert m.tables[0].columns[0].name == "id"  # the dynamic column is invisible to the model


def test_alter_table_changes_drops_and_renames_apply_in_order():
    sql = """create table public.posts (id int primary key, title text, draft boolean);
alter table public.posts add column body text not null default '', add column if not exists title text,
  drop column draft, alter column title set not null, alter column title set default 'untitled',
  alter column body type varchar(500), add constraint posts_title_key unique (title);
alter table public.posts rename column body to content;
alter table public.posts rename to articles;
create index articles_title_idx on public.articles (title);
alter index public.articles_title_idx rename to articles_t_idx;
create table public.scratch (id int);
drop table public.scratch;"""
    m = model(sql)
    assert [t.qualified_name for t in m.tables] == ["public.articles"]
    t = m.tables[0]
    cols = {c.name: c for c in t.columns}
    assert list(cols) == ["id", "title", "content"]
    assert (cols["title"].nullable, cols["title"].default, cols["title"].unique) == (False, "'untitled'", True)
    assert (cols["content"].type, cols["content"].default, cols["content"].location.line) == ("varchar(500)", "''", 2)
    assert [(i.name, i.table) for i in m.indexes] == [("articles_t_idx", "public.articles")]


def test_lines_after_multibyte_text_and_comments():
    sql = (
        "-- Résumé des tables: élan, naïve, 日本語\n/* block\n comment */\n"
        "comment on schema public is 'café ☕';\n\n   create table public.t (\n  ü text default 'ß'\n);"
    )
    m = model(sql)
    t = m.tables[0]
    assert (t.location.line, t.columns[0].name, t.columns[0].location.line, t.columns[0].default) == (6, "ü", 7, "'ß'")
    assert [s.location.line for s in m.statements] == [4, 6]


def test_parse_error_names_file_line_and_pglast_message():
    good = SqlSource("templates/muses/x/migrations/001_a.sql", "create table public.a (id int);\n")
    bad = SqlSource(
        "templates/muses/x/migrations/002_b.sql",
        "-- second file\ncreate table public.b (id int);\n\ncreate tabel public.c (id int);\n",
    )
    with pytest.raises(SqlParseError) as caught:
        parse_sql_files([good, bad])
    err = caught.value
    assert (err.path, err.line) == ("templates/muses/x/migrations/002_b.sql", 4)
    assert err.pglast_message == 'syntax error at or near "tabel"'
    text = str(err)
    assert text.startswith(
        'templates/muses/x/migrations/002_b.sql:4: SQL syntax error: syntax error at or near "tabel"'
    )
    assert "create tabel public.c (id int)" in text


def test_unterminated_string_is_a_clear_error_too():
    with pytest.raises(SqlParseError, match=r"^m\.sql:3: SQL syntax error: unterminated quoted string"):
        parse_sql_files([SqlSource("m.sql", "select 1;\n\ninsert into t values ('oops);\n")])


def test_json_round_trip_and_shape():
    m = model(TABLES, POLICIES, "do $$ begin perform 1; end $$;")
    data = json.loads(m.to_json())
    assert data["tables"][0]["schema"] == "public" and data["tables"][0]["name"] == "brand_preferences"
    assert data["tables"][0]["location"] == {"file": "m/001.sql", "line": line_of(TABLES, "create table")}
    assert data["policies"][0]["using"].startswith("user_id = (SELECT auth.uid())")
    assert SchemaModel.from_json(m.to_json()) == m
    assert "statements" not in m.to_dict(statements=False)


def test_statements_record_effects_on_objects_they_do_not_create():
    m = model("alter table public.users add column niche text;\ncreate view public.v as select * from public.users;")
    first, second = m.statements
    assert [(e.action, e.target.qualified_name, e.detail) for e in first.effects] == [
        ("add-column", "public.users", "add column niche")
    ]
    assert ("reference", "public.users", "view query") in [
        (e.action, e.target.qualified_name, e.detail) for e in second.effects
    ]
    assert m.tables == []  # the model only holds what these files create


def test_real_core_migrations():
    files = sorted(core_migrations_dir().glob("*.sql"))
    m = parse_sql_paths(files, relative_to=core_migrations_dir().parent)
    names = {t.name for t in m.tables}
    assert names == {
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
    for table in m.tables:
        assert table.schema == "public" and table.rls_enabled and m.policies_on(table.qualified_name), table.name
        assert table.location.file.startswith("migrations/")
    assert {"private.is_org_member", "private.is_org_admin", "private.is_org_owner", "private.shares_org_with"} <= {
        f.qualified_name for f in m.functions
    }
    helper = next(f for f in m.functions if f.qualified_name == "private.is_org_member")
    assert helper.security_definer and helper.search_path == [""]
    assert m.enum("public.membership_role").values == ["owner", "admin", "member"]
    assert any(t.table == "auth.users" for t in m.triggers)
    assert [s.name for s in m.schemas] == ["private"]


@pytest.mark.parametrize("slug", ["socioscheduler", "realtor"])
def test_shipped_muses(slug):
    folder = muses_root() / slug / "migrations"
    m = parse_sql_paths(sorted(folder.glob("*.sql")))
    assert m.tables and m.views
    for table in m.tables:
        assert table.rls_enabled and m.policies_on(table.qualified_name), table.name
        assert {fk.ref_table for fk in table.foreign_keys} & {"public.users", "public.organizations"} or any(
            fk.ref_table.startswith("public.") for fk in table.foreign_keys
        ), table.name
    assert all(v.security_invoker for v in m.views)


def test_synthetic_template_builds_the_expected_model():
    m = parse_sql_files([SqlSource("synthetic.sql", synthetic_template_sql(12))])
    assert len(m.tables) == 12 and len(m.enums) == 12 and len(m.policies) == 36 and len(m.indexes) == 24
    assert len(m.views) == 2 and len(m.functions) == 2
    assert all(t.rls_enabled and len(t.foreign_keys) == 2 for t in m.tables)
    assert m.indexes[1].where == "org_id IS NOT NULL"


def test_parse_sql_paths_reads_files(tmp_path: Path):
    (tmp_path / "001_x.sql").write_text("create table public.x (id int);\n")
    m = parse_sql_paths([tmp_path / "001_x.sql"], relative_to=tmp_path)
    assert m.files == ["001_x.sql"] and m.tables[0].location.file == "001_x.sql"


def test_expressions_survive_tricky_strings_comments_and_nesting():
    sql = """create table public.t (
  a text default coalesce(current_setting('app.x', true), 'y, z)') not null, -- trailing ) comment
  b int default (1 + 2) * 3 check (b > 0) /* (unbalanced in a comment */,
  c timestamptz default now() + interval '7 days'
);
create policy p on public.t for select using (
  a <> 'using (x)' /* ( */ and exists (select 1 from public.u where u.a = t.a) -- with check (false)
) with check (b = 1);"""
    m = model(sql)
    cols = {c.name: c for c in m.table("public.t").columns}
    assert cols["a"].default == "COALESCE(current_setting('app.x', true), 'y, z)')" and not cols["a"].nullable
    assert cols["b"].default == "(1 + 2) * 3" and m.table("public.t").checks[0].expression == "b > 0"
    assert cols["c"].default == "now() + '7 days'::interval"
    [policy] = m.policies
    assert policy.using == "a <> 'using (x)' AND EXISTS (SELECT 1 FROM public.u WHERE u.a = t.a)"
    assert policy.with_check == "b = 1"


def test_parse_error_line_after_multibyte_text():
    text = "-- Привет, мир — ééééé\ncreate table public.a (id int);\nselec 1;\n"
    with pytest.raises(SqlParseError) as caught:
        parse_sql_files([SqlSource("m.sql", text)])
    assert (caught.value.line, caught.value.statement) == (3, "selec 1;")


def test_the_collector_paused_for_a_parse_is_back_after_it_even_when_the_sql_is_refused():
    import gc

    assert gc.isenabled()
    parse_sql_files([SqlSource("ok.sql", "create table public.t (id int);")])
    assert gc.isenabled()
    with pytest.raises(SqlParseError):
        parse_sql_files([SqlSource("bad.sql", "create tabel public.t (id int);")])
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        parse_sql_files([SqlSource("ok.sql", "create table public.t (id int);")])
        assert not gc.isenabled()
    finally:
        gc.enable()


DYNAMIC_AND_NESTED = """do $$ begin execute format('alter table public.users add column %s int', 'x'); end $$;
create function public.f() returns void language plpgsql as $$
begin
  insert into public.memberships (user_id) values (null);
  perform set_config('role', 'postgres', true);
  execute format('drop table %I', 'users');
end $$;
create function public.g() returns int language sql as 'select count(*)::int from public.users';
with moved as (delete from public.api_keys returning *) select * from moved;
explain analyze update public.users set email = email;
"""


def test_effects_read_later_are_the_statement_analysed_at_once_in_any_order():
    """The builder defers each statement's analysis to its first read: whatever is read first,
    effects or dynamic, both must be what statement_effects says of that statement."""
    from wizard.sql.effects import statement_effects
    from wizard.sql.source import parse_source

    sources = [SqlSource(str(p), p.read_text(encoding="utf-8")) for p in sorted(core_migrations_dir().glob("*.sql"))]
    sources += [
        SqlSource(str(p), p.read_text(encoding="utf-8")) for p in sorted(muses_root().glob("*/migrations/*.sql"))
    ]
    sources += [SqlSource("dynamic.sql", DYNAMIC_AND_NESTED), SqlSource("tables.sql", TABLES)]
    expected = [statement_effects(raw) for source in sources for raw in parse_source(source)]
    effects_first, dynamic_first = parse_sql_files(sources), parse_sql_files(sources)
    assert [(s.effects, s.dynamic) for s in effects_first.statements] == expected
    assert [(s.dynamic, s.effects)[::-1] for s in dynamic_first.statements] == expected
    assert sum(d for _, d in expected) >= 2 and sum(len(e) for e, _ in expected) > 400


def test_statement_info_has_no_class_attribute_that_would_hide_a_deferred_analysis():
    from wizard.sql import StatementInfo

    m = model("do $$ begin execute format('drop table %I', 'users'); end $$;")
    assert not hasattr(StatementInfo, "effects") and not hasattr(StatementInfo, "dynamic")
    assert m.statements[0].dynamic is True  # read before effects
    with pytest.raises(AttributeError, match="no attribute 'efects'"):
        m.statements[0].efects  # noqa: B018


def test_an_analysis_that_fails_is_an_error_not_a_missing_attribute():
    """getattr(stmt, "effects", []) or hasattr would take an AttributeError from the analysis for "no effects"."""
    from wizard.sql import StatementInfo
    from wizard.sql.model import Location

    def broken() -> tuple[list, bool]:
        raise AttributeError("'NoneType' object has no attribute 'get'")

    stmt = StatementInfo.deferred("DoStmt", "do $$ ... $$", Location("m/001.sql", 3), broken)
    with pytest.raises(RuntimeError, match=r"m/001.sql.*no attribute 'get'"):
        getattr(stmt, "effects", [])
    with pytest.raises(RuntimeError):
        hasattr(stmt, "dynamic")
