-- MuseKit core, part 5: row level security policies and table privileges.
--
-- Conventions:
--   * one permissive policy per table, role and command (alternatives are OR-ed inside it);
--   * policies call (select auth.uid()) so it is evaluated once per statement, and the
--     private.* helpers for membership questions;
--   * anon gets nothing on any core table; authenticated gets exactly the commands (and for
--     writes, the columns) its policies are meant for; service_role bypasses RLS but still
--     needs privileges, and gets full DML except where the table says otherwise (audit_logs).

-- users: a user reads their own row and the rows of people they share an organization with;
-- they update their own name and avatar. Rows are created by the auth trigger.
create policy users_select_self_and_org_mates on public.users
  for select to authenticated
  using (id = (select auth.uid()) or private.shares_org_with(id));
create policy users_update_self on public.users
  for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));
grant select on table public.users to authenticated;
grant update (full_name, avatar_url) on table public.users to authenticated;
grant select, update, delete on table public.users to service_role;  -- rows come from the auth trigger only

-- organizations: members read; owners update name and slug. Team organizations are created
-- through public.create_organization (part 4), personal ones by the auth trigger; deleting
-- one is left to service_role.
create policy organizations_select_members on public.organizations
  for select to authenticated
  using (private.is_org_member(id));
create policy organizations_update_owners on public.organizations
  for update to authenticated
  using (private.is_org_owner(id))
  with check (private.is_org_owner(id));
grant select on table public.organizations to authenticated;
grant update (name, slug) on table public.organizations to authenticated;
grant select, insert, update, delete on table public.organizations to service_role;

-- memberships: members read the memberships of their organizations; owners and admins add,
-- change and remove them (owner role: see private.enforce_owner_rights); anyone may leave.
create policy memberships_select_members on public.memberships
  for select to authenticated
  using (private.is_org_member(org_id));
create policy memberships_insert_admins on public.memberships
  for insert to authenticated
  with check (private.is_org_admin(org_id));
create policy memberships_update_admins on public.memberships
  for update to authenticated
  using (private.is_org_admin(org_id))
  with check (private.is_org_admin(org_id));
create policy memberships_delete_admins_or_self on public.memberships
  for delete to authenticated
  using (user_id = (select auth.uid()) or private.is_org_admin(org_id));
grant select, delete on table public.memberships to authenticated;
grant insert (org_id, user_id, role) on table public.memberships to authenticated;
grant update (role) on table public.memberships to authenticated;
grant select, insert, update, delete on table public.memberships to service_role;

-- invitations: owners and admins of the organization only; the inviter is the signed-in user.
create policy invitations_select_admins on public.invitations
  for select to authenticated
  using (private.is_org_admin(org_id));
create policy invitations_insert_admins on public.invitations
  for insert to authenticated
  with check (private.is_org_admin(org_id) and invited_by = (select auth.uid()));
create policy invitations_update_admins on public.invitations
  for update to authenticated
  using (private.is_org_admin(org_id))
  with check (private.is_org_admin(org_id));
create policy invitations_delete_admins on public.invitations
  for delete to authenticated
  using (private.is_org_admin(org_id));
grant select, delete on table public.invitations to authenticated;
grant insert (org_id, email, role, token_hash, invited_by, expires_at) on table public.invitations to authenticated;
grant update (role, expires_at) on table public.invitations to authenticated;
grant select, insert, update, delete on table public.invitations to service_role;

-- customers: the organization's owners read; written by the billing backend (service_role).
create policy customers_select_owners on public.customers
  for select to authenticated
  using (private.is_org_owner(org_id));
grant select on table public.customers to authenticated;
grant select, insert, update, delete on table public.customers to service_role;

-- products and prices: every signed-in user reads the active catalog; service_role writes.
create policy products_select_active on public.products
  for select to authenticated
  using (active);
grant select on table public.products to authenticated;
grant select, insert, update, delete on table public.products to service_role;

create policy prices_select_active on public.prices
  for select to authenticated
  using (active);
grant select on table public.prices to authenticated;
grant select, insert, update, delete on table public.prices to service_role;

-- subscriptions: members of the organization read; service_role writes.
create policy subscriptions_select_members on public.subscriptions
  for select to authenticated
  using (private.is_org_member(org_id));
grant select on table public.subscriptions to authenticated;
grant select, insert, update, delete on table public.subscriptions to service_role;

-- metrics: members read their organization's metrics and record their own events.
create policy metrics_select_members on public.metrics
  for select to authenticated
  using (private.is_org_member(org_id));
create policy metrics_insert_own_as_member on public.metrics
  for insert to authenticated
  with check (user_id = (select auth.uid()) and private.is_org_member(org_id));
grant select on table public.metrics to authenticated;
grant insert (org_id, user_id, name, value, recorded_at) on table public.metrics to authenticated;
grant select, insert, update, delete on table public.metrics to service_role;

-- api_keys: owners and admins of the organization manage its keys. The hash is written once;
-- afterwards only the name and the revocation time change (last_used_at is the server's).
create policy api_keys_select_admins on public.api_keys
  for select to authenticated
  using (private.is_org_admin(org_id));
create policy api_keys_insert_admins on public.api_keys
  for insert to authenticated
  with check (private.is_org_admin(org_id) and created_by = (select auth.uid()));
create policy api_keys_update_admins on public.api_keys
  for update to authenticated
  using (private.is_org_admin(org_id))
  with check (private.is_org_admin(org_id));
create policy api_keys_delete_admins on public.api_keys
  for delete to authenticated
  using (private.is_org_admin(org_id));
grant select, delete on table public.api_keys to authenticated;
grant insert (org_id, name, prefix, key_hash, created_by) on table public.api_keys to authenticated;
grant update (name, revoked_at) on table public.api_keys to authenticated;
grant select, insert, update, delete on table public.api_keys to service_role;

-- audit_logs: append-only. Owners and admins read their organization's trail; only
-- service_role writes, and it may insert and delete (retention) but never update a row.
create policy audit_logs_select_admins on public.audit_logs
  for select to authenticated
  using (private.is_org_admin(org_id));
grant select on table public.audit_logs to authenticated;
grant select, insert, delete on table public.audit_logs to service_role;

-- notifications: the addressee only.
create policy notifications_select_own on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy notifications_insert_own on public.notifications
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy notifications_update_own on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy notifications_delete_own on public.notifications
  for delete to authenticated
  using (user_id = (select auth.uid()));
grant select, delete on table public.notifications to authenticated;
grant insert (user_id, kind, payload) on table public.notifications to authenticated;
grant update (read_at) on table public.notifications to authenticated;
grant select, insert, update, delete on table public.notifications to service_role;

-- feature_flags: signed-in users read global flags and their organizations' flags; service_role writes.
create policy feature_flags_select_global_or_member on public.feature_flags
  for select to authenticated
  using (org_id is null or private.is_org_member(org_id));
grant select on table public.feature_flags to authenticated;
grant select, insert, update, delete on table public.feature_flags to service_role;
