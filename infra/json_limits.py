"""Bounds on JSON input shared by the HTTP API and the websockets: a JSON text nested deeper than
``MAX_JSON_DEPTH`` is refused with a Chinese message (ParseError) instead of a RecursionError."""

import json

import orjson
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64


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


class FastJSONParser(JSONParser):
    """``application/json`` parsed with orjson, same depth bound (the hot batch endpoints: provider metrics,
    5,000 samples a batch; the catalogue sync between nodes, up to 2,000 records a batch)."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "recursion" in str(exc) or "depth" in str(exc):
                raise too_deep_error() from None
            raise parse_error(exc) from None
        json_depth_check(body, data)
        return data
