"""Async client of the Supabase Management API v1 (https://api.supabase.com, or SUPABASE_API_URL).

Reads are retried on 5xx and network errors with bounded, jittered backoff; writes never are once
they may have reached the server. A create whose outcome is unknown is settled by looking the
project up by name, so one clone never makes two projects. 429 answers are waited out as the API
asks, a bounded number of times. Everything worth telling the user goes through one callback
(see wizard.api.events). The access token never appears in reprs, logs or exception texts."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from wizard import __version__, settings
from wizard.api.database_url import DatabaseConnection, connection_from_pooler
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
    TokenRejected,
    UnexpectedResponse,
)
from wizard.api.events import ApiEvent, ApiWarning, EventCallback, HealthChanged, RateLimited, Retrying
from wizard.api.models import (
    PROJECT_REF_PATTERN,
    TERMINAL_PROJECT_STATUSES,
    ApiKey,
    Continent,
    CreateProjectBody,
    DeletedProject,
    InstanceSize,
    Organization,
    PoolerConfig,
    Project,
    ProjectStatus,
    ProjectWithDatabase,
    Region,
    RegionSelection,
    RegionsInfo,
    RunQueryBody,
    ServiceHealth,
    ServiceName,
    SmartGroup,
)
from wizard.api.token import check_access_token, normalize_access_token

DEFAULT_HEALTH_SERVICES: tuple[ServiceName, ...] = (ServiceName.DB, ServiceName.POOLER)
DEFAULT_HEALTH_TIMEOUT_S = 600.0
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

_ORGANIZATIONS = TypeAdapter(list[Organization])
_PROJECTS = TypeAdapter(list[ProjectWithDatabase])
_PROJECT = TypeAdapter(ProjectWithDatabase)
_CREATED = TypeAdapter(Project)
_DELETED = TypeAdapter(DeletedProject)
_HEALTH = TypeAdapter(list[ServiceHealth])
_KEYS = TypeAdapter(list[ApiKey])
_POOLER = TypeAdapter(list[PoolerConfig])
_REGIONS = TypeAdapter(RegionsInfo)
_ROWS = TypeAdapter(list[dict[str, Any]])


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # for reads failing with 5xx or network errors
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    rate_limit_retries: int = 3
    max_rate_limit_wait_s: float = 60.0  # the API's window is one minute

    def backoff_s(self, failures: int, jitter: float) -> float:
        """Exponential, capped, with "equal jitter": half fixed, half random (jitter in [0, 1))."""
        delay: float = min(self.max_delay_s, self.base_delay_s * 2.0 ** (failures - 1))
        return delay * (0.5 + 0.5 * jitter)


def health_intervals(first_s: float = 1.0, step_s: float = 1.0, cap_s: float = 5.0) -> Iterator[float]:
    """Seconds between health polls: 1, 2, 3, 4, 5, 5, ... Polls land at 0, 1, 3, 6, 10, 15 s, so a
    project that takes 10 s is seen on the 5th poll."""
    interval = first_s
    while True:
        yield interval
        interval = min(cap_s, interval + step_s)


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    what: str  # completes "could not ...": "list projects"
    expect: int = 200
    params: dict[str, Any] | None = None
    body: dict[str, Any] | None = field(default=None, repr=False)
    retry_after_sent: bool = True  # may it be repeated once it may have reached the server?
    max_attempts: int | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    bad_request: type[BadRequest] = BadRequest
    about_project: bool = True  # False for collection endpoints, where a 404 means a wrong base URL

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class _HealthObservation:
    label: str
    detail: str
    healthy: bool
    services: list[ServiceHealth]
    project_status: ProjectStatus | None


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
        # TLS verification is httpx's default and deliberately not configurable here
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
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
        call = _Call("GET", "/v1/organizations", "list your organizations", about_project=False)
        return self._parse(call, await self._send(call), _ORGANIZATIONS)

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
        call = _Call("GET", "/v1/projects", "list your projects", about_project=False)
        return self._parse(call, await self._send(call), _PROJECTS)

    async def get_project(self, ref: str) -> ProjectWithDatabase:
        call = _Call("GET", f"/v1/projects/{checked_ref(ref)}", f"read project {ref}")
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
        region: Region | SmartGroup | str,
        instance_size: InstanceSize | str | None = None,
    ) -> Project:
        """Create a project (201, status UNKNOWN/COMING_UP); `organization` is a slug or id. Never repeated
        blindly: when the outcome is unknown, the project is looked up by name first and returned if found."""
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
            "POST",
            "/v1/projects",
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
        call = _Call("DELETE", f"/v1/projects/{ref}", f"delete project {ref}", retry_after_sent=False)
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
        call = _Call(
            "GET", "/v1/projects/available-regions", f"list regions for organization {organization_slug}", params=params
        )
        return self._parse(call, await self._send(call), _REGIONS)

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
        """Poll health (1, 2, 3, 4, 5, 5... s apart) until every service is ACTIVE_HEALTHY. Reports each change
        as HealthChanged; fails fast on terminal project states; HealthTimeout after `timeout_s`."""
        ref = checked_ref(ref)
        wanted = [_enum(ServiceName, s, "service") for s in services]
        if not wanted:
            raise InvalidInput("Name at least one service to wait for (e.g. db, pooler).")
        deadline = self._clock() + timeout_s
        intervals = health_intervals()
        last: _HealthObservation | None = None
        while True:
            started = self._clock()
            seen = await self._observe_health(ref, wanted)
            if last is None or seen.label != last.label:
                self._emit(HealthChanged(ref, last.label if last else None, seen.label, seen.detail))
            last = seen
            if seen.healthy:
                return seen.services
            if seen.project_status in TERMINAL_PROJECT_STATUSES:
                raise ProjectFailed(_terminal_message(ref, seen), str(seen.project_status))
            now = self._clock()
            if now >= deadline:
                raise HealthTimeout(_timeout_message(ref, timeout_s, seen), seen.label)
            await self._sleep(max(0.0, min(started + next(intervals), deadline) - now))

    async def api_keys(self, ref: str, *, reveal: bool = False) -> list[ApiKey]:
        """Without `reveal`, secret keys come back masked (see ApiKey.is_masked)."""
        call = _Call(
            "GET",
            f"/v1/projects/{checked_ref(ref)}/api-keys",
            f"read the API keys of project {ref}",
            params={"reveal": "true"} if reveal else None,
        )
        return self._parse(call, await self._send(call), _KEYS)

    async def pooler_config(self, ref: str) -> list[PoolerConfig]:
        call = _Call(
            "GET",
            f"/v1/projects/{checked_ref(ref)}/config/database/pooler",
            f"read the database pooler settings of project {ref}",
        )
        return self._parse(call, await self._send(call), _POOLER)

    async def database_connection(self, ref: str) -> DatabaseConnection:
        """Session-mode (migrations) and transaction-mode URLs of the PRIMARY database, without password."""
        return connection_from_pooler(await self.pooler_config(ref))

    async def run_query(
        self, ref: str, sql: str, *, read_only: bool = True, parameters: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        """POST /database/query ([Beta]); rows as dicts. A read-only query is safe to repeat, so it is retried
        like a read; a writing one never is. SQL errors raise QueryFailed with Postgres's message."""
        if not sql.strip():
            raise InvalidInput("The SQL query is empty.")
        body = RunQueryBody(query=sql, read_only=read_only, parameters=parameters)
        call = _Call(
            "POST",
            f"/v1/projects/{checked_ref(ref)}/database/query",
            f"run a query on project {ref}",
            expect=201,
            body=body.payload(),
            retry_after_sent=read_only,
            bad_request=QueryFailed,
        )
        return self._parse(call, await self._send(call), _ROWS)

    # --- internals: health -------------------------------------------------------------------

    async def _get_health(
        self, ref: str, services: Iterable[ServiceName | str], *, max_attempts: int | None
    ) -> list[ServiceHealth]:
        names = [str(_enum(ServiceName, s, "service")) for s in services]
        call = _Call(
            "GET",
            f"/v1/projects/{ref}/health",
            f"read the health of project {ref}",
            params={"services": names},
            max_attempts=max_attempts,
        )
        return self._parse(call, await self._send(call), _HEALTH)

    async def _observe_health(self, ref: str, wanted: list[ServiceName]) -> _HealthObservation:
        # one try per poll: the polling loop is the retry, so errors while provisioning cost one request
        problems: list[str] = []
        services: list[ServiceHealth] = []
        try:
            services = await self._get_health(ref, wanted, max_attempts=1)
        except (BadRequest, ServerError, ApiConnectionError, UnexpectedResponse) as exc:
            problems.append(f"health: {_brief(exc)}")
        by_name = {s.name: s for s in services}
        problems += [f"{s.name}: {s.error}" for s in services if s.error]
        summary = ", ".join(f"{n} {by_name[n].status}" if n in by_name else f"{n} missing" for n in wanted)
        if services and all(n in by_name and by_name[n].is_healthy for n in wanted):
            return _HealthObservation(summary, "; ".join(problems), True, services, None)
        status: ProjectStatus | None = None
        try:
            status = (await self._project_once(ref)).status
        except (BadRequest, ServerError, ApiConnectionError, UnexpectedResponse) as exc:
            problems.append(f"project: {_brief(exc)}")
        label = f"project {status or 'status unknown'}; {summary}"
        return _HealthObservation(label, "; ".join(problems), False, services, status)

    async def _project_once(self, ref: str) -> ProjectWithDatabase:
        call = _Call("GET", f"/v1/projects/{ref}", f"read project {ref}", max_attempts=1)
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
            request = self._http.build_request(call.method, call.path, params=call.params, json=call.body)
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
            return PermissionDenied(call.label, message, call.what)
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

    def _parse(self, call: _Call, response: httpx.Response, adapter: TypeAdapter[T]) -> T:
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type:
            raise UnexpectedResponse(
                f"Supabase answered {call.label} with {content_type or 'no content type'} instead of JSON; musekit "
                "cannot use that answer. If SUPABASE_API_URL points at a proxy or an emulator, check it.",
                status=response.status_code,
                request=call.label,
            )
        try:
            return adapter.validate_json(response.content)
        except ValidationError as exc:
            # `from None`: pydantic's own text quotes the input, which may hold API keys
            raise UnexpectedResponse(
                f"Supabase's answer to {call.label} is not what musekit expects ({_summarize(exc)}). The API may have "
                "changed: update musekit, and report it if the problem stays.",
                status=response.status_code,
                request=call.label,
            ) from None

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
    name: str, region: Region | SmartGroup | str, instance_size: InstanceSize | str | None
) -> tuple[RegionSelection, InstanceSize | None]:
    if not name.strip() or len(name) > 256:
        raise InvalidInput(f"The project name must be 1 to 256 characters (got {len(name)}).")
    code = str(region).strip()
    if code in set(Region):
        selection = RegionSelection(type="specific", code=code)
    elif code in set(SmartGroup):
        selection = RegionSelection(type="smartGroup", code=code)
    else:
        raise InvalidInput(
            f"Unknown region {code!r}. Use one of: {', '.join(Region)}; or a smart group: {', '.join(SmartGroup)}."
        )
    size = _enum(InstanceSize, instance_size, "instance size") if instance_size is not None else None
    return selection, size


