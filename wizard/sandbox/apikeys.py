"""A project's API keys, derived from its JWT secret: the legacy `anon` and `service_role`
JWTs (HS256, claims as on a hosted project) and the new `sb_publishable_…`/`sb_secret_…` keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime
from typing import NotRequired, TypedDict

TEN_YEARS = 10 * 365 * 24 * 3600
MASK = "····"


class ApiKeyJson(TypedDict):
    """An ApiKeyResponse item; the legacy keys have no template or timestamps."""

    name: str
    api_key: str
    id: str
    type: str
    hash: str
    prefix: str
    description: str | None
    secret_jwt_template: NotRequired[dict[str, str] | None]
    inserted_at: NotRequired[str]
    updated_at: NotRequired[str]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def legacy_jwt(secret: str, ref: str, role: str, iat: int) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"iss": "supabase", "ref": ref, "role": role, "iat": iat, "exp": iat + TEN_YEARS}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def _opaque_key(secret: str, kind: str) -> str:
    body = _b64(hmac.new(secret.encode(), f"{kind}-key".encode(), hashlib.sha256).digest())[:22]
    checksum = _b64(hashlib.sha256(f"sb_{kind}_{body}".encode()).digest())[:8]
    return f"sb_{kind}_{body}_{checksum}"


def _hash(api_key: str) -> str:
    return _b64(hashlib.sha256(api_key.encode()).digest())


def api_keys(secret: str, ref: str, created_at: str, reveal: bool) -> list[ApiKeyJson]:
    """ApiKeyResponse items in the order the real API lists them."""
    iat = int(datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp())
    out: list[ApiKeyJson] = []
    for role in ("anon", "service_role"):
        key = legacy_jwt(secret, ref, role, iat)
        out.append(
            {
                "name": role,
                "api_key": key,
                "id": role,
                "type": "legacy",
                "hash": _hash(key),
                "prefix": key.rsplit(".", 1)[1][:5],
                "description": f"Legacy {role} API key",
            }
        )
    for kind, template in (("publishable", None), ("secret", {"role": "service_role"})):
        key = _opaque_key(secret, kind)
        prefix = key[: len(f"sb_{kind}_") + 4]
        shown = key if kind == "publishable" or reveal else prefix + MASK
        out.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ref}/{kind}")),
                "name": "default",
                "type": kind,
                "api_key": shown,
                "description": None,
                "secret_jwt_template": template,
                "hash": _hash(key),
                "prefix": prefix,
                "inserted_at": created_at,
                "updated_at": created_at,
            }
        )
    return out
