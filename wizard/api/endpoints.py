"""The Management API endpoints musekit calls, with what a token needs for each (stdlib only).

`permissions` are the fine-grained token permissions the OpenAPI document lists for the operation
(its `security` entries `fga_permissions`; several entries mean any one of them will do);
`oauth_scope` is its `x-oauth-scope`. tests/unit/test_api_contract.py checks this table against
the document, so a 403 can name what the token lacks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the OpenAPI path template, e.g. "/v1/projects/{ref}"
    operation_id: str
    permissions: tuple[str, ...] = ()
    oauth_scope: str | None = None

    def at(self, ref: str | None = None) -> str:
        return self.path if ref is None else self.path.format(ref=ref)


LIST_ORGANIZATIONS = Endpoint(
    "GET", "/v1/organizations", "v1-list-all-organizations", ("organizations_read",), "organizations:read"
)
LIST_PROJECTS = Endpoint("GET", "/v1/projects", "v1-list-all-projects", ("projects_read",), "projects:read")
CREATE_PROJECT = Endpoint(
    "POST", "/v1/projects", "v1-create-a-project", ("organization_projects_create",), "projects:write"
)
GET_PROJECT = Endpoint("GET", "/v1/projects/{ref}", "v1-get-project", ("project_admin_read",), "projects:read")
DELETE_PROJECT = Endpoint(
    "DELETE", "/v1/projects/{ref}", "v1-delete-a-project", ("project_admin_write",), "projects:write"
)
AVAILABLE_REGIONS = Endpoint(
    "GET", "/v1/projects/available-regions", "v1-get-available-regions", (), "organizations:read"
)
SERVICES_HEALTH = Endpoint(
    "GET", "/v1/projects/{ref}/health", "v1-get-services-health", ("project_admin_read",), "projects:read"
)
API_KEYS = Endpoint(
    "GET", "/v1/projects/{ref}/api-keys", "v1-get-project-api-keys", ("api_gateway_keys_read",), "secrets:read"
)
POOLER_CONFIG = Endpoint(
    "GET",
    "/v1/projects/{ref}/config/database/pooler",
    "v1-get-pooler-config",
    ("database_pooling_config_read",),
    "database:read",
)
RUN_QUERY = Endpoint(
    "POST",
    "/v1/projects/{ref}/database/query",
    "v1-run-a-query",
    ("database_write", "database_read"),
    "database:write",
)
CREATE_LOGIN_ROLE = Endpoint(
    "POST", "/v1/projects/{ref}/cli/login-role", "v1-create-login-role", ("database_write",), "database:write"
)
DELETE_LOGIN_ROLES = Endpoint(
    "DELETE", "/v1/projects/{ref}/cli/login-role", "v1-delete-login-roles", ("database_write",), "database:write"
)
UPDATE_DATABASE_PASSWORD = Endpoint(
    "PATCH",
    "/v1/projects/{ref}/database/password",
    "v1-update-database-password",
    ("database_config_write",),
    "database:write",
)
SECURITY_ADVISORS = Endpoint(
    "GET", "/v1/projects/{ref}/advisors/security", "v1-get-security-advisors", ("advisors_read",), "database:read"
)
PERFORMANCE_ADVISORS = Endpoint(
    "GET",
    "/v1/projects/{ref}/advisors/performance",
    "v1-get-performance-advisors",
    ("advisors_read",),
    "database:read",
)

ENDPOINTS: tuple[Endpoint, ...] = (
    LIST_ORGANIZATIONS,
    LIST_PROJECTS,
    CREATE_PROJECT,
    GET_PROJECT,
    DELETE_PROJECT,
    AVAILABLE_REGIONS,
    SERVICES_HEALTH,
    API_KEYS,
    POOLER_CONFIG,
    RUN_QUERY,
    CREATE_LOGIN_ROLE,
    DELETE_LOGIN_ROLES,
    UPDATE_DATABASE_PASSWORD,
    SECURITY_ADVISORS,
    PERFORMANCE_ADVISORS,
)