E = TypeVar("E")


def _enum[E](enum: Callable[[str], E], value: object, what: str) -> E:
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(map(str, enum))  # type: ignore[call-overload]
        raise InvalidInput(f"Unknown {what} {value!r}; use one of: {allowed}.") from None


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


def _summarize(exc: ValidationError) -> str:
    parts = [
        f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)[:3]
    ]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


_TERMINAL_ADVICE = {
    ProjectStatus.INIT_FAILED: "provisioning failed on Supabase's side. Delete the project in the dashboard and "
    "start the clone again; contact Supabase support if it happens twice.",
    ProjectStatus.REMOVED: "the project was deleted. Start a new clone.",
    ProjectStatus.GOING_DOWN: "the project is shutting down (being paused or deleted). Restore it in the dashboard "
    "if that was not intended, then run `musekit resume`.",
    ProjectStatus.PAUSING: "the project is being paused. Restore it in the dashboard, then run `musekit resume`.",
    ProjectStatus.INACTIVE: "the project is paused. Restore it in the dashboard, then run `musekit resume`.",
    ProjectStatus.RESTORE_FAILED: "restoring the project failed. Contact Supabase support, or delete it and "
    "start a new clone.",
    ProjectStatus.PAUSE_FAILED: "pausing the project failed. Contact Supabase support, or delete it and "
    "start a new clone.",
}


def _terminal_message(ref: str, seen: _HealthObservation) -> str:
    status = seen.project_status
    advice = _TERMINAL_ADVICE.get(status, "it will not become healthy by waiting.") if status else ""
    detail = f" Last report: {seen.detail}." if seen.detail else ""
    return f"Supabase reports project {ref} as {status}: {advice} Dashboard: {DASHBOARD}/project/{ref}.{detail}"


def _timeout_message(ref: str, timeout_s: float, seen: _HealthObservation) -> str:
    detail = f" ({seen.detail})" if seen.detail else ""
    waited = f"{timeout_s / 60:g} min" if timeout_s >= 60 else f"{timeout_s:g} s"
    return (
        f"Project {ref} is not healthy after {waited}; last state: {seen.label}{detail}. "
        "Nothing is lost: Supabase keeps provisioning it. Run `musekit resume` to keep waiting and finish the "
        f"clone; if it stays unhealthy, check {DASHBOARD}/project/{ref} and https://status.supabase.com."
    )
