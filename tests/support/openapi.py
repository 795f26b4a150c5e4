"""Contract checks against the Management API's own OpenAPI schemas (tests/fixtures/openapi/management-api.json,
a subset of the official document; its `x-musekit-source` names where and at which commit it was taken).

Validation is openapi-schema-validator's (OAS 3.0 semantics on top of `jsonschema`: `nullable`, read-only and
write-only properties, formats), never hand-written checks. For either side of the wire:

    from tests.support.openapi import request_errors, response_errors, check_exchange

    request_errors("POST", "/v1/projects", body={...})          # [] when the request is what the API accepts
    response_errors("GET", f"/v1/projects/{ref}", 200, data)    # [] when the answer has the documented shape
    check_exchange(request, response)                           # httpx objects; AssertionError listing problems

A concrete path is matched against the document's templates (`/v1/projects/{ref}/health`). Error answers
(4xx, 5xx) have no schema in the document, so their bodies are not checked; a 2xx the operation does not
declare is a problem. Unknown enum values are problems here on purpose: the document is what the API
promises today; the client is tested separately to survive more than that."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft4Validator
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "management-api.json"
_URI = "urn:musekit:management-api"

# The document's one discriminator (V1CreateProjectBody.region_selection) names no mapping for its inline
# members, so the implicit target "#/components/schemas/<type>" does not exist; its oneOf alone says the
# same (the members differ by their `type` enum), so oneOf is checked as JSON Schema does.
_ONE_OF = {"oneOf": Draft4Validator.VALIDATORS["oneOf"]}
_RequestValidator = extend(OAS30WriteValidator, validators=_ONE_OF)
_ResponseValidator = extend(OAS30ReadValidator, validators=_ONE_OF)


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def source() -> dict[str, str]:
    """Where the schemas come from: repository, path, commit."""
    return spec()["x-musekit-source"]


@cache
def _registry() -> Registry:
    return Registry().with_resource(_URI, DRAFT4.create_resource(spec()))


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # "/v1/projects/{ref}/health"
    raw: dict[str, Any]

    @property
    def operation_id(self) -> str:
        return self.raw["operationId"]

    @property
    def permissions(self) -> set[str]:
        """The fine-grained token permissions of its `security` entries (any one of them suffices)."""
        return {p for entry in self.raw.get("security", []) for p in entry.get("fga_permissions", [])}

    @property
    def oauth_scope(self) -> str | None:
        return self.raw.get("x-oauth-scope")

    def parameters(self, where: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.raw.get("parameters", []) if p["in"] == where}

    def _schema_at(self, *parts: str) -> dict[str, Any]:
        return {"$ref": _URI + "#" + _pointer("paths", self.template, self.method.lower(), *parts)}

    def request_schema(self) -> dict[str, Any] | None:
        body = self.raw.get("requestBody")
        if body is None or "application/json" not in body.get("content", {}):
            return None
        return self._schema_at("requestBody", "content", "application/json", "schema")

    def declares(self, status: int) -> bool:
        return str(status) in self.raw["responses"]

    def response_schema(self, status: int) -> dict[str, Any] | None:
        answer = self.raw["responses"].get(str(status), {})
        if "schema" not in answer.get("content", {}).get("application/json", {}):
            return None
        return self._schema_at("responses", str(status), "content", "application/json", "schema")


def operations() -> list[Operation]:
    return [Operation(m.upper(), path, op) for path, ops in spec()["paths"].items() for m, op in ops.items()]


def operation(method: str, path: str) -> Operation:
    """The operation a concrete request path belongs to; KeyError when the fixture has none."""
    path = path.split("?", 1)[0]
    matches = [
        op
        for op in operations()
        if op.method == method.upper() and re.fullmatch(re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(op.template)), path)
    ]
    # a literal segment beats a parameter: /v1/projects/available-regions is not /v1/projects/{ref}
    matches.sort(key=lambda op: op.template.count("{"))
    if not matches:
        raise KeyError(f"{method} {path} is not in {SPEC_PATH.name}")
    return matches[0]


def _problems(validator: type, schema: dict[str, Any], instance: object, where: str) -> list[str]:
    checker = validator(schema, registry=_registry(), format_checker=oas30_format_checker)
    found = sorted(checker.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{where}{''.join(f'[{p!r}]' for p in e.absolute_path)}: {e.message}" for e in found]


def _query_value(param: dict[str, Any], values: Sequence[str]) -> object:
    schema = param.get("schema", {})
    kind = schema.get("type")
    if kind == "array":
        return list(values)
    value = values[-1]
    if kind == "integer":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def request_errors(
    method: str, path: str, body: object = None, query: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """What is wrong with a request (path parameters, query parameters, JSON body) for the API's schema."""
    op = operation(method, path)
    problems: list[str] = []
    names = re.findall(r"\{([^/]+)\}", op.template)
    pattern = re.sub(r"\\{[^/]+\\}", "([^/]+)", re.escape(op.template))
    values = re.fullmatch(pattern, path.split("?", 1)[0])
    assert values is not None
    for name, value in zip(names, values.groups(), strict=True):
        param = op.parameters("path")[name]
        problems += _problems(_RequestValidator, param["schema"], value, f"path parameter {name}")
    declared = op.parameters("query")
    query = query or {}
    for name in query:
        if name not in declared:
            problems.append(f"query parameter {name}: not declared by {op.operation_id}")
    for name, param in declared.items():
        if name not in query:
            if param.get("required"):
                problems.append(f"query parameter {name}: required")
            continue
        problems += _problems(
            _RequestValidator, param["schema"], _query_value(param, query[name]), f"query parameter {name}"
        )
    schema = op.request_schema()
    if schema is None:
        if body is not None:
            problems.append(f"body: {op.operation_id} takes none")
    elif body is None:
        if op.raw["requestBody"].get("required"):
            problems.append("body: required")
    else:
        problems += _problems(_RequestValidator, schema, body, "body")
    return problems


def response_errors(method: str, path: str, status: int, body: object) -> list[str]:
    """What is wrong with an answer for the API's schema. Error statuses are not checked (no schema)."""
    op = operation(method, path)
    if status >= 400:
        return []
    if not op.declares(status):
        return [f"status {status}: {op.operation_id} answers {', '.join(op.raw['responses'])}"]
    schema = op.response_schema(status)
    return [] if schema is None else _problems(_ResponseValidator, schema, body, "body")


def check_exchange(request: httpx.Request, response: httpx.Response | None = None) -> None:
    """AssertionError listing every problem of an httpx request (and its response, when given)."""
    query: dict[str, list[str]] = {}
    for key, value in request.url.params.multi_items():
        query.setdefault(key, []).append(value)
    content = request.read()
    body = json.loads(content) if content else None
    problems = request_errors(request.method, request.url.path, body, query)
    if response is not None:
        data = response.json() if "json" in response.headers.get("content-type", "") and response.content else None
        problems += response_errors(request.method, request.url.path, response.status_code, data)
    label = f"{request.method} {request.url.path}"
    assert not problems, f"{label} breaks the API's schema:\n  " + "\n  ".join(problems)
