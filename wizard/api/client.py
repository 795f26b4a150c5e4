"""Async client of the Supabase Management API v1 (https://api.supabase.com, or SUPABASE_API_URL).

Reads are retried on 5xx and network errors with bounded, jittered backoff; writes never are once
they may have reached the server. A create whose outcome is unknown is settled by looking the
project up by name, so one clone never makes two projects. 429 answers are waited out as the API
asks, a bounded number of times. Answers are read as leniently as the API grows (see
wizard.api.models). Waiting for a new project follows the Terraform provider. Everything worth
telling the user goes through one callback (see wizard.api.events). The access token never appears
in reprs, logs or exception texts."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar

import httpx
from pydantic import JsonValue, TypeAdapter, ValidationError

from wizard import __version__, settings
from wizard.api import endpoints
from wizard.api.database_url import DatabaseConnection, connection_from_pooler
from wizard.api.endpoints import Endpoint
from wizard.api.errors import (
    ApiConnectionError,
    BadRequest,
    DuplicateProjectName,
    HealthTimeout,
    InvalidAccessToken,
    InvalidInput,
    ManagementApiError,
    NotFound,
    OrganizationNotFound,
    PermissionDenied,
    ProjectCreationUncertain,
    ProjectFailed,
    QueryFailed,
    RateLimitExceeded,
    ServerError,
    ServicesUnhealthy,
    TokenRejected,
    UnexpectedResponse,
)
from wizard.api.events import ApiEvent, ApiWarning, EventCallback, HealthChanged, RateLimited, Retrying, duration
from wizard.api.login_role import LoginRole
from wizard.api.models import (
    PROJECT_REF_PATTERN,
    TERMINAL_PROJECT_STATUSES,
    AdvisorLint,
    ApiKey,
    Continent,
    CreatedRole,
    CreateProjectBody,
    CreateRoleBody,
    DeletedProject,
    InstanceSize,
    Organization,
    PoolerConfig,
    Project,
    ProjectStatus,
    ProjectWithDatabase,
    RegionSelection,
    RegionsInfo,
    RunQueryBody,
    ServiceHealth,
    ServiceHealthStatus,
    ServiceName,
    SmartGroup,
    readable_items,
    summarize,
)
from wizard.api.token import check_access_token, normalize_access_token

DEFAULT_HEALTH_SERVICES: tuple[ServiceName, ...] = (ServiceName.DB, ServiceName.POOLER)
DEFAULT_HEALTH_TIMEOUT_S = 600.0  # real provisioning takes 1-3 minutes
STILL_WAITING_EVERY_S = 60.0  # a HealthChanged with old == new when nothing changed for this long
USER_AGENT = f"musekit/{__version__} (+python-httpx/{httpx.__version__})"
DASHBOARD = "https://supabase.com/dashboard"

log = logging.getLogger(__name__)
T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# nothing reached the server: safe to retry any method
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_NOT_TRANSIENT_5XX = frozenset({501, 505})
# after an uncertain create, the project may take a moment to show up in the list
_RECOVERY_LOOKUP_DELAYS_S = (0.0, 2.0, 4.0)
# "UNHEALTHY" answers of a service that is only still starting (the Terraform provider's list)
_FAILED_TO_RETRIEVE = re.compile(r"^Failed to retrieve .*service health", re.IGNORECASE)

# one item each: the list endpoints are read item by item (see _parse_items)
_ORGANIZATION = TypeAdapter(Organization)
_PROJECT = TypeAdapter(ProjectWithDatabase)
_CREATED = TypeAdapter(Project)
_DELETED = TypeAdapter(DeletedProject)
_HEALTH = TypeAdapter(ServiceHealth)
_KEY = TypeAdapter(ApiKey)
_POOLER = TypeAdapter(PoolerConfig)
_REGIONS = TypeAdapter(RegionsInfo)
_ROW = TypeAdapter(dict[str, JsonValue])
_ROLE = TypeAdapter(CreatedRole)
_ADVISOR_LINT = TypeAdapter(AdvisorLint)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # for reads failing with 5xx or network errors
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    rate_limit_retries: int = 3
    max_rate_limit_wait_s: float = 60.0  # the API's window is one minute
    # the documented budget: 120 requests per minute per endpoint; the client paces itself under it so a
    # portfolio of hundreds of Muses waits its turn instead of collecting 429s (0: no pacing)
    requests_per_minute: int = 120

    def backoff_s(self, failures: int, jitter: float) -> float:
        """Exponential, capped, with "equal jitter": half fixed, half random (jitter in [0, 1))."""
        delay: float = min(self.max_delay_s, self.base_delay_s * 2.0 ** (failures - 1))
        return delay * (0.5 + 0.5 * jitter)


def health_intervals(first_s: float = 1.0, step_s: float = 1.0, cap_s: float = 5.0) -> Iterator[float]:
    """Seconds between polls while waiting: 1, 2, 3, 4, 5, 5, ... Polls land at 0, 1, 3, 6, 10, 15 s, so a
    project that takes 10 s is seen on the 5th poll."""
    interval = first_s
    while True:
        yield interval
        interval = min(cap_s, interval + step_s)


@dataclass(frozen=True)
class _Call:
    endpoint: Endpoint
    what: str  # completes "could not ...": "list projects"
    ref: str | None = None
    expect: int = 200
    params: dict[str, Any] | None = None
    body: dict[str, Any] | None = field(default=None, repr=False)
    retry_after_sent: bool = True  # may it be repeated once it may have reached the server?
    max_attempts: int | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    bad_request: type[BadRequest] = BadRequest
    about_project: bool = True  # False for collection endpoints, where a 404 means a wrong base URL
    permission: str | None = None  # which of the endpoint's permissions this call needs (default: its first)

    @property
    def path(self) -> str:
        return self.endpoint.at(self.ref)

    @property
    def label(self) -> str:
        return f"{self.endpoint.method} {self.path}"

    @property
    def needs(self) -> str | None:
        return self.permission or next(iter(self.endpoint.permissions), None)


@dataclass(frozen=True)
class _Observation:
    """One poll while waiting: a label that changes when the state does; `services` once everything is
    healthy; `failure` when waiting longer is pointless."""

    label: str
    detail: str = ""
    services: list[ServiceHealth] | None = None
    failure: ManagementApiError | None = None
    project_ready: bool = False


class _Secret:
    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


class ManagementAPI:
    """`async with ManagementAPI(token) as api: ...`. `base_url` overrides SUPABASE_API_URL; `transport`,
    `sleep`, `clock` and `jitter` exist for tests."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        on_event: EventCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        # `del`: a crash report that shows local variables (Textual's does) must not show secrets
        self._token = _Secret(normalize_access_token(token))
        del token
        check = check_access_token(self._token.value)
        if not check.accepted:
            raise InvalidAccessToken(check.message)
        self.base_url = checked_base_url(base_url or settings.api_url())
        self._on_event = on_event
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._sent_at: dict[str, collections.deque[float]] = {}  # endpoint path -> send times in the last minute
        self._pace_lock = asyncio.Lock()
        # TLS verification is httpx's default and deliberately not configurable here
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            verify=_tls_verification(self.base_url),
            follow_redirects=False,
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers={
                "Authorization": f"Bearer {self._token.value}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
        )
        if check.warning:
            self._emit(ApiWarning(check.warning))

    def __repr__(self) -> str:
        return f"ManagementAPI(base_url={self.base_url!r})"

    async def __aenter__(self) -> ManagementAPI:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- organizations and projects ---------------------------------------------------------

    async def list_organizations(self) -> list[Organization]:
        call = _Call(endpoints.LIST_ORGANIZATIONS, "list your organizations", about_project=False)
        return self._parse_items(call, await self._send(call), _ORGANIZATION)

    async def resolve_organization(self, organization: str) -> Organization:
        """The organization whose slug (or, failing that, deprecated id) is `organization`."""
        wanted = organization.strip()
        orgs = await self.list_organizations()
        found = next((o for o in orgs if o.slug == wanted), None) or next((o for o in orgs if o.id == wanted), None)
        if found is None:
            known = ", ".join(f"{o.slug} ({o.name})" for o in orgs) or "none"
            raise OrganizationNotFound(
                f"No organization with slug or id {wanted!r} is visible to this access token. Organizations it "
                f"can use: {known}. Pass one of those slugs, or use a token of an account in that organization."
            )
        return found

    async def list_projects(self) -> list[ProjectWithDatabase]:
        """Every project the token sees; one musekit cannot read (a future shape) is left out, not fatal."""
        call = _Call(endpoints.LIST_PROJECTS, "list your projects", about_project=False)
        return self._parse_items(call, await self._send(call), _PROJECT)

    async def get_project(self, ref: str) -> ProjectWithDatabase:
        call = _Call(endpoints.GET_PROJECT, f"read project {ref}", ref=checked_ref(ref))
        return self._parse(call, await self._send(call), _PROJECT)

    async def find_project(
        self, name: str, organization: str, *, exclude_refs: Iterable[str] = ()
    ) -> ProjectWithDatabase | None:
        """The live (not REMOVED) project called `name` in the organization given by slug or id; None when
        there is none. Several such projects raise DuplicateProjectName: musekit will not pick one.
        `exclude_refs`: projects known not to be the one wanted (e.g. one that failed and was given up)."""
        excluded = set(exclude_refs)
        matches = [
            p
            for p in await self.list_projects()
            if p.name == name
            and organization in (p.organization_slug, p.organization_id)
            and p.status is not ProjectStatus.REMOVED
            and p.ref not in excluded
        ]
        if len(matches) > 1:
            refs = ", ".join(f"{p.ref} ({p.status})" for p in matches)
            raise DuplicateProjectName(
                f"Organization {organization} has {len(matches)} projects named {name!r}: {refs}. musekit cannot tell "
                f"which one is this clone's: delete or rename the extra ones at {DASHBOARD}, or choose another name."
            )
        return matches[0] if matches else None

    async def create_project(
        self,
        name: str,
        *,
        organization: str,
        db_pass: str,
        region: str,
        instance_size: InstanceSize | str | None = None,
    ) -> Project:
        """Create a project (201, status UNKNOWN/COMING_UP); `organization` is a slug or id; `region` a region code
        or a smart group (americas, emea, apac), sent as given: a code Supabase does not offer comes back as its
        400, verbatim (the codes to offer come from `available_regions`). Never repeated blindly: when the outcome
        is unknown, the project is looked up by name first and returned if found."""
        password = _Secret(db_pass)
        del db_pass  # see __init__
        if not password.value:
            raise InvalidInput("The database password is empty: choose one (musekit can generate a strong one).")
        selection, size = _checked_create_input(name, region, instance_size)
        org = await self.resolve_organization(organization)
        body = CreateProjectBody(
            name=name,
            organization_slug=org.slug,
            db_pass=password.value,
            region_selection=selection,
            desired_instance_size=size,
        )
        call = _Call(
            endpoints.CREATE_PROJECT,
            f"create project {name!r} in organization {org.slug}",
            expect=201,
            body=body.payload(),
            retry_after_sent=False,
            secrets=(password.value,),
        )
        try:
            return self._parse(call, await self._send(call), _CREATED)
        except (ServerError, ApiConnectionError, UnexpectedResponse) as exc:
            if isinstance(exc, ApiConnectionError) and not exc.request_sent:
                raise
            return await self._settle_uncertain_create(name, org, exc)

    async def delete_project(self, ref: str) -> DeletedProject:
        ref = checked_ref(ref)
        call = _Call(endpoints.DELETE_PROJECT, f"delete project {ref}", ref=ref, retry_after_sent=False)
        return self._parse(call, await self._send(call), _DELETED)

    async def available_regions(
        self,
        organization_slug: str,
        *,
        continent: Continent | str | None = None,
        instance_size: InstanceSize | str | None = None,
    ) -> RegionsInfo:
        params: dict[str, Any] = {"organization_slug": organization_slug}
        if continent is not None:
            params["continent"] = _enum(Continent, continent, "continent")
        if instance_size is not None:
            params["desired_instance_size"] = _enum(InstanceSize, instance_size, "instance size")
        call = _Call(endpoints.AVAILABLE_REGIONS, f"list regions for organization {organization_slug}", params=params)
        return self._parse(call, await self._send(call), _REGIONS)

    async def region_codes(self, organization_slug: str) -> frozenset[str] | None:
        """The region codes (and smart groups) the organization may create projects in, from
        `available_regions`; None when Supabase could not say (an ApiWarning tells why): then the create call
        is the judge. A rejected token still raises TokenRejected."""
        try:
            return (await self.available_regions(organization_slug)).codes
        except TokenRejected:
            raise
        except ManagementApiError as exc:
            self._emit(
                ApiWarning(
                    f"Could not list the regions of organization {organization_slug} ({_brief(exc)}); the region "
                    "is sent as given and Supabase's answer to the create says whether it exists."
                )
            )
            return None

    # --- a project's services ---------------------------------------------------------------

    async def get_health(
        self,
        ref: str,
        services: Iterable[ServiceName | str] = DEFAULT_HEALTH_SERVICES,
    ) -> list[ServiceHealth]:
        return await self._get_health(checked_ref(ref), services, max_attempts=None)

    async def wait_until_healthy(
        self,
        ref: str,
        *,
        timeout_s: float = DEFAULT_HEALTH_TIMEOUT_S,
        services: Iterable[ServiceName | str] = DEFAULT_HEALTH_SERVICES,
    ) -> list[ServiceHealth]:
        """Wait as the Terraform provider does: poll the project (1, 2, 3, 4, 5, 5... s apart) until it is
        ACTIVE_HEALTHY, then its services' health until every one is ACTIVE_HEALTHY. Fails fast (ProjectFailed) on a
        status it will not leave by waiting (TERMINAL_PROJECT_STATUSES), any other status (a new one too) means
        "keep waiting". While the services come up, a 4xx other than 401 from /health, a pooler UNHEALTHY with "not
        found" and "Failed to retrieve ... service health" mean "not ready yet"; another UNHEALTHY answer raises
        ServicesUnhealthy. Reports HealthChanged on each change and every STILL_WAITING_EVERY_S without one (with
        the time waited); HealthTimeout after `timeout_s`."""
        ref = checked_ref(ref)
        wanted = [_enum(ServiceName, s, "service") for s in services]
        if not wanted:
            raise InvalidInput("Name at least one service to wait for (e.g. db, pooler).")
        started = self._clock()
        deadline = started + timeout_s
        intervals = health_intervals()
        last: _Observation | None = None
        reported_at = started
        project_ready = False
        while True:
            poll_started = self._clock()
            seen = await (self._observe_services(ref, wanted) if project_ready else self._observe(ref, wanted))
            project_ready = seen.project_ready
            now = self._clock()
            changed = last is None or seen.label != last.label
            done = seen.services is not None or seen.failure is not None or now >= deadline
            if changed or (now - reported_at >= STILL_WAITING_EVERY_S and not done):
                old = last.label if last is not None else None
                self._emit(HealthChanged(ref, old, seen.label, seen.detail, now - started, timeout_s))
                reported_at = now
            last = seen
            if seen.services is not None:
                return seen.services
            if seen.failure is not None:
                raise seen.failure
            if now >= deadline:
                raise HealthTimeout(_timeout_message(ref, timeout_s, seen), seen.label)
            await self._sleep(max(0.0, min(poll_started + next(intervals), deadline) - now))

    async def api_keys(self, ref: str, *, reveal: bool = False) -> list[ApiKey]:
        """Without `reveal`, secret keys come back masked (see ApiKey.is_masked)."""
        call = _Call(
            endpoints.API_KEYS,
            f"read the API keys of project {ref}",
            ref=checked_ref(ref),
            params={"reveal": "true"} if reveal else None,
        )
        return self._parse_items(call, await self._send(call), _KEY)

    async def pooler_config(self, ref: str) -> list[PoolerConfig]:
        call = _Call(
            endpoints.POOLER_CONFIG, f"read the database pooler settings of project {ref}", ref=checked_ref(ref)
        )
        return self._parse_items(call, await self._send(call), _POOLER)

    async def database_connection(self, ref: str) -> DatabaseConnection:
        """Session-mode (migrations) and transaction-mode URLs of the PRIMARY database, without password."""
        return connection_from_pooler(await self.pooler_config(ref))

    async def run_query(
        self, ref: str, sql: str, *, read_only: bool = True, parameters: list[JsonValue] | None = None
    ) -> list[dict[str, JsonValue]]:
        """POST /database/query ([Beta]); rows as dicts. A read-only query is safe to repeat, so it is retried
        like a read; a writing one never is. SQL errors raise QueryFailed with Postgres's message. The spec gives
        the 201 no schema: an empty or non-JSON body (e.g. after DDL) is no rows, not an error."""
        if not sql.strip():
            raise InvalidInput("The SQL query is empty.")
        body = RunQueryBody(query=sql, read_only=read_only, parameters=parameters)
        call = _Call(
            endpoints.RUN_QUERY,
            f"run a query on project {ref}",
            ref=checked_ref(ref),
            expect=201,
            body=body.payload(),
            retry_after_sent=read_only,
            bad_request=QueryFailed,
            permission="database_read" if read_only else "database_write",
        )
        return _rows(call, await self._send(call))

    # --- temporary login roles -----------------------------------------------------------------

    async def create_login_role(self, ref: str, *, read_only: bool = False) -> LoginRole:
        """A temporary `cli_login_…` role with a password that expires after its ttl, as the official CLI makes
        one to connect without the database password. Not repeated once it may have reached the server."""
        ref = checked_ref(ref)
        call = _Call(
            endpoints.CREATE_LOGIN_ROLE,
            f"create a temporary login role for project {ref}",
            ref=ref,
            expect=201,
            body=CreateRoleBody(read_only=read_only).payload(),
            retry_after_sent=False,
        )
        created = self._parse(call, await self._send(call), _ROLE)
        return LoginRole.issued(ref, created.role, created.password, created.ttl_seconds)

    async def delete_login_roles(self, ref: str) -> None:
        """Remove the project's temporary login roles (all of them, as the endpoint does). Safe to repeat."""
        ref = checked_ref(ref)
        call = _Call(endpoints.DELETE_LOGIN_ROLES, f"remove the temporary login roles of project {ref}", ref=ref)
        await self._send(call)

    async def reset_database_password(self, ref: str, password: str) -> None:
        """PATCH /database/password: the project's `postgres` gets `password` (the dashboard's "Reset database
        password"); the old one stops working. Setting the same password again changes nothing, so it is
        retried like a read."""
        secret = _Secret(password)
        del password  # see __init__
        if len(secret.value) < 4:  # V1UpdatePasswordBody: minLength 4
            raise InvalidInput("The new database password is too short: use at least 4 characters.")
        ref = checked_ref(ref)
        call = _Call(
            endpoints.UPDATE_DATABASE_PASSWORD,
            f"set a new database password for project {ref}",
            ref=ref,
            body={"password": secret.value},
            secrets=(secret.value,),
        )
        await self._send(call)

    # --- the platform's advisors ---------------------------------------------------------------

    async def advisors(self, ref: str, kind: Literal["security", "performance"]) -> list[AdvisorLint]:
        """The platform's own lints of the project (splinter, as the dashboard's Advisors show them). A lint
        row musekit cannot read is skipped, never fatal."""
        endpoint = endpoints.SECURITY_ADVISORS if kind == "security" else endpoints.PERFORMANCE_ADVISORS
        call = _Call(endpoint, f"read the {kind} advisors of project {ref}", ref=checked_ref(ref))
        response = await self._send(call)
        body = self._json(call, response)
        lints = body.get("lints") if isinstance(body, dict) else None
        if not isinstance(lints, list):
            raise self._unusable(call, response, "no list of lints")
        return readable_items(_ADVISOR_LINT, lints, call.label)

    # --- internals: waiting -------------------------------------------------------------------

    async def _get_health(
        self, ref: str, services: Iterable[ServiceName | str], *, max_attempts: int | None
    ) -> list[ServiceHealth]:
        names = [str(_enum(ServiceName, s, "service")) for s in services]
        call = _Call(
            endpoints.SERVICES_HEALTH,
            f"read the health of project {ref}",
            ref=ref,
            params={"services": names},
            max_attempts=max_attempts,
        )
        return self._parse_items(call, await self._send(call), _HEALTH)

    async def _observe(self, ref: str, wanted: list[ServiceName]) -> _Observation:
        """Until the project is ACTIVE_HEALTHY: its status. One try per poll (the polling is the retry); a 401,
        403 or 404 on the project itself is an answer and raised."""
        try:
            status = (await self._project_once(ref)).status
        except (BadRequest, ServerError, ApiConnectionError, UnexpectedResponse, RateLimitExceeded) as exc:
            return _Observation("project status unknown", f"project: {_brief(exc)}")
        label = f"project {status}"
        if status in TERMINAL_PROJECT_STATUSES:
            return _Observation(label, failure=ProjectFailed(_terminal_message(ref, str(status)), str(status)))
        if status is not ProjectStatus.ACTIVE_HEALTHY:
            return _Observation(label)
        return await self._observe_services(ref, wanted)

    async def _observe_services(self, ref: str, wanted: list[ServiceName]) -> _Observation:
        services: list[ServiceHealth] = []
        problems: list[str] = []
        try:
            services = await self._get_health(ref, wanted, max_attempts=1)
        except TokenRejected:
            raise
        except ManagementApiError as exc:  # a 4xx or 5xx while the services come up: not ready yet
            problems.append(f"health: {_brief(exc)}")
        by_name = {str(s.name): s for s in services}
        summary = ", ".join(f"{n} {by_name[n].status}" if n in by_name else f"{n} missing" for n in wanted)
        problems += [f"{s.name}: {s.error}" for s in services if s.error]
        broken = {
            str(s.name): s.error or "no reason given"
            for s in services
            if str(s.name) in wanted and s.status is ServiceHealthStatus.UNHEALTHY and not _still_starting(s)
        }
        detail = "; ".join(problems)
        if broken:
            return _Observation(summary, detail, failure=ServicesUnhealthy(_unhealthy_message(ref, broken), broken))
        if all(n in by_name and by_name[n].is_healthy for n in wanted):
            return _Observation(summary, detail, services=services, project_ready=True)
        return _Observation(summary, detail, project_ready=True)

    async def _project_once(self, ref: str) -> ProjectWithDatabase:
        call = _Call(endpoints.GET_PROJECT, f"read project {ref}", ref=ref, max_attempts=1)
        return self._parse(call, await self._send(call), _PROJECT)

    # --- internals: create recovery ---------------------------------------------------------

    async def _settle_uncertain_create(self, name: str, org: Organization, cause: ManagementApiError) -> Project:
        self._emit(
            ApiWarning(
                f"Creating project {name!r} got no clear answer ({_brief(cause)}); checking whether Supabase created "
                "it before doing anything else."
            )
        )
        try:
            for delay in _RECOVERY_LOOKUP_DELAYS_S:
                if delay:
                    await self._sleep(delay)
                found = await self.find_project(name, org.slug)
                if found is not None:
                    self._emit(ApiWarning(f"Supabase did create project {name!r} ({found.ref}); continuing with it."))
                    return found
        except DuplicateProjectName:
            raise
        except ManagementApiError as lookup_error:
            raise ProjectCreationUncertain(
                f"Creating project {name!r} got no clear answer ({_brief(cause)}), and looking it up failed too "
                f"({_brief(lookup_error)}). It may exist: check {DASHBOARD}/org/{org.slug} before creating "
                "another, then run `musekit resume` (it looks the project up by name first)."
            ) from lookup_error
        raise ProjectCreationUncertain(
            f"Creating project {name!r} got no clear answer ({_brief(cause)}) and no project of that name is in "
            f"organization {org.slug} yet. It may still appear: check {DASHBOARD}/org/{org.slug} in a minute, "
            "then run `musekit resume` (it looks the project up by name before creating one)."
        ) from cause

    # --- internals: HTTP ---------------------------------------------------------------------

    async def _send(self, call: _Call) -> httpx.Response:
        max_attempts = call.max_attempts or self._retry.max_attempts
        failures = rate_limited = 0
        while True:
            started = time.perf_counter()
            # a built Request shows neither the Authorization header nor the body in its repr, so the
            # frames of a traceback with locals stay clean (call.body is excluded from call's repr)
            request = self._http.build_request(call.endpoint.method, call.path, params=call.params, json=call.body)
            await self._pace(call)
            try:
                response = await self._http.send(request)
            except httpx.TransportError as exc:
                failures += 1
                sent = not isinstance(exc, _NOT_SENT)
                why = self._redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__, call)
                log.debug("%s failed: %s", call.label, why)
                may_retry = isinstance(exc, _TRANSIENT) and (not sent or call.retry_after_sent)
                if not may_retry or failures >= max_attempts:
                    raise ApiConnectionError(
                        call.label, why, request_sent=sent, attempts=failures, base_url=self.base_url
                    ) from exc
                await self._backoff(call, failures, max_attempts, why)
                continue
            status = response.status_code
            log.debug("%s -> %d in %.2f s", call.label, status, time.perf_counter() - started)
            if status == 429:
                rate_limited += 1
                wait_s = self._rate_limit_wait_s(response.headers)
                if rate_limited > self._retry.rate_limit_retries:
                    raise RateLimitExceeded(call.label, self._retry.rate_limit_retries, wait_s)
                self._emit(RateLimited(wait_s, rate_limited, self._retry.rate_limit_retries, call.label))
                await self._sleep(wait_s)
                continue
            if status >= 500 and status not in _NOT_TRANSIENT_5XX:
                failures += 1
                if not call.retry_after_sent or failures >= max_attempts:
                    raise ServerError(call.label, status, self._api_message(response, call), failures)
                await self._backoff(call, failures, max_attempts, f"HTTP {status}")
                continue
            if status == call.expect:
                return response
            raise self._error_for(call, response)

    async def _pace(self, call: _Call) -> None:
        """Wait, if needed, so that no endpoint gets more than `requests_per_minute` requests in any minute."""
        limit = self._retry.requests_per_minute
        if limit <= 0:
            return
        async with self._pace_lock:
            sent = self._sent_at.setdefault(call.endpoint.path, collections.deque())
            while sent and self._clock() - sent[0] >= 60.0:
                sent.popleft()
            if len(sent) >= limit:
                wait_s = 60.0 - (self._clock() - sent[0])
                self._emit(RateLimited(wait_s, 0, 0, call.label, paced=True))
                await self._sleep(wait_s)
                sent.popleft()
            sent.append(self._clock())

    async def _backoff(self, call: _Call, failures: int, max_attempts: int, why: str) -> None:
        wait_s = self._retry.backoff_s(failures, self._jitter())
        self._emit(Retrying(failures + 1, max_attempts, wait_s, why, call.label))
        await self._sleep(wait_s)

    def _rate_limit_wait_s(self, headers: httpx.Headers) -> float:
        """Retry-After (seconds or HTTP date), else x-ratelimit-reset (seconds left in the window), else the
        rest of the minute; at least 1 s, at most the policy's bound."""
        wait = _seconds(headers.get("retry-after"))
        if wait is None:
            wait = _seconds(headers.get("x-ratelimit-reset"))
        if wait is None:
            wait = 60.0
        return min(self._retry.max_rate_limit_wait_s, max(1.0, wait))

    def _error_for(self, call: _Call, response: httpx.Response) -> ManagementApiError:
        status = response.status_code
        message = self._api_message(response, call)
        if status == 401:
            return TokenRejected(call.label, message)
        if status == 403:
            return PermissionDenied(
                call.label, message, call.what, permission=call.needs, oauth_scope=call.endpoint.oauth_scope
            )
        if status == 404:
            hint = (
                None
                if call.about_project
                else (
                    f"This endpoint always exists on Supabase's API: check that {self.base_url} "
                    "(SUPABASE_API_URL) is the Management API."
                )
            )
            return NotFound(call.label, message, call.what, hint)
        if status == 400:
            return call.bad_request(call.label, message or "(no message given)", call.what)
        if status >= 500:
            return ServerError(call.label, status, message, 1)
        said = f"HTTP {status}" + (f": {message}" if message else "")
        if 200 <= status < 400:
            return UnexpectedResponse(
                f"Supabase answered {call.label} with {said} instead of HTTP {call.expect}; musekit cannot use that "
                "answer. If SUPABASE_API_URL points at a proxy or an emulator, check it.",
                status=status,
                request=call.label,
                api_message=message,
            )
        return ManagementApiError(
            f"Supabase refused to {call.what} ({said}).", status=status, request=call.label, api_message=message
        )

    def _api_message(self, response: httpx.Response, call: _Call) -> str | None:
        """The error body's `message` (a NestJS validation list is joined), else the start of the text."""
        text = response.text.strip()
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and "message" in data:
            message = data["message"]
            text = "; ".join(map(str, message)) if isinstance(message, list) else str(message)
        elif len(text) > 300:
            text = text[:300] + "..."
        return self._redact(text, call) or None

    def _json(self, call: _Call, response: httpx.Response) -> object:
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            try:
                return json.loads(response.content)
            except ValueError:
                pass
        what = content_type if "json" not in content_type else "a body that is not valid JSON"
        raise UnexpectedResponse(
            f"Supabase answered {call.label} with {what or 'no content type'} instead of JSON; musekit "
            "cannot use that answer. If SUPABASE_API_URL points at a proxy or an emulator, check it.",
            status=response.status_code,
            request=call.label,
        )

    def _parse(self, call: _Call, response: httpx.Response, adapter: TypeAdapter[T]) -> T:
        try:
            return adapter.validate_python(self._json(call, response))
        except ValidationError as exc:
            raise self._unusable(call, response, summarize(exc)) from None

    def _parse_items(self, call: _Call, response: httpx.Response, adapter: TypeAdapter[T]) -> list[T]:
        """A JSON list, read item by item: an item musekit cannot read is skipped (debug log), never fatal."""
        try:
            return readable_items(adapter, self._json(call, response), call.label)
        except ValueError as exc:
            raise self._unusable(call, response, str(exc)) from None

    def _unusable(self, call: _Call, response: httpx.Response, why: str) -> UnexpectedResponse:
        # the reason never quotes the answer: it may hold API keys
        return UnexpectedResponse(
            f"Supabase's answer to {call.label} is not what musekit expects ({why}). The API may have "
            "changed: update musekit, and report it if the problem stays.",
            status=response.status_code,
            request=call.label,
        )

    def _redact(self, text: str, call: _Call) -> str:
        # a very short password would also erase ordinary words of the API's message ("weak")
        for secret in (self._token.value, *call.secrets):
            if len(secret) >= 8:
                text = text.replace(secret, "[hidden]")
        return text

    def _emit(self, event: ApiEvent) -> None:
        log.log(logging.WARNING if isinstance(event, ApiWarning) else logging.INFO, "%s", event)
        if self._on_event is not None:
            self._on_event(event)


