"""Is this value a Supabase personal access token? A pure check (stdlib only) that the TUI runs as
the user types and the Management API client runs before sending anything.

Messages say what the value looks like instead, never the value itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

TOKENS_PAGE = "https://supabase.com/dashboard/account/tokens"

# the official CLI refuses anything else; newer `sbp_` formats exist, so we only warn about them
CLI_TOKEN_PATTERN = re.compile(r"^sbp_(oauth_)?[a-f0-9]{40}$")

_CREATE_ONE = f"Create a personal access token at {TOKENS_PAGE} and use that (it starts with `sbp_`)."


class TokenKind(StrEnum):
    PERSONAL = "personal access token"
    OAUTH = "OAuth access token"
    UNUSUAL_PERSONAL = "personal access token of an unusual shape"
    EMPTY = "empty value"
    PROJECT_JWT = "project JWT"
    PUBLISHABLE_KEY = "publishable API key"
    SECRET_KEY = "secret API key"
    OTHER = "not a Supabase access token"


@dataclass(frozen=True)
class TokenCheck:
    kind: TokenKind
    accepted: bool
    message: str  # why it is refused, or the warning for an accepted token; "" when all is well

    @property
    def warning(self) -> str | None:
        return self.message if self.accepted and self.message else None


def normalize_access_token(value: str) -> str:
    """Pasted tokens often carry a trailing newline or spaces; nothing else is changed."""
    return value.strip()


def check_access_token(value: str) -> TokenCheck:
    token = normalize_access_token(value)
    if not token:
        return TokenCheck(TokenKind.EMPTY, False, f"No access token was given. {_CREATE_ONE}")
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        return TokenCheck(
            TokenKind.OTHER,
            False,
            (
                "The access token contains spaces, line breaks or non-ASCII characters, so part of something else "
                f"was probably pasted with it. Copy it again from {TOKENS_PAGE} (or create a new one there)."
            ),
        )
    if CLI_TOKEN_PATTERN.fullmatch(token):
        kind = TokenKind.OAUTH if token.startswith("sbp_oauth_") else TokenKind.PERSONAL
        return TokenCheck(kind, True, "")
    if token.startswith("sbp_"):
        return TokenCheck(
            TokenKind.UNUSUAL_PERSONAL,
            True,
            (
                "The access token starts with `sbp_` but is not `sbp_` followed by 40 hex characters, the shape the "
                "Supabase CLI expects. Newer token formats exist, so musekit will try it; if Supabase rejects it, "
                f"create a new token at {TOKENS_PAGE}."
            ),
        )
    if token.startswith("eyJ"):
        return TokenCheck(
            TokenKind.PROJECT_JWT,
            False,
            (
                "This looks like a project JWT (an `anon` or `service_role` API key from a project's settings), "
                f"not a personal access token: it works for one project's data API, not for the Management API. {_CREATE_ONE}"
            ),
        )
    if token.startswith("sb_publishable_"):
        return TokenCheck(
            TokenKind.PUBLISHABLE_KEY,
            False,
            (
                "This is a project's publishable API key (`sb_publishable_...`), not a personal access token. "
                + _CREATE_ONE
            ),
        )
    if token.startswith("sb_secret_"):
        return TokenCheck(
            TokenKind.SECRET_KEY,
            False,
            (
                "This is a project's secret API key (`sb_secret_...`), not a personal access token; keep it private. "
                + _CREATE_ONE
            ),
        )
    return TokenCheck(
        TokenKind.OTHER,
        False,
        (f"This is not a Supabase personal access token: those start with `sbp_`. {_CREATE_ONE}"),
    )
