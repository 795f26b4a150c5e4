-- lint: 0016 materialized_view_in_api
create materialized view public.totals as select 1 as n;
create schema private;
create materialized view private.totals as select 1 as n;
grant usage on schema private to authenticated;
grant select on private.totals to authenticated;
