from wizard.sql.builder import parse_sql_files, parse_sql_paths
from wizard.sql.model import (
    Column,
    Effect,
    ObjectRef,
    SchemaModel,
    SqlParseError,
    SqlSource,
    StatementInfo,
    Table,
    View,
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
    "View",
    "parse_sql_files",
    "parse_sql_paths",
]
