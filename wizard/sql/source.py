"""A migration file as pglast sees it: the statements (parse-tree JSON from libpg_query, which
is several times faster than building pglast's Python nodes), each with its place in the
file, its text, and token-level slices of its sub-expressions.

pglast reports statement positions as UTF-8 byte offsets that start right after the previous
`;` (so they include the whitespace and comments before a statement); everything here maps
them to the first real token and to 1-based lines."""

from __future__ import annotations

import functools
import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from wizard.sql.model import Location, SqlParseError, SqlSource

_LEADING_NOISE = re.compile(rb"(?:\s+|--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_OPEN, _CLOSE, _COMMA, _SEMI = "ASCII_40", "ASCII_41", "ASCII_44", "ASCII_59"
_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})
SHORT_TEXT = 120


def shorten(text: str, limit: int = SHORT_TEXT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class SourceFile:
    """One file's text with fast byte-offset → line lookups."""

    def __init__(self, source: SqlSource) -> None:
        self.path = source.path
        self.text = source.text
        self.data = source.text.encode("utf-8")
        self.ascii = len(self.data) == len(self.text)
        self._newlines = [m.start() for m in re.finditer(b"\n", self.data)]

    def line_at(self, byte_offset: int) -> int:
        return bisect_right(self._newlines, byte_offset - 1) + 1

    def location(self, byte_offset: int) -> Location:
        return Location(self.path, self.line_at(byte_offset))


@dataclass(slots=True)
class RawStatement:
    file: SourceFile
    kind: str  # pglast node name
    node: dict[str, Any]  # the node's fields (libpg_query JSON)
    start: int  # byte offset of the first token
    end: int  # byte offset just past the statement (before the `;`)
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.file.data[self.start : self.end].decode("utf-8").rstrip()
        return self._text

    @property
    def location(self) -> Location:
        return self.file.location(self.start)

    def location_at(self, byte_offset: int | None) -> Location:
        """Location of a node inside this statement (falls back to the statement's start)."""
        if byte_offset is None or byte_offset < self.start:
            return self.location
        return self.file.location(byte_offset)

    def short_text(self) -> str:
        return shorten(self.text)

    def span(self, from_byte: int | None = None, to_byte: int | None = None) -> TokenSpan:
        """The tokens of part of this statement (scanning only what is needed keeps big files fast)."""
        begin = self.char_index(from_byte) if from_byte is not None else 0
        stop = self.char_index(to_byte) if to_byte is not None else len(self.text)
        return TokenSpan(self.text[begin:stop])

    def char_index(self, byte_offset: int) -> int:
        rel = max(0, byte_offset - self.start)
        if self.file.ascii:
            return rel
        return len(self.file.data[self.start : self.start + rel].decode("utf-8", errors="ignore"))


class TokenSpan:
    """A piece of SQL as pglast scanner tokens (comments left out), with the slices the model
    needs: a parenthesised group, its comma-separated items, an expression up to its end."""

    def __init__(self, text: str) -> None:
        from pglast.parser import scan

        self.text = text
        try:
            self.tokens = [t for t in scan(text) if t.name not in _COMMENTS]
        except Exception:  # a slice the scanner refuses: nothing to show rather than a crash
            self.tokens = []

    def join(self, tokens: list[Any]) -> str:
        parts: list[str] = []
        previous_end = None
        text = self.text
        for tok in tokens:
            if previous_end is not None and tok.start > previous_end:
                parts.append(" ")
            parts.append(text[tok.start : tok.end + 1])
            previous_end = tok.end + 1
        return "".join(parts)

    def paren_group(self, keywords: tuple[str, ...] = ()) -> str | None:
        """Text inside the first parenthesised group after `keywords` (at depth 0), or after
        the start when no keywords are given."""
        i = self._after_keywords(keywords) if keywords else 0
        if i is None:
            return None
        inner = self._balanced(self._next_open(i))
        return None if inner is None else self.join(inner)

    def paren_items(self) -> list[str]:
        """The comma-separated items of the first parenthesised group."""
        inner = self._balanced(self._next_open(0)) or []
        items: list[list[Any]] = [[]]
        depth = 0
        for tok in inner:
            if tok.name == _OPEN:
                depth += 1
            elif tok.name == _CLOSE:
                depth -= 1
            elif tok.name == _COMMA and depth == 0:
                items.append([])
                continue
            items[-1].append(tok)
        return [self.join(item) for item in items if item]

    def expression(self, skip: int = 1, stop_keywords: frozenset[str] = frozenset()) -> str:
        """The expression after the first `skip` tokens (e.g. DEFAULT), up to a `,` or `;`, an
        unmatched `)`, or one of `stop_keywords`, at depth 0."""
        taken: list[Any] = []
        depth = 0
        for tok in self.tokens[skip:]:
            if tok.name == _OPEN:
                depth += 1
            elif tok.name == _CLOSE:
                depth -= 1
                if depth < 0:
                    break
            elif depth == 0 and (tok.name in (_COMMA, _SEMI) or (taken and tok.name in stop_keywords)):
                break
            taken.append(tok)
        return self.join(taken)

    def text_after(self, keywords: tuple[str, ...]) -> str | None:
        """Text from after `keywords` (at depth 0) to the end."""
        i = self._after_keywords(keywords)
        return None if i is None else self.join([t for t in self.tokens[i:] if t.name != _SEMI])

    def _next_open(self, i: int) -> int:
        toks = self.tokens
        while i < len(toks) and toks[i].name != _OPEN:
            i += 1
        return i

    def _after_keywords(self, keywords: tuple[str, ...]) -> int | None:
        toks = self.tokens
        depth = 0
        n = len(keywords)
        for i, tok in enumerate(toks):
            if tok.name == _OPEN:
                depth += 1
            elif tok.name == _CLOSE:
                depth -= 1
            elif (
                depth == 0
                and tok.name == keywords[0]
                and all(i + k < len(toks) and toks[i + k].name == keywords[k] for k in range(1, n))
            ):
                return i + n
        return None

    def _balanced(self, i: int) -> list[Any] | None:
        toks = self.tokens
        if i >= len(toks) or toks[i].name != _OPEN:
            return None
        depth = 0
        for j in range(i, len(toks)):
            if toks[j].name == _OPEN:
                depth += 1
            elif toks[j].name == _CLOSE:
                depth -= 1
                if depth == 0:
                    return toks[i + 1 : j]
        return toks[i + 1 :]


@functools.lru_cache(maxsize=4096)  # the same predicates and defaults recur in every table of a template
def deparse_expression(text: str) -> str:
    """An expression as pglast's (libpg_query's) deparser prints it, e.g. `id = (SELECT auth.uid())`.

    Goes through `SELECT <expr>` in C, about 50 times faster than pglast's Python printer;
    returns the text unchanged if the deparser refuses it."""
    from pglast.parser import deparse_protobuf, parse_sql_protobuf

    try:
        printed = deparse_protobuf(parse_sql_protobuf("SELECT " + text))
    except Exception:  # pglast raises ParseError/DeparseError; keep the written text then
        return text
    return printed.removeprefix("SELECT ")


def clear_deparse_cache() -> None:
    """Forget the deparsed expressions (a benchmark measures a new process this way)."""
    deparse_expression.cache_clear()


def parse_source(source: SqlSource) -> list[RawStatement]:
    """The statements of one file, in order. Raises SqlParseError with file and line."""
    from pglast.parser import ParseError, parse_sql_json

    file = SourceFile(source)
    try:
        tree = json.loads(parse_sql_json(source.text))
    except ParseError as exc:
        message, char_index = _error_parts(exc)
        raise SqlParseError(
            source.path, source.text.count("\n", 0, char_index) + 1, message, _statement_around(source.text, char_index)
        ) from None
    return list(_statements(file, tree.get("stmts", [])))


def _statements(file: SourceFile, raw: list[dict[str, Any]]) -> Iterator[RawStatement]:
    for item in raw:
        ((kind, node),) = item["stmt"].items()
        begin = item.get("stmt_location", 0)
        length = item.get("stmt_len", 0)
        end = begin + length if length else len(file.data)
        noise = _LEADING_NOISE.match(file.data, begin, end)  # matches the empty string too: never None
        start = noise.end() if noise else begin
        yield RawStatement(file, kind, node, start, end)


def _error_parts(exc: Exception) -> tuple[str, int]:
    message = str(exc.args[0]) if exc.args else str(exc)
    index = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
    return message, max(0, index)


def _statement_around(text: str, char_index: int) -> str:
    from pglast.parser import split

    try:
        slices = split(text, with_parser=False, only_slices=True)
    except Exception:  # the scanner itself gave up (e.g. an unterminated quote)
        slices = ()
    for piece in slices:
        if piece.start <= char_index < piece.stop + 1:
            return shorten(text[piece])
    line_start = text.rfind("\n", 0, char_index) + 1
    line_end = text.find("\n", char_index)
    return shorten(text[line_start : line_end if line_end >= 0 else len(text)])
