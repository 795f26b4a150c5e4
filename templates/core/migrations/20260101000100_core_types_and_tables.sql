-- MuseKit core, part 1: enum types, the 13 core tables, their indexes and comments.
--
-- Every table gets row level security and loses every API-role privilege in the same breath
-- as its creation, so no table ever exists in a readable state: with RLS on and no policy,
-- everything is denied until 20260101000500_core_rls_policies_grants.sql opens exactly what
-- each role needs. (Since 2026 a new table gives anon/authenticated/service_role TRUNCATE,
-- REFERENCES, TRIGGER and MAINTAIN by default; those are revoked here too.)

-- Non-exposed schema for the RLS helper functions and trigger functions.
create schema if not exists private;
comment on schema private is 'Internal helpers for RLS policies and triggers; never exposed through the Data API.';
revoke all on schema private from public;

-- Enum types ---------------------------------------------------------------------------

create type public.membership_role as enum ('owner', 'admin', 'member');
comment on type public.membership_role is 'Role of a user in an organization: owner, admin or member.';

create type public.subscription_status as enum (
  'trialing', 'active', 'past_due', 'canceled', 'incomplete', 'incomplete_expired', 'unpaid', 'paused'
);
comment on type public.subscription_status is 'Billing provider subscription status.';

create type public.price_type as enum ('one_time', 'recurring');
comment on type public.price_type is 'Whether a price is charged once or on a recurring interval.';

create type public.price_interval as enum ('day', 'week', 'month', 'year');
comment on type public.price_interval is 'Billing interval of a recurring price.';

-- users ------------------------------------------------------------------------------------

create table public.users (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text,
  avatar_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.users is 'Profile row per auth user (id = auth.users.id): email, full name, avatar.';
alter table public.users enable row level security;
revoke all on table public.users from anon, authenticated, service_role;

-- organizations ----------------------------------------------------------------------------

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  slug text unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 64),
  personal boolean not null default false,
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- a personal organization shares its id with the user it belongs to
  constraint organizations_personal_id_is_creator check (not personal or id = created_by)
);
create index organizations_created_by_idx on public.organizations (created_by);
comment on table public.organizations is 'Teams and workspaces; every user also has a personal organization whose id is the user id.';
alter table public.organizations enable row level security;
revoke all on table public.organizations from anon, authenticated, service_role;

-- memberships ------------------------------------------------------------------------------

create table public.memberships (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role public.membership_role not null default 'member',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint memberships_org_id_user_id_key unique (org_id, user_id)
);
-- one single-column index per foreign key: splinter 0001 wants an index on exactly the
-- key's columns (the unique index above starts with org_id but does not count)
create index memberships_org_id_idx on public.memberships (org_id);
create index memberships_user_id_idx on public.memberships (user_id);
comment on table public.memberships is 'Who belongs to which organization, with role owner, admin or member.';
alter table public.memberships enable row level security;
revoke all on table public.memberships from anon, authenticated, service_role;

-- invitations ------------------------------------------------------------------------------

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  email text not null check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  role public.membership_role not null default 'member',
  -- hex sha256 of the invitation token; the token itself is never stored
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid default auth.uid() references public.users (id) on delete set null,
  expires_at timestamptz not null default (now() + interval '7 days'),
  accepted_at timestamptz,
  created_at timestamptz not null default now()
);
create index invitations_org_id_idx on public.invitations (org_id);
create index invitations_invited_by_idx on public.invitations (invited_by);
comment on table public.invitations is 'Pending invitations to join an organization (email, role, sha256 hash of the token, expiry).';
alter table public.invitations enable row level security;
revoke all on table public.invitations from anon, authenticated, service_role;

-- customers --------------------------------------------------------------------------------

create table public.customers (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null unique references public.organizations (id) on delete cascade,
  provider text not null default 'stripe',
  provider_customer_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint customers_provider_customer_key unique (provider, provider_customer_id)
);
comment on table public.customers is 'Billing provider customer of each organization.';
alter table public.customers enable row level security;
revoke all on table public.customers from anon, authenticated, service_role;

-- products ---------------------------------------------------------------------------------

create table public.products (
  id uuid primary key default gen_random_uuid(),
  provider text not null default 'stripe',
  provider_product_id text,
  name text not null,
  description text,
  image_url text,
  active boolean not null default true,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint products_provider_product_key unique (provider, provider_product_id)
);
create index products_active_idx on public.products (active);
comment on table public.products is 'Billable products of the catalog, mirrored from the billing provider.';
alter table public.products enable row level security;
revoke all on table public.products from anon, authenticated, service_role;

-- prices -----------------------------------------------------------------------------------

