-- lint: 0025 public_bucket_allows_listing
-- run as: superuser
-- A stand-in for Supabase Storage (the embedded server has none): its two tables, as far as splinter reads them.
-- expect: 0025 public_bucket_allows_listing_avatars
create table storage.buckets (id text primary key, name text not null, public boolean not null default false);
create table storage.objects (id uuid primary key default gen_random_uuid(), bucket_id text references storage.buckets (id),
                              name text, owner uuid);
alter table storage.objects enable row level security;
insert into storage.buckets values ('avatars', 'avatars', true), ('documents', 'documents', false), ('media', 'media', true);
create policy "Anyone lists avatars" on storage.objects for select to anon using (bucket_id = 'avatars');
create policy "Anyone reads documents" on storage.objects for select to anon using (bucket_id = 'documents');
create policy "Owners read media" on storage.objects for select to authenticated
  using (bucket_id = 'media' and owner = (select auth.uid()));
