"""Split a migration file into statements exactly as the Supabase CLI does (`pkg/parser`).

The CLI stores these strings in `supabase_migrations.schema_migrations.statements`, so ours
must be identical: a `;` ends a statement unless it is inside quotes ('...' or "..."), a
dollar quote ($$ or $tag$), a comment (-- or nested /* */), parentheses, or a
`BEGIN ATOMIC ... END` body; a backslash escapes the next character. Each statement keeps its
comments and inner whitespace, loses trailing semicolons and surrounding whitespace; empty
ones are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    text: str
    line: int  # 1-based line in the file where `text` starts
    offset: int  # character offset in the file where `text` starts


def _is_tag_char(ch: str) -> bool:
    return ch.isalpha() or ch.isdigit() or ch == "_"


class _Splitter:
    """A character-level state machine mirroring the CLI's tokenizer states."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.i = 0

    def _skip_quote(self, quote: str) -> None:
        # inside '...' or "...": a doubled quote stays inside, no backslash escapes
        n = len(self.sql)
        while self.i < n:
            ch = self.sql[self.i]
            self.i += 1
            if ch == quote:
                if self.i < n and self.sql[self.i] == quote:
                    self.i += 1
                    continue
                return

    def _skip_until(self, delimiter: str) -> None:
        end = self.sql.find(delimiter, self.i)
        self.i = len(self.sql) if end < 0 else end + len(delimiter)

    def _skip_block_comment(self) -> None:
        depth = 1
        n = len(self.sql)
        while self.i < n and depth:
            pair = self.sql[self.i : self.i + 2]
            if pair == "/*":
                depth += 1
                self.i += 2
            elif pair == "*/":
                depth -= 1
                self.i += 2
            else:
                self.i += 1

    def _try_dollar(self) -> bool:
        # at `$`: a tag is $ [letters digits _]* $ ; otherwise it's an ordinary character ($1)
        j = self.i + 1
        while j < len(self.sql) and _is_tag_char(self.sql[j]):
            j += 1
        if j < len(self.sql) and self.sql[j] == "$":
            tag = self.sql[self.i : j + 1]
            self.i = j + 1
            self._skip_until(tag)
            return True
        return False

    def _skip_nested(self, closer: str) -> None:
        """Consume until `closer` ("(" → ")" or "END" for BEGIN ATOMIC) at this nesting level."""
        while self.i < len(self.sql):
            if self._step(in_nested=True):
                continue
            if self.sql[self.i : self.i + len(closer)].upper() == closer:
                self.i += len(closer)
                return
            self.i += 1

    def _step(self, in_nested: bool = False) -> bool:
        """Consume one lexical unit that can hide a `;`. Returns True if something was consumed."""
        sql, i = self.sql, self.i
        ch = sql[i]
        if ch in ("'", '"'):
            self.i += 1
            self._skip_quote(ch)
        elif ch == "$":
            if not self._try_dollar():
                self.i += 1
        elif sql.startswith("--", i):
            self.i += 2
            self._skip_until("\n")
        elif sql.startswith("/*", i):
            self.i += 2
            self._skip_block_comment()
        elif ch == "\\":
            self.i += 2
        elif ch == "(":
            self.i += 1
            self._skip_nested(")")
        elif ch in "cC" and i >= 6 and sql[i - 5 : i + 1].upper() == "ATOMIC" and sql[i - 6].isspace():
            self.i += 1
            self._skip_nested("END")
        else:
            return False
        return True

    def split(self) -> list[Statement]:
        out: list[Statement] = []
        start = 0
        n = len(self.sql)
        while self.i < n:
            if self._step():
                continue
            if self.sql[self.i] == ";":
                self.i += 1
                self._emit(out, start, self.i)
                start = self.i
            else:
                self.i += 1
        self._emit(out, start, n)
        return out

    def _emit(self, out: list[Statement], start: int, end: int) -> None:
        raw = self.sql[start:end].rstrip(";")
        text = raw.strip()
        if not text:
            return
        offset = start + (len(raw) - len(raw.lstrip()))
        out.append(Statement(text=text, line=self.sql.count("\n", 0, offset) + 1, offset=offset))


def split_statements(sql: str) -> list[Statement]:
    return _Splitter(sql).split()