# --- input checks ---------------------------------------------------------------------------


def checked_ref(ref: str) -> str:
    if not isinstance(ref, str) or not re.fullmatch(PROJECT_REF_PATTERN, ref):
        raise InvalidInput(
            f"{ref!r} is not a Supabase project ref: a ref is 20 lowercase letters "
            f"(the part before .supabase.co in the project URL)."
        )
    return ref


def _tls_verification(base_url: str) -> ssl.SSLContext | bool:
    """httpx's default (the CA bundle) for https. The loopback sandbox speaks plain http: it gets a context
    that still verifies but trusts no CA at all (it would refuse any TLS peer), which spares loading the
    CA bundle, a tenth of a second of every sandbox command's start."""
    if httpx.URL(base_url).scheme == "http":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


def checked_base_url(value: str) -> str:
    """https only, except plain http to this machine (the sandbox); no credentials in the URL."""
    try:
        url = httpx.URL(value.strip())
    except httpx.InvalidURL as exc:
        raise InvalidInput(f"The Management API URL {value!r} is not a valid URL ({exc}).") from None
    local = url.host in ("127.0.0.1", "::1", "localhost")
    if url.scheme not in ("https", "http") or not url.host:
        raise InvalidInput(f"The Management API URL {value!r} must be an https:// URL (check SUPABASE_API_URL).")
    if url.scheme == "http" and not local:
        raise InvalidInput(
            f"The Management API URL {value!r} is plain http: the access token would travel unencrypted. Use "
            "https (plain http is allowed only for a local sandbox on 127.0.0.1 or localhost)."
        )
    if url.userinfo:
        raise InvalidInput("The Management API URL must not contain a user name or password.")
    return str(url).rstrip("/")


