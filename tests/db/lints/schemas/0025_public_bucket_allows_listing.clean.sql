-- lint: 0025 public_bucket_allows_listing
-- run as: superuser
create table storage.buckets (id text primary key, name text not null, public boolean not null default false);
create table storage.objects (id uuid primary key default gen_random_uuid(), bucket_id text references storage.buckets (id),
                              name text, owner uuid);
alter table storage.objects enable row level security;
insert into storage.buckets values ('avatars', 'avatars', true);
create policy "Owners read avatars" on storage.objects for select to authenticated
  using (bucket_id = 'avatars' and owner = (select auth.uid()));