create table public.prices (
  id uuid primary key default gen_random_uuid(),
  product_id uuid not null references public.products (id) on delete cascade,
  provider text not null default 'stripe',
  provider_price_id text,
  active boolean not null default true,
  currency text not null check (currency ~ '^[a-z]{3}$'),
  unit_amount bigint check (unit_amount >= 0),
  type public.price_type not null default 'recurring',
  interval public.price_interval,
  interval_count integer check (interval_count > 0),
  trial_period_days integer check (trial_period_days >= 0),
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint prices_provider_price_key unique (provider, provider_price_id),
  constraint prices_interval_iff_recurring check ((type = 'recurring') = (interval is not null))
);
create index prices_product_id_idx on public.prices (product_id);
create index prices_active_idx on public.prices (active);
comment on table public.prices is 'Prices of products: amount in minor units, currency, one-time or recurring interval.';
alter table public.prices enable row level security;
revoke all on table public.prices from anon, authenticated, service_role;

-- subscriptions ----------------------------------------------------------------------------

create table public.subscriptions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  price_id uuid references public.prices (id),
  provider text not null default 'stripe',
  provider_subscription_id text not null,
  status public.subscription_status not null,
  quantity integer not null default 1 check (quantity >= 0),
  cancel_at_period_end boolean not null default false,
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at timestamptz,
  canceled_at timestamptz,
  ended_at timestamptz,
  trial_start timestamptz,
  trial_end timestamptz,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint subscriptions_provider_subscription_key unique (provider, provider_subscription_id)
);
create index subscriptions_org_id_idx on public.subscriptions (org_id);
create index subscriptions_price_id_idx on public.subscriptions (price_id);
comment on table public.subscriptions is 'Subscription of an organization to a price, with status and billing period.';
alter table public.subscriptions enable row level security;
revoke all on table public.subscriptions from anon, authenticated, service_role;

-- metrics ----------------------------------------------------------------------------------

create table public.metrics (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid default auth.uid() references public.users (id) on delete set null,
  name text not null check (length(name) between 1 and 200),
  value double precision not null default 1,
  recorded_at timestamptz not null default now()
);
create index metrics_org_id_idx on public.metrics (org_id);
create index metrics_user_id_idx on public.metrics (user_id);
comment on table public.metrics is 'Usage and metric events of an organization (name, value, who, when).';
alter table public.metrics enable row level security;
revoke all on table public.metrics from anon, authenticated, service_role;

-- api_keys ---------------------------------------------------------------------------------

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  -- the first characters of the key, shown to tell keys apart; the key itself is never stored
  prefix text not null check (prefix ~ '^[A-Za-z0-9_-]{4,16}$'),
  -- hex sha256 of the whole key: encode(sha256(convert_to(key, 'UTF8')), 'hex')
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index api_keys_org_id_idx on public.api_keys (org_id);
create index api_keys_created_by_idx on public.api_keys (created_by);
comment on table public.api_keys is 'API keys of an organization: display prefix and sha256 hash only, never the key.';
alter table public.api_keys enable row level security;
revoke all on table public.api_keys from anon, authenticated, service_role;

-- audit_logs -------------------------------------------------------------------------------

create table public.audit_logs (
  id uuid primary key default gen_random_uuid(),
  -- set null (not cascade) so the trail outlives the organization and the actor
  org_id uuid references public.organizations (id) on delete set null,
  actor_id uuid references public.users (id) on delete set null,
  action text not null check (length(action) between 1 and 200),
  target text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index audit_logs_org_id_idx on public.audit_logs (org_id);
create index audit_logs_actor_id_idx on public.audit_logs (actor_id);
comment on table public.audit_logs is 'Append-only audit trail of admin actions (organization, actor, action, target, metadata).';
alter table public.audit_logs enable row level security;
revoke all on table public.audit_logs from anon, authenticated, service_role;

-- notifications ----------------------------------------------------------------------------

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  kind text not null check (length(kind) between 1 and 100),
  payload jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);
create index notifications_user_id_idx on public.notifications (user_id);
comment on table public.notifications is 'Notifications addressed to one user (kind, payload, read time).';
alter table public.notifications enable row level security;
revoke all on table public.notifications from anon, authenticated, service_role;

-- feature_flags ----------------------------------------------------------------------------

create table public.feature_flags (
  id uuid primary key default gen_random_uuid(),
  key text not null check (key ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
  -- null = global flag; otherwise the flag applies to that organization only
  org_id uuid references public.organizations (id) on delete cascade,
  enabled boolean not null default false,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint feature_flags_key_org_id_key unique nulls not distinct (key, org_id)
);
create index feature_flags_org_id_idx on public.feature_flags (org_id);
comment on table public.feature_flags is 'Admin-managed feature flags, global (org_id null) or per organization.';
alter table public.feature_flags enable row level security;
revoke all on table public.feature_flags from anon, authenticated, service_role;
