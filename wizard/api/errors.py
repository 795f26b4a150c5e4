"""Typed failures of the Management API client (stdlib only). Each message says what happened and
what to do; none contains the access token or a database password."""

from __future__ import annotations

from wizard.api.token import TOKENS_PAGE
from wizard.errors import ExitCode, MusekitError


class ManagementApiError(MusekitError):
    """Base class. `status` is the HTTP status when there was a response; `request` is e.g. "GET /v1/projects";
    `api_message` is the API's own `message`, verbatim, when it gave one."""

    def __init__(
        self, message: str, *, status: int | None = None, request: str | None = None, api_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request = request
        self.api_message = api_message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, request={self.request!r})"


class InvalidAccessToken(ManagementApiError, ValueError):
    exit_code = ExitCode.USAGE

    """The value is not a personal access token; nothing was sent."""


class InvalidInput(ManagementApiError, ValueError):
    exit_code = ExitCode.USAGE

    """A bad argument (project ref, name, region, base URL); nothing was sent."""


class TokenRejected(ManagementApiError):
    """401: Supabase did not accept the token."""

    def __init__(self, request: str, api_message: str | None) -> None:
        super().__init__(
            f"Supabase rejected the access token ({_said(401, api_message)}) on {request}. It may be expired, "
            f"revoked or mistyped: create a new one at {TOKENS_PAGE} and try again.",
            status=401,
            request=request,
            api_message=api_message,
        )


class PermissionDenied(ManagementApiError):
    """403: the token may not do this. `permission` is the fine-grained token permission the endpoint needs
    (from the OpenAPI document), `oauth_scope` the OAuth scope; None when the document names none."""

    def __init__(
        self,
        request: str,
        api_message: str | None,
        what: str,
        *,
        permission: str | None = None,
        oauth_scope: str | None = None,
    ) -> None:
        needs = ""
        if permission:
            scope = f" (for an OAuth app: the scope `{oauth_scope}`)" if oauth_scope else ""
            needs = f"a token with fine-grained permissions needs `{permission}`{scope}; "
        super().__init__(
            f"Supabase refused to {what} ({_said(403, api_message)}). The access token lacks the right for it: "
            f"{needs}a personal token's account must be a member of the organization with the Owner or "
            f"Administrator role. Use a token that has it (create one at {TOKENS_PAGE}), then try again.",
            status=403,
            request=request,
            api_message=api_message,
        )
        self.permission = permission
        self.oauth_scope = oauth_scope


class NotFound(ManagementApiError):
    """404."""

    def __init__(self, request: str, api_message: str | None, what: str, hint: str | None = None) -> None:
        hint = hint or (
            "Check the project ref or organization, and that the token belongs to an account that can see it."
        )
        super().__init__(
            f"Could not {what}: Supabase says it does not exist ({_said(404, api_message)}). {hint}",
            status=404,
            request=request,
            api_message=api_message,
        )


class BadRequest(ManagementApiError):
    """400: the API's message, verbatim."""

    def __init__(self, request: str, api_message: str, what: str) -> None:
        super().__init__(
            f"Supabase refused to {what}: {api_message}", status=400, request=request, api_message=api_message
        )


class QueryFailed(BadRequest):
    """400 from `database/query`: the SQL failed; the message is Postgres's, verbatim."""


class RateLimitExceeded(ManagementApiError):
    """429 again after the bounded retries."""

    def __init__(self, request: str, retries: int, wait_s: float) -> None:
        super().__init__(
            f"Supabase kept rate-limiting {request} after {retries} retries (it allows about 120 requests a "
            f"minute per account and endpoint). Wait about {wait_s:.0f} s, then try again; an interrupted clone "
            "continues with `musekit resume`.",
            status=429,
            request=request,
        )
        self.wait_s = wait_s


class ServerError(ManagementApiError):
    """5xx (after the bounded retries for reads; at once for writes)."""

    def __init__(self, request: str, status: int, api_message: str | None, attempts: int) -> None:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"Supabase's API failed on {request}{tries} ({_said(status, api_message)}). This is on Supabase's "
            "side: check https://status.supabase.com and try again in a few minutes.",
            status=status,
            request=request,
            api_message=api_message,
        )


class ApiConnectionError(ManagementApiError):
    """No usable answer: DNS, connection, TLS, timeout. `request_sent` is False when the request surely never
    reached the server, True when it may have."""

    def __init__(self, request: str, why: str, *, request_sent: bool, attempts: int, base_url: str) -> None:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"Could not reach the Supabase Management API at {base_url} for {request}{tries}: {why}. Check the "
            "network connection (and SUPABASE_API_URL if you set it), then try again.",
            request=request,
        )
        self.why = why
        self.request_sent = request_sent


class UnexpectedResponse(ManagementApiError):
    """A response musekit cannot use (wrong status, not JSON, missing or invalid fields)."""


class PrimaryDatabaseNotFound(UnexpectedResponse):
    pass


class OrganizationNotFound(ManagementApiError):
    pass


class DuplicateProjectName(ManagementApiError):
    """More than one live project with this name in the organization: musekit will not guess."""


class ProjectCreationUncertain(ManagementApiError):
    """The create request may or may not have created the project, and the lookup by name did not settle it."""


class ProjectFailed(ManagementApiError):
    """The project reached a state from which it will not become healthy by waiting."""

    def __init__(self, message: str, project_status: str) -> None:
        super().__init__(message)
        self.project_status = project_status


class ServicesUnhealthy(ManagementApiError):
    """The project is ACTIVE_HEALTHY but a service it needs reports UNHEALTHY with a real error (not one of the
    "still coming up" answers): as the Terraform provider does, musekit stops instead of waiting it out."""

    def __init__(self, message: str, services: dict[str, str]) -> None:
        super().__init__(message)
        self.services = services  # name -> the error the API gave


class HealthTimeout(ManagementApiError):
    def __init__(self, message: str, last_state: str) -> None:
        super().__init__(message)
        self.last_state = last_state


def _said(status: int, api_message: str | None) -> str:
    return f"HTTP {status}: {api_message}" if api_message else f"HTTP {status}"
