-- MuseKit core, part 2: the membership helpers that RLS policies (core and Muse) call.
--
-- Security definer so a policy on memberships can ask about memberships without recursing
-- into its own policy; `set search_path = ''` with fully qualified names so a caller cannot
-- hijack a name. Executable by authenticated and service_role only: revoked from PUBLIC
-- (new functions are executable by everyone by default) and from anon.

grant usage on schema private to authenticated, service_role;

create function private.is_org_member(org_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.memberships m
    where m.org_id = is_org_member.org_id
      and m.user_id = (select auth.uid())
  )
$$;
comment on function private.is_org_member(uuid) is 'True when the signed-in user belongs to the organization (any role).';

create function private.is_org_admin(org_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.memberships m
    where m.org_id = is_org_admin.org_id
      and m.user_id = (select auth.uid())
      and m.role in ('owner', 'admin')
  )
$$;
comment on function private.is_org_admin(uuid) is 'True when the signed-in user is an owner or admin of the organization.';

create function private.is_org_owner(org_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.memberships m
    where m.org_id = is_org_owner.org_id
      and m.user_id = (select auth.uid())
      and m.role = 'owner'
  )
$$;
comment on function private.is_org_owner(uuid) is 'True when the signed-in user is an owner of the organization.';

create function private.shares_org_with(user_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.memberships mine
    join public.memberships theirs on theirs.org_id = mine.org_id
    where mine.user_id = (select auth.uid())
      and theirs.user_id = shares_org_with.user_id
  )
$$;
comment on function private.shares_org_with(uuid) is 'True when the signed-in user and the given user belong to at least one common organization.';

revoke all on function private.is_org_member(uuid) from public, anon;
revoke all on function private.is_org_admin(uuid) from public, anon;
revoke all on function private.is_org_owner(uuid) from public, anon;
revoke all on function private.shares_org_with(uuid) from public, anon;
grant execute on function private.is_org_member(uuid) to authenticated, service_role;
grant execute on function private.is_org_admin(uuid) to authenticated, service_role;
grant execute on function private.is_org_owner(uuid) to authenticated, service_role;
grant execute on function private.shares_org_with(uuid) to authenticated, service_role;

-- updated_at maintenance ---------------------------------------------------------------------

create function private.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.set_updated_at() is 'Trigger: stamps updated_at on every update.';
revoke all on function private.set_updated_at() from public, anon;

create trigger set_updated_at before update on public.users
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.organizations
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.memberships
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.customers
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.products
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.prices
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.subscriptions
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.feature_flags
  for each row execute function private.set_updated_at();
