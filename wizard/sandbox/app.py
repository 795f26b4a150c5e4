"""The Starlette app: the Management API endpoints the clone needs, with the real API's paths,
shapes, status codes, error bodies (`{"message": ...}`) and headers, plus `/_sandbox/faults`."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wizard.sandbox.apikeys import api_keys
from wizard.sandbox.databases import ProjectDatabases, QueryError
from wizard.sandbox.faults import FaultInjector, Faults
from wizard.sandbox.models import (
    CONTINENTS,
    HEALTH_SERVICES,
    SIZES,
    BodyError,
    RunQueryBody,
    parse_create_project,
    parse_query,
    project_json,
    regions_json,
)
from wizard.sandbox.ratelimit import RateLimiter, Verdict
from wizard.sandbox.state import Project, SandboxState, utc_now_rfc3339

log = logging.getLogger("musekit.sandbox")

JSON_TYPE = "application/json; charset=utf-8"
TRANSPORT_KEY = "musekit.transport"  # set by server.py's uvicorn protocol, for the drop-connection fault
REF_RE = re.compile(r"[a-z]{20}")
DB_SERVICES = {"db", "db_postgres_user", "pooler", "pg_bouncer"}


@dataclass
class Sandbox:
    """What the routes share. Lives on the server's event loop."""

    state: SandboxState
    dbs: ProjectDatabases
    faults: FaultInjector
    limiter: RateLimiter
    token: str
    health_delay: float
    pg_version: str

    def authorized(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def reply(
    body: object, status: int = 200, media_type: str = JSON_TYPE, headers: dict[str, str] | None = None
) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type=media_type, headers=headers)


def error(status: int, message: str) -> Response:
    return reply({"message": message}, status)


