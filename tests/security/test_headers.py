"""Content-Security-Policy with nonces and the other security headers; third-party screens keep working."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/en/", "/accounts/login/", "/en/accounts/login/"])
def test_public_pages_carry_a_strict_policy_with_a_fresh_nonce(client, path):
    first, second = client.get(path), client.get(path)
    assert first.status_code == 200
    policy = directives(first)
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert nonces != [s for s in directives(second)["script-src"] if s.startswith("'nonce-")]


def test_other_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_api_responses_carry_the_headers_too(client):
    response = client.get("/api/v1/divisions/?level=province")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_screens_answer_under_their_policy(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    cms = client.get("/cms/")
    assert cms.status_code == 200
    assert "'unsafe-inline'" in directives(cms)["script-src"]
    admin = client.get("/django-admin/")
    assert admin.status_code == 200
    policy = directives(admin)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert client.get("/django-admin/security/securityevent/").status_code == 200
    assert client.get("/django-admin/security/riskassessment/add/").status_code == 200


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_allow_exactly_their_own_inline_blocks(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    html = response.content
    checked = ((b"script", "script-src"), (b"style", "style-src"))
    if path == "/api/redoc/":  # ReDoc injects style elements at run time
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        checked = checked[:1]
    for tag, key in checked:
        for attrs, body in re.findall(rb"<%s(\s[^>]*)?>(.*?)</%s>" % (tag, tag), html, re.DOTALL):
            if b"src=" in (attrs or b"") or not body.strip():
                continue
            digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
            assert f"'sha256-{digest}'" in policy[key]


@pytest.mark.django_db(False)
def test_project_templates_have_no_inline_scripts_styles_or_handlers():
    offenders = []
    for template in Path(settings.BASE_DIR, "frontend", "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text, re.IGNORECASE):
            if "src=" not in match.group(1) and "application/json" not in match.group(1):
                offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text, re.IGNORECASE):
            offenders.append(f"{template}: inline <style>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text, re.IGNORECASE):
            offenders.append(f"{template}: inline event handler")
        if re.search(r"\sstyle\s*=\s*[\"']", text, re.IGNORECASE):
            offenders.append(f"{template}: style attribute")
        if "javascript:" in text.lower():
            offenders.append(f"{template}: javascript: URL")
    assert offenders == []
