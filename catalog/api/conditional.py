"""Conditional GETs for the read API: a strong ETag over the JSON body on every 200, Last-Modified where the
answer has one instant it cannot be newer than (a record's ``updated_at``), and 304 Not Modified through
Django's own ``get_conditional_response`` (If-None-Match wins over If-Modified-Since, as RFC 9110 says).

Lists carry only the ETag: a record leaving the list does not make the newest ``updated_at`` newer, so a
Last-Modified on a list could answer 304 to a copy that is out of date.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import get_conditional_response
from django.utils.http import http_date


class ConditionalGetMixin:
    def last_modified(self):
        """The instant this answer changed last, or None (lists)."""
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        body = json.dumps(response.data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
        etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
        response["ETag"] = etag
        modified = self.last_modified()
        timestamp = int(modified.timestamp()) if modified else None
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
        response["Cache-Control"] = "no-cache"  # may be stored, but revalidated (cheaply: 304) every time
        conditional = get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)
        if conditional is not response:
            conditional["ETag"] = etag
            conditional["Cache-Control"] = "no-cache"
        return conditional
