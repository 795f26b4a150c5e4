-- lint: 0011 function_search_path_mutable
-- cache keys end with md5(prosrc): md5('select 42'), md5('select 1'), and aggregate_dummy's
-- expect: 0011 function_search_path_mutable_public_answer_4486f720065eb02b778cfafce60f1065
-- expect: 0011 function_search_path_mutable_public_tidy_95adb6e77a0884d9e50232cb8c5c969d
-- splinter flags aggregates too, though they cannot carry the setting
-- expect: 0011 function_search_path_mutable_public_total_3eb6d2f5e7ee95ed566dd6cdda54dac3
create function public.answer() returns int language sql as 'select 42';
create procedure public.tidy() language sql as 'select 1';
create aggregate public.total(int) (sfunc = int4pl, stype = int);