def _checked_create_input(
    name: str, region: str, instance_size: InstanceSize | str | None
) -> tuple[RegionSelection, InstanceSize | None]:
    if not name.strip() or len(name) > 256:
        raise InvalidInput(f"The project name must be 1 to 256 characters (got {len(name)}).")
    code = str(region).strip()
    if not code:
        raise InvalidInput("No region given: choose one of the regions Supabase lists for the organization.")
    kind = "smartGroup" if code in set(SmartGroup) else "specific"
    size = _enum(InstanceSize, instance_size, "instance size") if instance_size is not None else None
    return RegionSelection(type=kind, code=code), size


def _enum[E](enum: Callable[[str], E], value: object, what: str) -> E:
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(map(str, enum))  # type: ignore[call-overload]  # a StrEnum class is iterable
        raise InvalidInput(f"Unknown {what} {value!r}; use one of: {allowed}.") from None


def _rows(call: _Call, response: httpx.Response) -> list[dict[str, JsonValue]]:
    """The rows of a query's 201: a JSON array of objects. Anything else (empty, not JSON, not a list) is no
    rows: the spec gives this answer no schema, and DDL may answer with nothing."""
    try:
        data = json.loads(response.content) if response.content.strip() else []
    except ValueError:
        log.debug("%s answered 201 with a body that is not JSON: no rows", call.label)
        return []
    if not isinstance(data, list):
        log.debug("%s answered 201 with a JSON %s, not rows", call.label, type(data).__name__)
        return []
    return readable_items(_ROW, data, call.label)


