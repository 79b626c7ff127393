"""Correctness checks of a page-cache configuration in `make bench-pages`, run against the same server
(or proxy) the load ran against, after the load:

- **CSRF**: two first-time visitors (no cookies) open the home page; each must get its own CSRF
  cookie, and posting the page's language-switch form with the cookie and token it got must succeed
  (302, not 403). A cache that hands every visitor the same secret, or a token that does not match
  the cookie, fails.
- **CSP nonce**: every inline ``nonce="…"`` of the page equals the nonce of its
  Content-Security-Policy header, and two responses do not share a nonce (a replayed nonce is no
  protection).
- **Freshness**: another process changes the price of the bench's resource and of the first one
  listed on the catalogue page with the provider API's service
  (``record_update_status``); both the resource page and the catalogue listing, for a first-time and
  for a returning visitor (with the CSRF cookie), must show the new price within ``--fresh-within``
  seconds.
"""

import http.client
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
LANGUAGE_FORM = re.compile(rb'<form class="language-switch" action="([^"]+)"')
BODY_NONCE = re.compile(rb'\bnonce="([^"]*)"')
HEADER_NONCE = re.compile(r"'nonce-([^']+)'")
LISTED_RESOURCE = re.compile(rb'data-live-record="resource:(\d+)"')
CHANGE_SCRIPT = """
import django, sys
django.setup()
from decimal import Decimal
from catalog.models import ComputeResource
from catalog.services import record_update_status
for pk in sys.argv[2:]:
    record_update_status(record=ComputeResource(pk=int(pk)), changes={"price_yuan": Decimal(sys.argv[1])})
"""


def request(port: int, method: str, path: str, *, cookie: str = "", body: str = "") -> tuple[int, list, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept-Language": "zh-CN", "Host": f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def _csrf_cookie(headers: list) -> str | None:
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def check_csrf(port: int, path: str = "/") -> tuple[bool, str, str]:
    """(passed, what was seen, a CSRF cookie a returning visitor would send)."""
    secrets = []
    for _ in range(2):
        status, headers, body = request(port, "GET", path)
        secret = _csrf_cookie(headers)
        token = TOKEN_FIELD.search(body)
        action = LANGUAGE_FORM.search(body)
        if status != 200 or not secret or not token or not action:
            return False, f"first visit: status {status}, cookie {bool(secret)}, token {bool(token)}", ""
        form = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "language": "en", "next": "/"})
        posted, _, _ = request(port, "POST", action.group(1).decode(), cookie=f"csrftoken={secret}", body=form)
        if posted != 302:
            return False, f"language form with its own cookie+token: {posted}", ""
        secrets.append(secret)
    if secrets[0] == secrets[1]:
        return False, "two first-time visitors got the same CSRF secret", ""
    return True, "form posts (302), a secret per visitor", f"csrftoken={secrets[0]}"


def check_nonce(port: int, paths: tuple[str, ...]) -> tuple[bool, str]:
    """Each page twice: inline nonces (the resource page has one) equal the header's, never replayed."""
    inline_seen = 0
    for path in paths:
        seen = []
        for _ in range(2):
            status, headers, body = request(port, "GET", path)
            policy = next((value for name, value in headers if name.lower() == "content-security-policy"), "")
            header = HEADER_NONCE.search(policy)
            inline = {match.decode() for match in BODY_NONCE.findall(body)}
            if status != 200 or not header:
                return False, f"{path}: status {status}, header nonce {bool(header)}"
            if inline and inline != {header.group(1)}:
                return False, f"{path}: inline nonces differ from the header's"
            inline_seen += bool(inline)
            seen.append(header.group(1))
        if seen[0] == seen[1]:
            return False, f"{path}: two responses share one nonce (replayed)"
    return True, f"header = inline ({inline_seen} responses with inline nonces), fresh per response"


def cache_hits(port: int, path: str = "/") -> str:
    """Whether a repeated first visit was answered by the cache (what each cache says in its headers)."""
    request(port, "GET", path)
    _, headers, _ = request(port, "GET", path)
    found = {name.lower(): value for name, value in headers}
    if "x-portal-cache" in found:
        return f"X-Portal-Cache: {found['x-portal-cache']}"
    if "x-proxy-cache" in found:
        return f"X-Proxy-Cache: {found['x-proxy-cache']}"
    if "max-age" in found.get("cache-control", ""):
        return "stored (Cache-Control: max-age set by UpdateCacheMiddleware)"
    return "not from a cache (no hit header, no max-age)"


def price_change(env: dict, resource_ids: list[int], price: str) -> float:
    """Change prices from another process (as a provider API worker would); the commit's time."""
    ids = [str(pk) for pk in resource_ids]
    subprocess.run([sys.executable, "-c", CHANGE_SCRIPT, price, *ids], env=env, check=True, cwd=ROOT)
    return time.monotonic()


def check_fresh(port: int, pages: dict, *, env: dict, resource_id: int, price: str, cookie: str, within: float):
    """(passed, seconds until every page/visitor showed the new price, or what was still stale)."""
    digits, cents = price.split(".")
    shown = re.compile(rb"%s,?%s\.%s\b" % (digits[:-3].encode(), digits[-3:].encode(), cents.encode()))
    targets = [(path, visitor) for path in (pages["resource"], pages["catalogue"]) for visitor in ("", cookie)]
    for path, visitor in targets:  # every page is in the cache (when there is one) before the change
        if shown.search(request(port, "GET", path, cookie=visitor)[2]):
            return False, f"{path} shows the new price before the change (pick another price)"
    listed = LISTED_RESOURCE.search(request(port, "GET", pages["catalogue"])[2])
    if listed is None:
        return False, "no resource on the catalogue listing"
    committed = price_change(env, [resource_id, int(listed.group(1))], price)
    pending = set(targets)
    while pending and time.monotonic() - committed < within:
        for target in sorted(pending):
            if shown.search(request(port, "GET", target[0], cookie=target[1])[2]):
                pending.discard(target)
        time.sleep(0.05)
    if pending:
        stale = ", ".join(
            f"{path} ({'returning' if visitor else 'first'} visitor)" for path, visitor in sorted(pending)
        )
        return False, f"still the old price after {within:.0f} s: {stale}"
    return True, f"new price shown after {time.monotonic() - committed:.2f} s"
