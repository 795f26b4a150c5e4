"""Split a migration file into statements exactly as the Supabase CLI does (`pkg/parser`).

The CLI stores these strings in `supabase_migrations.schema_migrations.statements`, so ours
must be identical: a `;` ends a statement unless it is inside quotes ('...' or "..."), a
dollar quote ($$ or $tag$), a comment (-- or nested /* */), parentheses, or a
`BEGIN ATOMIC ... END` body; a backslash escapes the next character. Each statement keeps its
comments and inner whitespace, loses trailing semicolons and surrounding whitespace; empty
ones are dropped.

The scanner jumps between the characters that can start one of those units (a regex search)
instead of stepping through every character: plain SQL text costs nothing in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    text: str
    line: int  # 1-based line in the file where `text` starts
    offset: int  # character offset in the file where `text` starts


def _upper_is(word: str) -> str:
    """A pattern for the strings whose str.upper() is `word` (the CLI compares upper-cased text;
    Unicode adds one letter: the dotless ı upper-cases to I)."""
    extra = {"I": "ı"}
    return "".join(f"[{ch}{ch.lower()}{extra.get(ch, '')}]" for ch in word)


# What can hide a `;`: quotes, a `$` (a dollar quote, or an ordinary character as in $1),
# comments, a backslash escape, a parenthesis, or the C that ends a whitespace-preceded ATOMIC.
_UNIT = rf"['\"$\\(]|--|/\*|(?<=\s{_upper_is('ATOMI')}){_upper_is('C')}"
_TOP = re.compile(rf"{_UNIT}|;")
_IN_PARENS = re.compile(rf"{_UNIT}|\)")
_IN_ATOMIC = re.compile(rf"{_UNIT}|{_upper_is('END')}")
_COMMENT_MARK = re.compile(r"/\*|\*/")


def _is_tag_char(ch: str) -> bool:
    return ch.isalpha() or ch.isdigit() or ch == "_"


def _after_quote(sql: str, i: int, quote: str) -> int:
    """Inside '...' or "..." (i is just past the opening quote): a doubled quote stays inside,
    no backslash escapes. Returns the index just past the closing quote (or the end)."""
    n = len(sql)
    while True:
        j = sql.find(quote, i)
        if j < 0:
            return n
        if j + 1 < n and sql[j + 1] == quote:
            i = j + 2
            continue
        return j + 1


def _after_block_comment(sql: str, i: int) -> int:
    depth = 1
    while depth:
        m = _COMMENT_MARK.search(sql, i)
        if m is None:
            return len(sql)
        i = m.end()
        depth += 1 if m.group() == "/*" else -1
    return i


def _after_dollar(sql: str, i: int) -> int:
    # at `$`: a tag is $ [letters digits _]* $ ; otherwise it's an ordinary character ($1)
    n = len(sql)
    j = i + 1
    while j < n and _is_tag_char(sql[j]):
        j += 1
    if j < n and sql[j] == "$":
        tag = sql[i : j + 1]
        end = sql.find(tag, j + 1)
        return n if end < 0 else end + len(tag)
    return i + 1


def _after_unit(sql: str, i: int, token: str) -> int:
    """Index just past the unit that starts at i with `token` (a match of _UNIT)."""
    if token in ("'", '"'):
        return _after_quote(sql, i + 1, token)
    if token == "$":
        return _after_dollar(sql, i)
    if token == "--":
        end = sql.find("\n", i + 2)
        return len(sql) if end < 0 else end + 1
    if token == "/*":
        return _after_block_comment(sql, i + 2)
    if token == "\\":
        return i + 2
    if token == "(":
        return _after_nested(sql, i + 1, _IN_PARENS)
    return _after_nested(sql, i + 1, _IN_ATOMIC)  # the C of BEGIN ATOMIC: the body runs to END


def _after_nested(sql: str, i: int, pattern: re.Pattern[str]) -> int:
    """Consume until the closer of `pattern` (")" or END) at this nesting level."""
    while True:
        m = pattern.search(sql, i)
        if m is None:
            return len(sql)
        token = m.group()
        if token == ")" or (len(token) == 3 and token.upper() == "END"):
            return m.end()
        i = _after_unit(sql, m.start(), token)


def split_statements(sql: str) -> list[Statement]:
    out: list[Statement] = []
    n = len(sql)
    start = i = 0
    line, counted = 1, 0  # newlines are counted incrementally: `line` is the line at offset `counted`
    while i < n:
        m = _TOP.search(sql, i)
        if m is None:
            break
        if m.group() != ";":
            i = _after_unit(sql, m.start(), m.group())
            continue
        i = m.end()
        line, counted = _emit(out, sql, start, i, line, counted)
        start = i
    _emit(out, sql, start, n, line, counted)
    return out


def _emit(out: list[Statement], sql: str, start: int, end: int, line: int, counted: int) -> tuple[int, int]:
    raw = sql[start:end].rstrip(";")
    text = raw.strip()
    if not text:
        return line, counted
    offset = start + (len(raw) - len(raw.lstrip()))
    line += sql.count("\n", counted, offset)
    out.append(Statement(text=text, line=line, offset=offset))
    return line, offset