def _still_starting(service: ServiceHealth) -> bool:
    """An UNHEALTHY answer that only means "not up yet", as the Terraform provider reads them: the pooler's
    `{"error":"not found"}` in the first seconds, and "Failed to retrieve project's X service health"."""
    error = _error_text(service.error or "")
    if service.name is ServiceName.POOLER and error.strip().lower() == "not found":
        return True
    return bool(_FAILED_TO_RETRIEVE.match(error.strip()))


def _error_text(error: str) -> str:
    """A service's error is often a JSON document in a string: its `error` (or `message`), else the text."""
    try:
        data = json.loads(error)
    except ValueError:
        return error
    if isinstance(data, dict):
        inner = data.get("error", data.get("message"))
        if isinstance(inner, str):
            return inner
    return error


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return (when - datetime.now(UTC)).total_seconds()
    if number > 1_000_000_000:  # an epoch timestamp rather than a duration
        return number - time.time()
    return number


def _brief(exc: ManagementApiError) -> str:
    if isinstance(exc, ApiConnectionError):
        return exc.why
    if exc.status is not None:
        return f"HTTP {exc.status}" + (f": {exc.api_message}" if exc.api_message else "")
    return str(exc)


_TERMINAL_ADVICE = {
    ProjectStatus.INIT_FAILED: "provisioning failed on Supabase's side. Delete the project in the dashboard and "
    "start the clone again; contact Supabase support if it happens twice.",
    ProjectStatus.REMOVED: "the project was deleted. Start a new clone.",
    ProjectStatus.GOING_DOWN: "the project is shutting down (being paused or deleted). Restore it in the dashboard "
    "if that was not intended, then run `musekit resume`.",
    ProjectStatus.INACTIVE: "the project is paused. Restore it in the dashboard, then run `musekit resume`.",
    ProjectStatus.RESTORE_FAILED: "restoring the project failed. Contact Supabase support, or delete it and "
    "start a new clone.",
    ProjectStatus.PAUSE_FAILED: "pausing the project failed. Contact Supabase support, or delete it and "
    "start a new clone.",
}


def _terminal_message(ref: str, status: str) -> str:
    advice = _TERMINAL_ADVICE.get(ProjectStatus(status), "it will not become healthy by waiting.")
    return f"Supabase reports project {ref} as {status}: {advice} Dashboard: {DASHBOARD}/project/{ref}."


def _unhealthy_message(ref: str, broken: dict[str, str]) -> str:
    said = "; ".join(f"{name}: {error}" for name, error in broken.items())
    return (
        f"Supabase reports project {ref} as ACTIVE_HEALTHY, but its {' and '.join(broken)} "
        f"{'service is' if len(broken) == 1 else 'services are'} UNHEALTHY ({said}). Check "
        f"{DASHBOARD}/project/{ref} and https://status.supabase.com; `musekit resume` checks again."
    )


def _timeout_message(ref: str, timeout_s: float, seen: _Observation) -> str:
    detail = f" ({seen.detail})" if seen.detail else ""
    return (
        f"Project {ref} is not healthy after {duration(timeout_s)}; last state: {seen.label}{detail}. "
        "Nothing is lost: Supabase keeps provisioning it. Run `musekit resume` to keep waiting and finish the "
        f"clone; if it stays unhealthy, check {DASHBOARD}/project/{ref} and https://status.supabase.com."
    )
