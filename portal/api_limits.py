"""Bounds every API request body and page request must keep, applied for all endpoints through
REST_FRAMEWORK's defaults: a JSON body nested deeper than ``MAX_JSON_DEPTH`` and a ``limit`` or
``offset`` out of range answer 400 with a Chinese message instead of a server error."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_JSON_DEPTH = 64
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


def too_deep_error() -> ParseError:
    return ParseError(_("JSON 嵌套层数过多（最多 %(depth)d 层）。") % {"depth": MAX_JSON_DEPTH})


def parse_error(exc: Exception) -> ParseError:
    return ParseError(_("请求体不是有效的 JSON：%(error)s") % {"error": exc})


def json_depth_check(body: bytes, data) -> None:
    """Raise ParseError when ``data`` (parsed from ``body``) nests deeper than MAX_JSON_DEPTH. A body with
    fewer brackets than the limit cannot be that deep, so ordinary requests skip the walk."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise too_deep_error()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


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


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def json_loads_bounded(text: str | bytes):
    """``json.loads`` with the same nesting bound as the API (raises ParseError with a Chinese message)."""
    body = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise too_deep_error() from None
    except ValueError as exc:
        raise parse_error(exc) from None
    json_depth_check(body, data)
    return data


class BoundedJsonWebsocketMixin:
    """For channels' ``AsyncJsonWebsocketConsumer``: a message that is not JSON, or nests too deep, gets an
    error message back instead of an exception that ends the consumer."""

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json_loads_bounded(text_data or "")
        except ParseError as error:
            await self.send_json({"type": "error", "errors": {"__all__": [str(error.detail)]}})
            return
        await self.receive_json(content, **kwargs)
