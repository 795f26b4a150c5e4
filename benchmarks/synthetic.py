"""Generated migration SQL for benchmarks and tests: a Muse-like template of any size.

`python -m benchmarks.synthetic [n_tables]` prints how long the preview model takes to build."""

from __future__ import annotations

import sys
import time

_TABLE = """
create type public.item_{i}_status as enum ('draft', 'active', 'archived');

create table public.items_{i} (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  org_id uuid references public.organizations (id) on delete set null,
  title text not null check (length(title) between 1 and 200),
  status public.item_{i}_status not null default 'draft',
  tags text[] not null default '{{}}',
  metadata jsonb not null default '{{}}'::jsonb,
  created_at timestamptz not null default now(),
  constraint items_{i}_title_org_key unique (org_id, title)
);
comment on table public.items_{i} is 'Generated table number {i}.';
create index items_{i}_user_id_idx on public.items_{i} (user_id);
create index items_{i}_org_id_idx on public.items_{i} (org_id) where org_id is not null;
alter table public.items_{i} enable row level security;
create policy items_{i}_select_own on public.items_{i}
  for select to authenticated
  using (user_id = (select auth.uid()) or private.is_org_member(org_id));
create policy items_{i}_insert_own on public.items_{i}
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy items_{i}_update_own on public.items_{i}
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
grant select, insert, update, delete on table public.items_{i} to authenticated;
"""

_VIEW = """
create view public.items_{i}_with_owner with (security_invoker = true) as
  select i.id, i.title, u.full_name
  from public.items_{i} i
  join public.users u on u.id = i.user_id;
"""

_FUNCTION = """
create function public.items_{i}_count(owner uuid)
returns bigint
language sql
stable
set search_path = ''
as $$ select count(*) from public.items_{i} where user_id = owner $$;
"""


def synthetic_template_sql(n_tables: int) -> str:
    """Muse-style SQL with `n_tables` tables (each with an enum, FKs to core, a check, a unique
    key, two indexes, RLS, three policies and grants), plus a view and a function every tenth."""
    parts = ["-- generated Muse template for benchmarks\n"]
    for i in range(n_tables):
        parts.append(_TABLE.format(i=i))
        if i % 10 == 0:
            parts.append(_VIEW.format(i=i))
            parts.append(_FUNCTION.format(i=i))
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    from wizard.sql import SqlSource, parse_sql_files

    n = int((argv or sys.argv[1:] or ["100"])[0])
    source = SqlSource(f"synthetic_{n}.sql", synthetic_template_sql(n))
    parse_sql_files([SqlSource("warm-up.sql", synthetic_template_sql(1))])  # imports, caches
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        model = parse_sql_files([source])
        timings.append(time.perf_counter() - start)
    print(
        f"{n} tables, {len(model.statements)} statements, {len(model.policies)} policies: "
        f"parse + build best {min(timings) * 1000:.1f} ms, median {sorted(timings)[2] * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
