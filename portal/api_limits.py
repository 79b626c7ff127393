"""Bounds every API request body and page request must keep, applied for all endpoints through
REST_FRAMEWORK's defaults: a JSON body nested deeper than ``MAX_JSON_DEPTH`` and a ``limit`` or
``offset`` out of range answer 400 with a Chinese message instead of a server error. The JSON bounds
themselves are ``infra.json_limits`` (the websockets keep them too)."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from infra.json_limits import MAX_JSON_DEPTH, json_loads_bounded, parse_error

MAX_LIMIT = 1000
MAX_OFFSET = 10**9

__all__ = ["MAX_JSON_DEPTH", "JSONParser", "LimitOffsetPagination"]


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the nesting bound and Chinese errors (a deep body was a RecursionError 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read() if stream is not None else b""
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise parse_error(exc) from None
        return json_loads_bounded(text)


class LimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset pages with bounds: ``limit`` 1–1000, ``offset`` 0–10^9; anything else is a 400
    (a limit above 2^63-1 reached the database and answered 500)."""

    max_limit = MAX_LIMIT

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None or raw == "":
            return self.default_limit
        return self._bounded(raw, self.limit_query_param, 1, MAX_LIMIT)

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None or raw == "":
            return 0
        return self._bounded(raw, self.offset_query_param, 0, MAX_OFFSET)

    @staticmethod
    def _bounded(raw: str, name: str, low: int, high: int) -> int:
        try:
            value = int(raw.strip()) if len(raw) <= 20 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValidationError(
                {
                    name: [
                        _("%(name)s 必须是 %(low)d 到 %(high)d 之间的整数。") % {"name": name, "low": low, "high": high}
                    ]
                }
            )
        return value
