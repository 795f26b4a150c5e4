-- lint: 0016 materialized_view_in_api
-- expect: 0016 materialized_view_in_api_public_totals
create materialized view public.totals as select 1 as n;
grant select on public.totals to authenticated;
