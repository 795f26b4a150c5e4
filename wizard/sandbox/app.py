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
from http import HTTPStatus

import psycopg
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wizard.sandbox.advisors import Category, lint_rows
from wizard.sandbox.apikeys import api_keys
from wizard.sandbox.clusters import ClusterError
from wizard.sandbox.databases import LOGIN_ROLE_TTL, ProjectDatabases, QueryError
from wizard.sandbox.faults import FaultInjector, Faults
from wizard.sandbox.models import (
    CONTINENTS,
    HEALTH_SERVICES,
    SIZES,
    UNKNOWN_REGION,
    BodyError,
    RunQueryBody,
    foreign_projects_json,
    parse_create_project,
    parse_login_role,
    parse_query,
    parse_update_password,
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
POOLER_SERVICES = {"pooler", "pg_bouncer"}
POOLER_NOT_FOUND = '{"error":"not found"}'  # a JSON string inside `error`, as the Terraform provider meets it
# `info` as the platform sends it for these services (V1ServiceHealthResponse's three shapes)
SERVICE_INFO: dict[str, dict[str, object]] = {
    "auth": {
        "name": "GoTrue",
        "version": "v2.177.0",
        "description": "GoTrue is a user registration and authentication API",
    },
    "realtime": {"healthy": True, "db_connected": True, "replication_connected": True, "connected_cluster": 1},
    "rest": {"db_schema": "public,graphql_public"},
}


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
    pooler_host: str
    session_port: int
    transaction_port: int

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
        _api(sb, "POST", "/v1/projects", h.create_project, scope_body="organization_slug"),
        _api(sb, "GET", "/v1/projects/available-regions", h.available_regions, scope_param="organization_slug"),
        _api(sb, "GET", "/v1/projects/{ref}", h.get_project),
        _api(sb, "DELETE", "/v1/projects/{ref}", h.delete_project),
        _api(sb, "GET", "/v1/projects/{ref}/health", h.health),
        _api(sb, "GET", "/v1/projects/{ref}/api-keys", h.list_api_keys),
        _api(sb, "GET", "/v1/projects/{ref}/config/database/pooler", h.pooler_config),
        _api(sb, "POST", "/v1/projects/{ref}/database/query", h.run_query),
        _api(sb, "POST", "/v1/projects/{ref}/database/query/read-only", h.run_read_only_query),
        _api(sb, "POST", "/v1/projects/{ref}/cli/login-role", h.create_login_role),
        _api(sb, "DELETE", "/v1/projects/{ref}/cli/login-role", h.delete_login_roles),
        _api(sb, "PATCH", "/v1/projects/{ref}/database/password", h.update_database_password),
        _api(sb, "GET", "/v1/projects/{ref}/advisors/security", h.security_advisors),
        _api(sb, "GET", "/v1/projects/{ref}/advisors/performance", h.performance_advisors),
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


def _api(
    sb: Sandbox,
    method: str,
    path: str,
    handler: Handler,
    scope_param: str | None = None,
    scope_body: str | None = None,
) -> Route:
    """Auth, latency, injected faults and the rate limit around one endpoint. The limit counts
    per endpoint and per project (the `ref` in the path), per organization (`scope_param` in the
    query, or `scope_body` in the JSON body, as POST /v1/projects does), or else per user."""
    route_id = f"{method} {path}"

    async def endpoint(request: Request) -> Response:
        latency = sb.faults.get().latency
        if latency:
            await asyncio.sleep(latency)
        if not sb.authorized(request):
            return error(401, "Unauthorized")
        request.state.authorized = True
        fault = sb.faults.on_api_request()
        verdict = sb.limiter.hit((route_id, *await _limit_scope(request, scope_param, scope_body)))
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


async def _limit_scope(request: Request, scope_param: str | None, scope_body: str | None) -> tuple[str, str]:
    ref = request.path_params.get("ref")
    if ref:
        return ("project", ref)
    org = request.query_params.get(scope_param) if scope_param else None
    if scope_body and not org:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None
        if isinstance(body, dict):
            value = body.get(scope_body) or body.get("organization_id")  # older clients send the id
            org = value if isinstance(value, str) else None
    return ("organization", org) if org else ("user", "")


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
        # the pooler host: its 5432 refuses a login without the project's suffix, as an IPv4-only
        # client finds the platform's direct (IPv6-only) host unusable
        return {
            "host": self.sb.pooler_host,
            "version": self.sb.pg_version,
            "postgres_engine": self.sb.pg_version.split(".")[0],
            "release_channel": "ga",
        }

    # -- organizations and projects -------------------------------------------------------
    async def list_organizations(self, request: Request) -> Response:
        return reply([o.to_api() for o in self.sb.state.organizations])

    def _foreign(self) -> list[dict[str, object]]:
        if not self.sb.faults.get().foreign_projects:
            return []
        return foreign_projects_json(self.sb.state.organizations[0].slug, self._database())

    async def list_projects(self, request: Request) -> Response:
        own = [project_json(p, p.status(), database=self._database()) for p in self.sb.state.projects]
        return reply(self._foreign() + own)

    async def get_project(self, request: Request) -> Response:
        foreign = next((f for f in self._foreign() if f["ref"] == request.path_params["ref"]), None)
        if foreign is not None:
            return reply(foreign)
        p = self._project(request)
        return reply(project_json(p, p.status(), database=self._database()))

    async def create_project(self, request: Request) -> Response:
        sb = self.sb
        arrived = time.time()
        extra = UNKNOWN_REGION[0] if sb.faults.get().foreign_projects else None
        body, region = parse_create_project(await self._json(request), extra)
        org = sb.state.organization(body.org())
        if org is None:
            raise ApiError(404, f"Organization {body.org()} not found")
        ref, number = sb.state.new_ref(), sb.state.next_project_number
        sb.state.next_project_number += 1
        init_failed = sb.faults.take("init_failed")
        delay = sb.faults.slow_health() or sb.health_delay
        not_found = sb.faults.get().health_not_found
        project = Project(
            ref=ref,
            number=number,
            name=body.name,
            organization_slug=org.slug,
            region=region,
            created_at=utc_now_rfc3339(),
            ready_at=0.0,
            outcome="INIT_FAILED" if init_failed else "ACTIVE_HEALTHY",
            provisioned=not init_failed,
            desired_instance_size=body.desired_instance_size,
        )
        await asyncio.to_thread(sb.dbs.create, ref, None if init_failed else body.db_pass)
        # the platform's clock runs from the request: the cluster's making is part of the delay
        project.ready_at = max(arrived + delay, time.time())
        project.pooler_ready_at = project.ready_at + not_found if not_found else 0.0
        sb.state.add_project(project)
        sb.state.save()
        if sb.faults.take("drop_after_create"):
            await _drop_connection(request)
        if sb.faults.take("error_after_create"):
            status = sb.faults.get().error_status
            return error(status, HTTPStatus(status).phrase)
        # the real API answers UNKNOWN here; a later read shows COMING_UP
        return reply(project_json(project, "UNKNOWN", database=None), 201)

    async def delete_project(self, request: Request) -> Response:
        p = self._project(request)
        if p.status() == "COMING_UP":
            raise ApiError(400, "Project not ready for deletion.")
        await asyncio.to_thread(self.sb.dbs.drop, p.ref)
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
        return reply(regions_json(continent, unknown_region=self.sb.faults.get().foreign_projects))

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
        if status == "COMING_UP" and p.pooler_ready_at:
            raise ApiError(404, "Not Found")  # what a provisioning project's /health can answer
        db_problem = None
        if status == "ACTIVE_HEALTHY" and DB_SERVICES & set(services):
            db_problem = await asyncio.to_thread(self.sb.dbs.reachable, p.ref)
        pooler_found = p.pooler_ready()
        return reply([_service_health(name, status, db_problem, pooler_found) for name in services])

    async def list_api_keys(self, request: Request) -> Response:
        p = self._project(request)
        reveal = request.query_params.get("reveal", "false")
        if reveal not in ("true", "false"):
            raise ApiError(400, "reveal must be a boolean value")
        secret = await asyncio.to_thread(self.sb.dbs.jwt_secret, p.ref)
        return reply(api_keys(secret, p.ref, p.created_at, reveal == "true"))

    async def pooler_config(self, request: Request) -> Response:
        p = self._project(request)
        host, port = self.sb.pooler_host, self.sb.transaction_port
        url = f"postgresql://{p.db_user}:[YOUR-PASSWORD]@{host}:{port}/{p.db_name}"
        # As recorded: one PRIMARY item in transaction mode (6543); session mode is 5432 on the same host.
        return reply(
            [
                {
                    "identifier": p.ref,
                    "database_type": "PRIMARY",
                    "db_user": p.db_user,
                    "db_host": host,
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
        self._ready(p, "run queries")
        read_only = read_only_endpoint or (isinstance(body, RunQueryBody) and bool(body.read_only))
        try:
            rows = await self.sb.dbs.run_query(p.ref, body.query, body.parameters, read_only)
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None
        return reply(rows, 201, media_type="application/json", headers={"cache-control": "no-cache"})

    def _ready(self, p: Project, what: str) -> None:
        status = p.status()
        if status != "ACTIVE_HEALTHY":
            raise ApiError(400, f"Project {p.ref} is not ready to {what}: its status is {status}")

    # -- temporary login roles ----------------------------------------------------------------
    async def create_login_role(self, request: Request) -> Response:
        p = self._project(request)
        body = parse_login_role(await self._json(request))
        self._ready(p, "create a login role")
        ttl = self.sb.faults.get().login_role_ttl or LOGIN_ROLE_TTL
        try:
            role, password = await asyncio.to_thread(self.sb.dbs.create_login_role, p.ref, body.read_only, ttl)
        except (psycopg.Error, ClusterError) as exc:
            raise ApiError(500, f"Failed to create login role: {_first_line(exc)}") from None
        return reply({"role": role, "password": password, "ttl_seconds": ttl}, 201)

    async def delete_login_roles(self, request: Request) -> Response:
        p = self._project(request)
        self._ready(p, "delete login roles")
        try:
            await asyncio.to_thread(self.sb.dbs.delete_login_roles, p.ref)
        except (psycopg.Error, ClusterError) as exc:
            raise ApiError(500, f"Failed to delete login roles: {_first_line(exc)}") from None
        return reply({"message": "ok"})

    # -- the database password -----------------------------------------------------------------
    async def update_database_password(self, request: Request) -> Response:
        p = self._project(request)
        body = parse_update_password(await self._json(request))
        self._ready(p, "update its database password")
        try:
            await asyncio.to_thread(self.sb.dbs.set_password, p.ref, body.password)
        except (psycopg.Error, ClusterError) as exc:
            raise ApiError(500, f"Failed to update database password: {_first_line(exc)}") from None
        return reply({"message": "ok"})

    # -- advisors -----------------------------------------------------------------------------
    async def security_advisors(self, request: Request) -> Response:
        lint_type = request.query_params.get("lint_type")
        if lint_type is not None and lint_type != "sql":
            raise ApiError(400, "lint_type must be one of the following values: sql")
        return await self._advisors(request, "SECURITY")

    async def performance_advisors(self, request: Request) -> Response:
        return await self._advisors(request, "PERFORMANCE")

    async def _advisors(self, request: Request, category: Category) -> Response:
        p = self._project(request)
        self._ready(p, "run its advisors")
        report = await self.sb.dbs.advisors(p.ref)
        return reply({"lints": lint_rows(report, category)})

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


def _service_health(name: str, project_status: str, db_problem: str | None, pooler_found: bool) -> dict[str, object]:
    if project_status == "COMING_UP":
        return {"name": name, "healthy": False, "status": "COMING_UP"}
    if project_status != "ACTIVE_HEALTHY":
        return {"name": name, "healthy": False, "status": "UNHEALTHY", "error": f"project status is {project_status}"}
    if name in DB_SERVICES and db_problem:
        return {"name": name, "healthy": False, "status": "UNHEALTHY", "error": db_problem}
    if name in POOLER_SERVICES and not pooler_found:
        return {"name": name, "healthy": False, "status": "UNHEALTHY", "error": POOLER_NOT_FOUND}
    healthy: dict[str, object] = {"name": name, "healthy": True, "status": "ACTIVE_HEALTHY"}
    return healthy | ({"info": SERVICE_INFO[name]} if name in SERVICE_INFO else {})


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


async def _drop_connection(request: Request) -> None:
    """Close the client's connection without answering (the project is already committed)."""
    transport = request.scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("drop_after_create needs the sandbox's own uvicorn protocol (wizard.sandbox.server)")
    transport.abort()
    for _ in range(3):  # let uvicorn see the disconnect, so it sends nothing afterwards
        await asyncio.sleep(0)
