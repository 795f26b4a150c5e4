-- Realtor, part 1: enum types and the three tables (listings owned by an organization, the
-- brokerage; saved searches owned by a user; showings of a listing by an agent).
--
-- Core tables are only referenced, never changed. Each table is created with row level
-- security on and every API-role privilege revoked; 20260601000200 adds policies and grants.

create type public.listing_status as enum ('active', 'pending', 'sold', 'withdrawn');
comment on type public.listing_status is 'Market status of a listing.';

create type public.showing_status as enum ('requested', 'confirmed', 'completed', 'canceled');
comment on type public.showing_status is 'Progress of a scheduled showing.';

create table public.listings (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  mls_number text not null check (length(btrim(mls_number)) between 1 and 40),
  address text not null,
  city text not null,
  state text not null,
  postal_code text not null,
  list_price numeric(14, 2) check (list_price >= 0),
  beds smallint check (beds >= 0),
  baths numeric(4, 1) check (baths >= 0),
  sqft integer check (sqft > 0),
  status public.listing_status not null default 'active',
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  -- an MLS number identifies a listing within one brokerage
  constraint listings_org_id_mls_number_key unique (org_id, mls_number),
  -- target of the showings (listing_id, org_id) foreign key: a showing's org is its listing's org
  constraint listings_id_org_id_key unique (id, org_id)
);
create index listings_org_id_idx on public.listings (org_id);
create index listings_created_by_idx on public.listings (created_by);
comment on table public.listings is 'MLS listings of a brokerage (organization): address, price, beds, baths, size, status.';
alter table public.listings enable row level security;
revoke all on table public.listings from anon, authenticated, service_role;

-- saved_searches: a user's own search criteria over the listings of one organization they
-- belong to (e.g. {"city": "Austin", "min_beds": 3, "max_price": 600000}).
create table public.saved_searches (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  org_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  criteria jsonb not null default '{}'::jsonb check (jsonb_typeof(criteria) = 'object'),
  notify boolean not null default false,
  created_at timestamptz not null default now()
);
create index saved_searches_user_id_idx on public.saved_searches (user_id);
create index saved_searches_org_id_idx on public.saved_searches (org_id);
comment on table public.saved_searches is 'Listing search criteria a user saved, optionally with new-match notifications.';
alter table public.saved_searches enable row level security;
revoke all on table public.saved_searches from anon, authenticated, service_role;

-- showings: org_id is carried (and kept equal to the listing's, by the composite foreign key)
-- so the policies can check membership without looking the listing up.
create table public.showings (
  id uuid primary key default gen_random_uuid(),
  listing_id uuid not null,
  org_id uuid not null,
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  scheduled_at timestamptz not null,
  status public.showing_status not null default 'requested',
  notes text,
  created_at timestamptz not null default now(),
  constraint showings_listing_fkey foreign key (listing_id, org_id)
    references public.listings (id, org_id) on delete cascade
);
create index showings_listing_id_org_id_idx on public.showings (listing_id, org_id);
create index showings_org_id_idx on public.showings (org_id);
create index showings_user_id_idx on public.showings (user_id);
comment on table public.showings is 'Showings of a listing scheduled by an agent of the brokerage, with status.';
alter table public.showings enable row level security;
revoke all on table public.showings from anon, authenticated, service_role;
