-- lint: 0023 sensitive_columns_exposed
-- expect: 0023 sensitive_columns_exposed_public_accounts
-- expect: 0013 rls_disabled_in_public_public_accounts
create table public.accounts (id bigint primary key, "Password" text, api_key text, card_number text, nickname text);
grant select on public.accounts to anon;
