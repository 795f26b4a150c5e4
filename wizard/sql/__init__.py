from wizard.sql.model import (
    Column,
    Effect,
    ObjectRef,
    SchemaModel,
    SqlParseError,
    SqlSource,
    StatementInfo,
    Table,
    parse_sql_files,
    parse_sql_paths,
)

__all__ = [
    "Column",
    "Effect",
    "ObjectRef",
    "SchemaModel",
    "SqlParseError",
    "SqlSource",
    "StatementInfo",
    "Table",
    "parse_sql_files",
    "parse_sql_paths",
]
