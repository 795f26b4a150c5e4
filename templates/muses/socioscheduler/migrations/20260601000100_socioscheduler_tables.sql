-- SocioScheduler, part 1: enum types and the three tables, with their indexes and comments.
--
-- Core tables are only referenced (foreign keys to public.users and public.organizations),
-- never changed. Each table is created with row level security on and every API-role
-- privilege revoked (the 2026 defaults leave TRUNCATE, REFERENCES, TRIGGER, MAINTAIN);
-- 20260601000200 adds the policies and grants.

create type public.brand_tone as enum ('professional', 'casual', 'fun', 'creative', 'authoritative');
comment on type public.brand_tone is 'Voice in which posts are written for a brand.';

create type public.post_platform as enum ('x', 'linkedin', 'fb');
comment on type public.post_platform is 'Social network a post is published to.';

create type public.post_status as enum ('scheduled', 'posted', 'pending');
comment on type public.post_status is 'Where a queued post is: pending (draft), scheduled, posted.';

create type public.alert_action as enum ('approve', 'edit', 'ignore');
comment on type public.alert_action is 'What the user did with a trend alert''s suggested post.';

-- brand_preferences: one row per user. No org_id on purpose: tone, niche and sample posts
-- describe the person's own voice, and keeping them personal means teammates never
-- overwrite each other's voice.
create table public.brand_preferences (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() unique references public.users (id) on delete cascade,
  tone public.brand_tone not null default 'professional',
  niche text,
  location text,
  sample_urls text[] not null default '{}',
  created_at timestamptz not null default now()
);
comment on table public.brand_preferences is 'Brand voice of a user: tone, niche, location and sample post URLs.';
alter table public.brand_preferences enable row level security;
revoke all on table public.brand_preferences from anon, authenticated, service_role;

-- post_queues: the posts a user writes. org_id says which organization the post is
-- published and billed for (subscriptions and metrics are per organization in core); it
-- defaults to the user's personal organization, whose id is the user id. Reads and writes
-- stay tied to user_id; org_id must be an organization the user belongs to.
create table public.post_queues (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  org_id uuid not null default auth.uid() references public.organizations (id) on delete cascade,
  content text not null check (length(content) between 1 and 10000),
  image_url text,
  platform public.post_platform not null,
  status public.post_status not null default 'pending',
  scheduled_at timestamptz,
  created_at timestamptz not null default now(),
  constraint post_queues_scheduled_needs_time check (status <> 'scheduled' or scheduled_at is not null)
);
create index post_queues_user_id_idx on public.post_queues (user_id);
create index post_queues_org_id_idx on public.post_queues (org_id);
-- what the publisher picks up next
create index post_queues_due_idx on public.post_queues (scheduled_at) where status = 'scheduled';
comment on table public.post_queues is 'Posts a user queued for a platform, with status and scheduled time.';
alter table public.post_queues enable row level security;
revoke all on table public.post_queues from anon, authenticated, service_role;

-- alert_logs: trend alerts sent to a user with a suggested post, and what they did with it.
-- Written by the trend watcher (service_role); the user only records the action taken.
-- No org_id: an alert is about the user's own niche, not an organization's account.
create table public.alert_logs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  trend_text text not null,
  suggested_post text,
  action_taken public.alert_action,
  created_at timestamptz not null default now()
);
create index alert_logs_user_id_idx on public.alert_logs (user_id);
comment on table public.alert_logs is 'Trend alerts sent to a user with a suggested post, and the action the user took.';
alter table public.alert_logs enable row level security;
revoke all on table public.alert_logs from anon, authenticated, service_role;
