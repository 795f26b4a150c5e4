-- lint: 0009 duplicate_index
-- expect: 0009 duplicate_index_public_things_{things_label_idx,things_label_idx1}
create table public.things (id bigint primary key, label text not null);
alter table public.things enable row level security;
create policy things_read on public.things for select to authenticated using ((select auth.uid()) is not null);
create index on public.things (label);
create index on public.things (label);
-- not identical: unique, or another column order
create unique index things_id_label_key on public.things (id, label);
create index on public.things (label, id);
