-- lint: 0001 unindexed_foreign_keys
-- expect: 0001 unindexed_foreign_keys_public_children_children_parent_id_fkey
-- expect: 0001 unindexed_foreign_keys_public_wrong_order_wrong_order_a_b_fkey
create table public.parents (id bigint primary key);
create table public.pairs (a int, b int, primary key (a, b));
create table public.children (id bigint primary key, parent_id bigint references public.parents (id));
-- an index on the right columns in the wrong order does not cover the key
create table public.wrong_order (id bigint primary key, a int, b int, foreign key (a, b) references public.pairs (a, b));
create index on public.wrong_order (b, a);
-- covered, as splinter counts them: the second column only in the index's INCLUDE list
create table public.included (id bigint primary key, a int, b int, foreign key (a, b) references public.pairs (a, b));
create index on public.included (a) include (b);
-- covered: the key is a prefix of the index
create table public.prefix (id bigint primary key, a int, b int, c int, foreign key (a, b) references public.pairs (a, b));
create index on public.prefix (a, b, c);

do $$
declare t text;
begin
  foreach t in array array['parents', 'pairs', 'children', 'wrong_order', 'included', 'prefix'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('create policy %I on public.%I for select to authenticated using ((select auth.uid()) is not null)',
                   t || '_read', t);
  end loop;
end $$;
