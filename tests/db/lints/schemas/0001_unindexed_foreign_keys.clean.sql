-- lint: 0001 unindexed_foreign_keys
create table public.parents (id bigint primary key);
create table public.pairs (a int, b int, primary key (a, b));
create table public.children (id bigint primary key, parent_id bigint references public.parents (id));
create index on public.children (parent_id);
create table public.right_order (id bigint primary key, a int, b int, foreign key (a, b) references public.pairs (a, b));
create index on public.right_order (a, b);

do $$
declare t text;
begin
  foreach t in array array['parents', 'pairs', 'children', 'right_order'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('create policy %I on public.%I for select to authenticated using ((select auth.uid()) is not null)',
                   t || '_read', t);
  end loop;
end $$;
