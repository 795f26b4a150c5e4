-- lint: 0011 function_search_path_mutable
create function public.answer() returns int language sql set search_path = '' as 'select 42';
create procedure public.tidy() language sql set search_path = public as 'select 1';
