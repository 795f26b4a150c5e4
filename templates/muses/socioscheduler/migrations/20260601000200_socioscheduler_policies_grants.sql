-- SocioScheduler, part 2: row level security tied to user_id, and table privileges.
-- One permissive policy per table, role and command; (select auth.uid()) evaluated once per
-- statement; anon gets nothing; service_role (the publisher and the trend watcher) gets DML.

-- brand_preferences: the user only.
create policy brand_preferences_select_own on public.brand_preferences
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy brand_preferences_insert_own on public.brand_preferences
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy brand_preferences_update_own on public.brand_preferences
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy brand_preferences_delete_own on public.brand_preferences
  for delete to authenticated
  using (user_id = (select auth.uid()));
grant select, delete on table public.brand_preferences to authenticated;
grant insert (user_id, tone, niche, location, sample_urls) on table public.brand_preferences to authenticated;
grant update (tone, niche, location, sample_urls) on table public.brand_preferences to authenticated;
grant select, insert, update, delete on table public.brand_preferences to service_role;

-- post_queues: the author only; a post can be queued only for an organization the author
-- belongs to. Moving a post to another organization or author is not an update a client
-- can make (no update privilege on org_id or user_id).
create policy post_queues_select_own on public.post_queues
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy post_queues_insert_own_in_member_org on public.post_queues
  for insert to authenticated
  with check (user_id = (select auth.uid()) and private.is_org_member(org_id));
create policy post_queues_update_own on public.post_queues
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy post_queues_delete_own on public.post_queues
  for delete to authenticated
  using (user_id = (select auth.uid()));
grant select, delete on table public.post_queues to authenticated;
grant insert (user_id, org_id, content, image_url, platform, status, scheduled_at) on table public.post_queues to authenticated;
grant update (content, image_url, platform, status, scheduled_at) on table public.post_queues to authenticated;
grant select, insert, update, delete on table public.post_queues to service_role;

-- alert_logs: the user reads their alerts and records what they did; service_role writes them.
create policy alert_logs_select_own on public.alert_logs
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy alert_logs_update_own on public.alert_logs
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
grant select on table public.alert_logs to authenticated;
grant update (action_taken) on table public.alert_logs to authenticated;
grant select, insert, update, delete on table public.alert_logs to service_role;
