from wizard.readme.doc import ReadmeError, TableListDoc, clear_expression_cache, code, count_phrase, display_type, render_table_list
from wizard.readme.files import END, MuseSources, ReadmeDatabaseError, ReadmeMarkersError, START, build_doc, ensure_readme, find_block, table_list_is_current, update_readme, write_table_list

__all__ = ["END", "MuseSources", "ReadmeDatabaseError", "ReadmeError", "ReadmeMarkersError", "START", "TableListDoc", "build_doc", "clear_expression_cache", "code", "count_phrase", "display_type", "ensure_readme", "find_block", "render_table_list", "table_list_is_current", "update_readme", "write_table_list"]
