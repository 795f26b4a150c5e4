-- lint: 0014 extension_in_public
-- run as: superuser
create extension vector with schema extensions;
