-- lint: 0013 rls_disabled_in_public
-- expect: 0013 rls_disabled_in_public_public_ledger
-- not granted to an API role yet: splinter waits for the grant, musekit does not
-- expect: musekit_0013_strict rls_disabled_not_granted_yet_public_drafts
create table public.ledger (id bigint primary key, user_id uuid not null);
grant select on public.ledger to anon;
create table public.drafts (id bigint primary key, user_id uuid not null);
-- not exposed
create schema private;
create table private.cache (id bigint primary key);
