"""The providers' quick start of the standard interface: push your status in five steps, with curl."""

import json

from django.conf import settings
from django.shortcuts import render

from infra.cacheable import cache_for_anonymous

from ..api.provider import RESOURCE_EXAMPLE

EXTERNAL_ID = "cd-a100-01"  # the provider's own number for the record, chosen by the provider
STATUS_EXAMPLE = {"available_units": 40, "price_yuan": "11.50", "state": "online"}


@cache_for_anonymous(depends_on=())
def api_quickstart(request):
    """Static text with the node's real address and the real endpoints (the same examples as /api/docs/)."""
    base = settings.NODE_PUBLIC_URL
    return render(
        request,
        "catalog/api_quickstart.html",
        {
            "base": base,
            "external_id": EXTERNAL_ID,
            "resource_json": json.dumps(RESOURCE_EXAMPLE, ensure_ascii=False, indent=2),
            "status_json": json.dumps(STATUS_EXAMPLE, ensure_ascii=False),
        },
    )
