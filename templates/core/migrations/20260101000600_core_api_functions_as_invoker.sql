-- MuseKit core, part 6: the API's functions run with the caller's rights.
--
-- PostgREST serves every function of an exposed schema at /rest/v1/rpc/<name>. A security
-- definer function there, executable by `authenticated`, is what the Supabase Security Advisor
-- warns about (splinter 0029): it runs with its owner's rights and bypasses row level security
-- for any signed-up user. So the definer code of public.create_organization and
-- public.accept_invitation (part 4) moves to the private schema, which the Data API does not
-- expose, and the public functions become security invoker wrappers with the same signatures,
-- privileges (authenticated only) and behaviour: the private functions still insert the
-- organization and the owner membership, or the invited membership, as their owner, and
-- private.enforce_owner_rights still lets them.

create function private.create_organization(name text, slug text)
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
comment on function private.create_organization(text, text) is 'Definer code behind public.create_organization: creates the team organization and the caller''s owner membership.';
revoke all on function private.create_organization(text, text) from public, anon;
grant execute on function private.create_organization(text, text) to authenticated;

create function private.accept_invitation(token text)
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
comment on function private.accept_invitation(text) is 'Definer code behind public.accept_invitation: joins the caller to the organization of the pending invitation.';
revoke all on function private.accept_invitation(text) from public, anon;
grant execute on function private.accept_invitation(text) to authenticated;

-- The public functions keep their names, arguments, comments and grants; only the body and the
-- security change.
create or replace function public.create_organization(name text, slug text default null)
returns uuid
language sql
security invoker
set search_path = ''
as $$
  select private.create_organization(create_organization.name, create_organization.slug)
$$;
revoke all on function public.create_organization(text, text) from public, anon;
grant execute on function public.create_organization(text, text) to authenticated;

create or replace function public.accept_invitation(token text)
returns uuid
language sql
security invoker
set search_path = ''
as $$
  select private.accept_invitation(accept_invitation.token)
$$;
revoke all on function public.accept_invitation(text) from public, anon;
grant execute on function public.accept_invitation(text) to authenticated;
