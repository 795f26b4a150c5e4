-- MuseKit core, part 4: the rules of organization membership that a row policy cannot say.
--
-- Policies (part 5) let owners and admins manage memberships and invitations. On top:
--   * only an owner may grant the owner role, or change or remove someone else's owner role;
--   * an organization never loses its last owner (except when the organization or the user
--     is being deleted);
--   * a team organization is created through public.create_organization(name, slug), which
--     makes the caller its owner;
--   * an invitation is accepted through public.accept_invitation(token).

-- Checks API callers only: this function runs with the caller's rights (no security definer),
-- so current_user is `authenticated` for a signed-in API request and the definer's role
-- inside trusted security definer code (public.create_organization, public.accept_invitation).
create function private.enforce_owner_rights()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  touches_owner boolean;
  target_org uuid;
begin
  if current_user <> 'authenticated' then
    if tg_op = 'DELETE' then return old; end if;
    return new;
  end if;

  if tg_op = 'INSERT' then
    target_org := new.org_id;
    touches_owner := new.role = 'owner';
  elsif tg_op = 'UPDATE' then
    target_org := new.org_id;
    touches_owner := new.role = 'owner' or old.role = 'owner';
  else
    target_org := old.org_id;
    -- leaving an organization yourself is always allowed (the last owner rule still applies)
    touches_owner := old.role = 'owner' and old.user_id is distinct from (select auth.uid());
  end if;

  if touches_owner and not private.is_org_owner(target_org) then
    raise exception 'only an owner of the organization can grant, change or remove the owner role'
      using errcode = '42501';
  end if;

  if tg_op = 'DELETE' then return old; end if;
  return new;
end
$$;
comment on function private.enforce_owner_rights() is 'Trigger: API callers need to be an owner to grant, change or remove the owner role.';
revoke all on function private.enforce_owner_rights() from public, anon;

create trigger enforce_owner_rights
  before insert or update of role or delete on public.memberships
  for each row execute function private.enforce_owner_rights();
create trigger enforce_owner_rights
  before insert or update of role on public.invitations
  for each row execute function private.enforce_owner_rights();

-- Security definer: must see every owner of the organization whoever asks.
create function private.keep_an_owner()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.role <> 'owner' then
    if tg_op = 'DELETE' then return old; end if;
    return new;
  end if;
  if tg_op = 'UPDATE' then
    if new.role = 'owner' then return new; end if;
  end if;

  if exists (select 1 from public.organizations o where o.id = old.org_id)
     and exists (select 1 from public.users u where u.id = old.user_id)
     and not exists (
       select 1 from public.memberships m
       where m.org_id = old.org_id and m.role = 'owner' and m.id <> old.id
     )
  then
    raise exception 'organization % would have no owner left: make another member owner first', old.org_id
      using errcode = '23514';
  end if;

  if tg_op = 'DELETE' then return old; end if;
  return new;
end
$$;
comment on function private.keep_an_owner() is 'Trigger: refuses to remove or demote the last owner of an organization.';
revoke all on function private.keep_an_owner() from public, anon, authenticated;

create trigger keep_an_owner
  before update of role or delete on public.memberships
  for each row execute function private.keep_an_owner();

-- Creating a team organization: the signed-in caller becomes its owner. (A direct insert
-- cannot do this: INSERT ... RETURNING checks the read policy before any trigger could add
-- the membership.) Personal organizations come from private.handle_new_user only.
create function public.create_organization(name text, slug text default null)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  creator uuid := (select auth.uid());
  new_org uuid;
begin
  if creator is null then
    raise exception 'create_organization: sign in before creating an organization'
      using errcode = '42501';
  end if;
  insert into public.organizations (name, slug, personal, created_by)
  values (create_organization.name, create_organization.slug, false, creator)
  returning id into new_org;
  insert into public.memberships (org_id, user_id, role)
  values (new_org, creator, 'owner');
  return new_org;
end
$$;
comment on function public.create_organization(text, text) is 'Creates a team organization owned by the signed-in user; returns its id.';
revoke all on function public.create_organization(text, text) from public, anon;
grant execute on function public.create_organization(text, text) to authenticated;

-- Accepting an invitation: the signed-in user presents the token they received; its sha256
-- must match a pending, unexpired invitation sent to their email address.
create function public.accept_invitation(token text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  invitee uuid := (select auth.uid());
  invite public.invitations;
begin
  if invitee is null then
    raise exception 'accept_invitation: sign in before accepting an invitation'
      using errcode = '42501';
  end if;

  select i.* into invite
  from public.invitations i
  where i.token_hash = encode(sha256(convert_to(accept_invitation.token, 'UTF8')), 'hex')
  for update;

  if not found or invite.accepted_at is not null or invite.expires_at <= now() then
    raise exception 'accept_invitation: no pending invitation for this token (wrong, already used or expired)'
      using errcode = 'P0002';
  end if;
  if lower(invite.email) is distinct from (select lower(u.email) from public.users u where u.id = invitee) then
    raise exception 'accept_invitation: this invitation was sent to another email address'
      using errcode = '42501';
  end if;

  insert into public.memberships (org_id, user_id, role)
  values (invite.org_id, invitee, invite.role)
  on conflict (org_id, user_id) do nothing;
  update public.invitations set accepted_at = now() where id = invite.id;
  return invite.org_id;
end
$$;
comment on function public.accept_invitation(text) is 'Joins the signed-in user to the organization of the pending invitation whose token this is; returns the organization id.';
revoke all on function public.accept_invitation(text) from public, anon;
grant execute on function public.accept_invitation(text) to authenticated;
