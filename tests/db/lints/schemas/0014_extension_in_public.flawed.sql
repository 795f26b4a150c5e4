-- lint: 0014 extension_in_public
-- run as: superuser
-- expect: 0014 extension_in_public_vector
create extension vector with schema public;