# -- the API ------------------------------------------------------------------------------
def build_app(sb: Sandbox) -> Starlette:
    h = _Handlers(sb)
    routes = [
        _api(sb, "GET", "/v1/organizations", h.list_organizations),
        _api(sb, "GET", "/v1/projects", h.list_projects),
        _api(sb, "POST", "/v1/projects", h.create_project),
        _api(sb, "GET", "/v1/projects/available-regions", h.available_regions, scope_param="organization_slug"),
        _api(sb, "GET", "/v1/projects/{ref}", h.get_project),
        _api(sb, "DELETE", "/v1/projects/{ref}", h.delete_project),
        _api(sb, "GET", "/v1/projects/{ref}/health", h.health),
        _api(sb, "GET", "/v1/projects/{ref}/api-keys", h.list_api_keys),
        _api(sb, "GET", "/v1/projects/{ref}/config/database/pooler", h.pooler_config),
        _api(sb, "POST", "/v1/projects/{ref}/database/query", h.run_query),
        _api(sb, "POST", "/v1/projects/{ref}/database/query/read-only", h.run_read_only_query),
        Route("/_sandbox/faults", _admin(sb, h.get_faults), methods=["GET"]),
        Route("/_sandbox/faults", _admin(sb, h.put_faults), methods=["PUT"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException):  # registered for HTTPException only
            raise exc
        # unknown paths and wrong methods alike, as the real API answers them
        return error(404, "Not Found") if exc.status_code in (404, 405) else error(exc.status_code, exc.detail)

    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.add_middleware(_CommonHeaders, sandbox=sb)
    return app


Handler = Callable[[Request], Awaitable[Response]]


def _api(sb: Sandbox, method: str, path: str, handler: Handler, scope_param: str | None = None) -> Route:
    """Auth, latency, injected faults and the rate limit around one endpoint. The limit counts
    per endpoint and per project (the `ref` in the path), per organization (`scope_param` in the
    query), or else per user."""
    route_id = f"{method} {path}"

    async def endpoint(request: Request) -> Response:
        latency = sb.faults.get().latency
        if latency:
            await asyncio.sleep(latency)
        if not sb.authorized(request):
            return error(401, "Unauthorized")
        request.state.authorized = True
        fault = sb.faults.on_api_request()
        limit_scope = (
            request.path_params.get("ref") or (request.query_params.get(scope_param) if scope_param else None) or "user"
        )
        verdict = sb.limiter.hit((route_id, limit_scope))
        request.state.ratelimit = verdict
        if fault.status is not None and fault.status != 429:
            return error(fault.status, fault.message)
        if fault.status == 429 or not verdict.allowed:
            request.state.ratelimit = verdict.exhausted(fault.reset if fault.status == 429 else 0)
            return error(429, "ThrottlerException: Too Many Requests")
        try:
            return await handler(request)
        except ApiError as exc:
            return error(exc.status, exc.message)
        except BodyError as exc:
            return error(400, str(exc))
        except Exception as exc:  # answered here so the reply still carries the common headers
            log.error("sandbox: unexpected error in %s: %s", route_id, type(exc).__name__, exc_info=exc)
            return error(500, "Internal server error")

    return Route(path, endpoint, methods=[method])


def _admin(sb: Sandbox, handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        if not sb.authorized(request):
            return error(401, "Unauthorized")
        try:
            return await handler(request)
        except ApiError as exc:
            return error(exc.status, exc.message)

    return endpoint


class _CommonHeaders:
    """Rate-limit headers on every response (the endpoint's verdict, or an uncounted one), and
    `x-gotrue-id` on authorized ones, as the real API sends them."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app, self.sb = app, sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                verdict: Verdict = state.get("ratelimit") or self.sb.limiter.peek(("unrouted",))
                extra = verdict.headers()
                if state.get("authorized"):
                    extra.append((b"x-gotrue-id", self.sb.state.gotrue_id.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _Handlers:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb

    # -- helpers ------------------------------------------------------------------------
    def _project(self, request: Request) -> Project:
        ref = request.path_params["ref"]
        if not REF_RE.fullmatch(ref):
            raise ApiError(400, "ref must be a string of 20 lowercase letters")
        project = self.sb.state.project(ref)
        if project is None:
            raise ApiError(404, "Not Found")
        return project

    async def _json(self, request: Request) -> object:
        raw = await request.body()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, f"the request body is not valid JSON: {exc}") from None

    def _database(self) -> dict[str, str]:
        return {
            "host": "127.0.0.1",
            "version": self.sb.pg_version,
            "postgres_engine": self.sb.pg_version.split(".")[0],
            "release_channel": "ga",
        }

    # -- organizations and projects -------------------------------------------------------
    async def list_organizations(self, request: Request) -> Response:
        return reply([o.to_api() for o in self.sb.state.organizations])

    async def list_projects(self, request: Request) -> Response:
        return reply([project_json(p, p.status(), database=self._database()) for p in self.sb.state.projects])

    async def get_project(self, request: Request) -> Response:
        p = self._project(request)
        return reply(project_json(p, p.status(), database=self._database()))

    async def create_project(self, request: Request) -> Response:
        sb = self.sb
        body = parse_create_project(await self._json(request))
        org = sb.state.organization(body.org())
        if org is None:
            raise ApiError(404, f"Organization {body.org()} not found")
        ref, number = sb.state.new_ref(), sb.state.next_project_number
        sb.state.next_project_number += 1
        init_failed = sb.faults.take("init_failed")
        delay = sb.faults.slow_health() or sb.health_delay
        project = Project(
            ref=ref,
            number=number,
            name=body.name,
            organization_slug=org.slug,
            region=body.resolved_region(),
            created_at=utc_now_rfc3339(),
            ready_at=0.0,
            outcome="INIT_FAILED" if init_failed else "ACTIVE_HEALTHY",
            provisioned=not init_failed,
            desired_instance_size=body.desired_instance_size,
        )
        await asyncio.to_thread(
            sb.dbs.create, ref, project.db_user, project.db_name, None if init_failed else body.db_pass
        )
        project.ready_at = time.time() + delay
        sb.state.add_project(project)
        sb.state.save()
        if sb.faults.take("drop_after_create"):
            await _drop_connection(request)
        # the real API answers UNKNOWN here; a later read shows COMING_UP
        return reply(project_json(project, "UNKNOWN", database=None), 201)

    async def delete_project(self, request: Request) -> Response:
        p = self._project(request)
        if p.status() == "COMING_UP":
            raise ApiError(400, "Project not ready for deletion.")
        await asyncio.to_thread(self.sb.dbs.drop, p.ref, p.db_user, p.db_name)
        self.sb.state.remove_project(p.ref)
        self.sb.state.save()
        return reply({"id": p.number, "ref": p.ref, "name": p.name})

    async def available_regions(self, request: Request) -> Response:
        q = request.query_params
        slug = q.get("organization_slug")
        if not slug:
            raise ApiError(400, "organization_slug should not be empty")
        if self.sb.state.organization(slug) is None:
            raise ApiError(404, f"Organization {slug} not found")
        continent = q.get("continent")
        if continent is not None and continent not in CONTINENTS:
            raise ApiError(400, f"continent must be one of the following values: {', '.join(CONTINENTS)}")
        size = q.get("desired_instance_size")
        if size is not None and size not in SIZES:
            raise ApiError(400, f"desired_instance_size must be one of the following values: {', '.join(SIZES)}")
        return reply(regions_json(continent))

    # -- project services ---------------------------------------------------------------------
    async def health(self, request: Request) -> Response:
        p = self._project(request)
        services = request.query_params.getlist("services")
        if not services:
            raise ApiError(400, "services should not be empty")
        unknown = [s for s in services if s not in HEALTH_SERVICES]
        if unknown:
            raise ApiError(
                400, f"each value in services must be one of the following values: {', '.join(HEALTH_SERVICES)}"
            )
        timeout = request.query_params.get("timeout_ms")
        if timeout is not None and not (timeout.isdigit() and 0 <= int(timeout) <= 10000):
            raise ApiError(400, "timeout_ms must be an integer between 0 and 10000")
        status = p.status()
        db_problem = None
        if status == "ACTIVE_HEALTHY" and DB_SERVICES & set(services):
            db_problem = await asyncio.to_thread(self.sb.dbs.reachable, p.db_name)
        return reply([_service_health(name, status, db_problem) for name in services])

    async def list_api_keys(self, request: Request) -> Response:
        p = self._project(request)
        reveal = request.query_params.get("reveal", "false")
        if reveal not in ("true", "false"):
            raise ApiError(400, "reveal must be a boolean value")
        secret = await asyncio.to_thread(self.sb.dbs.jwt_secret, p.ref)
        return reply(api_keys(secret, p.ref, p.created_at, reveal == "true"))

    async def pooler_config(self, request: Request) -> Response:
        p = self._project(request)
        port = self.sb.dbs.pg.port
        url = f"postgresql://{p.db_user}:[YOUR-PASSWORD]@127.0.0.1:{port}/{p.db_name}"
        # One cluster port serves both modes here, so the CLI's :6543/ -> :5432/ rewrite is a no-op.
        return reply(
            [
                {
                    "identifier": p.ref,
                    "database_type": "PRIMARY",
                    "db_user": p.db_user,
                    "db_host": "127.0.0.1",
                    "db_port": port,
                    "db_name": p.db_name,
                    "connection_string": url,
                    "pool_mode": "transaction",
                    "default_pool_size": None,
                    "max_client_conn": None,
                    "is_using_scram_auth": True,
                    "connectionString": url,
                }
            ]
        )

    async def run_query(self, request: Request) -> Response:
        return await self._query(request, read_only_endpoint=False)

    async def run_read_only_query(self, request: Request) -> Response:
        return await self._query(request, read_only_endpoint=True)

    async def _query(self, request: Request, read_only_endpoint: bool) -> Response:
        p = self._project(request)
        body = parse_query(await self._json(request), read_only_endpoint)
        status = p.status()
        if status != "ACTIVE_HEALTHY":
            raise ApiError(400, f"Project {p.ref} is not ready to run queries: its status is {status}")
        read_only = read_only_endpoint or (isinstance(body, RunQueryBody) and bool(body.read_only))
        try:
            rows = await self.sb.dbs.run_query(p.db_user, p.db_name, body.query, body.parameters, read_only)
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None
        return reply(rows, 201, media_type="application/json", headers={"cache-control": "no-cache"})

    # -- sandbox administration ---------------------------------------------------------------
    async def get_faults(self, request: Request) -> Response:
        return reply(self.sb.faults.get().to_dict())

    async def put_faults(self, request: Request) -> Response:
        data = await self._json(request)
        if not isinstance(data, dict):
            raise ApiError(400, 'send a JSON object of fault options, e.g. {"error_burst": 2}')
        try:
            faults = Faults.from_dict(data)
        except (ValueError, TypeError) as exc:
            raise ApiError(400, str(exc)) from None
        return reply(self.sb.faults.set(faults).to_dict())


def _service_health(name: str, project_status: str, db_problem: str | None) -> dict[str, str | bool]:
    if project_status == "COMING_UP":
        return {"name": name, "healthy": False, "status": "COMING_UP"}
    if project_status != "ACTIVE_HEALTHY":
        return {"name": name, "healthy": False, "status": "UNHEALTHY", "error": f"project status is {project_status}"}
    if name in DB_SERVICES and db_problem:
        return {"name": name, "healthy": False, "status": "UNHEALTHY", "error": db_problem}
    return {"name": name, "healthy": True, "status": "ACTIVE_HEALTHY"}


async def _drop_connection(request: Request) -> None:
    """Close the client's connection without answering (the project is already committed)."""
    transport = request.scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("drop_after_create needs the sandbox's own uvicorn protocol (wizard.sandbox.server)")
    transport.abort()
    for _ in range(3):  # let uvicorn see the disconnect, so it sends nothing afterwards
        await asyncio.sleep(0)
