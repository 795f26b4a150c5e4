-- lint: 0005 unused_index
-- expect: 0005 unused_index_public_things_things_label_idx
create table public.things (id bigint primary key, label text not null);
alter table public.things enable row level security;
create policy things_read on public.things for select to authenticated using ((select auth.uid()) is not null);
create index on public.things (label);
