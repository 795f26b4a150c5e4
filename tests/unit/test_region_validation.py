"""`--region` is checked against the regions Supabase offers the organization now
(GET /v1/projects/available-regions), never against a list in musekit; when that endpoint fails the
region is accepted and the create call's answer speaks. MockTransport scripts: the sandbox's own
regions are exercised in tests/e2e."""

from __future__ import annotations

import httpx
import pytest

from wizard.api import ApiWarning, ManagementAPI, TokenRejected
from wizard.clone import CloneInputError, CloneInputs
from wizard.clone.engine import _validate_remote

TOKEN = "sbp_" + "0123456789abcdef" * 2 + "01234567"
ORG = {"id": "acme-id", "slug": "acme", "name": "Acme"}
REGIONS = {
    "recommendations": {"smartGroup": {"name": "EMEA", "code": "emea", "type": "smartGroup"}, "specific": []},
    "all": {
        "smartGroup": [{"name": "EMEA", "code": "emea", "type": "smartGroup"}],
        "specific": [
            {"name": "Frankfurt", "code": "eu-central-1", "type": "specific", "provider": "AWS"},
            {"name": "Riyadh", "code": "me-central-2", "type": "specific", "provider": "AWS"},  # new to musekit
        ],
    },
}


def inputs(region: str) -> CloneInputs:
    return CloneInputs(muse="socioscheduler", name="my-muse", organization="acme", region=region, api_url="http://x")


async def validate(region: str, regions: httpx.Response) -> tuple[list[str], list[object]]:
    seen: list[str] = []
    events: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/v1/organizations":
            return httpx.Response(200, json=[ORG])
        if request.url.path == "/v1/projects/available-regions":
            assert request.url.params["organization_slug"] == "acme"
            return regions
        return httpx.Response(200, json=[])

    async def no_sleep(_seconds: float) -> None:
        return None

    async with ManagementAPI(
        TOKEN,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        on_event=events.append,
        sleep=no_sleep,
    ) as api:
        await _validate_remote(api, inputs(region))
    return seen, events


@pytest.mark.parametrize("region", ["eu-central-1", "me-central-2", "emea"])
async def test_a_region_the_api_offers_is_accepted_new_codes_included(region):
    seen, events = await validate(region, httpx.Response(200, json=REGIONS))
    assert seen == ["GET /v1/organizations", "GET /v1/projects/available-regions", "GET /v1/projects"]
    assert events == []


async def test_a_region_the_api_does_not_offer_is_refused_with_the_apis_list():
    with pytest.raises(CloneInputError) as err:
        await validate("us-east-1", httpx.Response(200, json=REGIONS))
    assert str(err.value).startswith("region 'us-east-1' is not a Supabase region for organization acme")
    assert "emea, eu-central-1, me-central-2" in str(err.value)


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500, json={"message": "boom"}), httpx.Response(404, json={"message": "Not Found"})],
)
async def test_when_the_regions_endpoint_fails_the_region_is_accepted_with_a_warning(failure):
    seen, events = await validate("mars-north-1", failure)
    assert seen[-1] == "GET /v1/projects"  # validation went on to the name check
    [warning] = [e for e in events if isinstance(e, ApiWarning)]  # (a 500 is retried first, as any read)
    assert "Could not list the regions of organization acme" in warning.text


async def test_a_rejected_token_is_not_mistaken_for_a_regions_outage():
    with pytest.raises(TokenRejected):
        await validate("eu-central-1", httpx.Response(401, json={"message": "Unauthorized"}))
