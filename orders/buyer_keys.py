"""Buyer organisations' API keys (``Authorization: Buyer-Key cnb_<prefix>_<secret>``): random, shown once,
stored as a SHA-256 digest, like the providers' keys (catalog/services/api_keys.py). A key acts as its
creator on the organisation's purchases only (orders, access, usage, statements); it dies when revoked or
when its creator is deactivated or leaves the organisation."""

import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import BuyerApiKey

KEY_PREFIX = "cnb"
KEYWORD = "Buyer-Key"


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def buyer_key_create(*, actor, name: str) -> tuple[BuyerApiKey, str]:
    """A key of the actor's organisation; the raw key is returned once and never stored."""
    if not (actor.is_authenticated and actor.organization_id):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写用途说明。")})
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = BuyerApiKey.objects.create(
        organization_id=actor.organization_id,
        name=name[:64],
        prefix=prefix,
        key_hash=_digest(raw_key),
        created_by=actor,
    )
    return key, raw_key


def buyer_key_revoke(*, actor, pk: int) -> BuyerApiKey:
    key = BuyerApiKey.objects.filter(pk=pk, organization_id=actor.organization_id).first()
    if key is None or not actor.organization_id:
        raise PermissionDenied
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def buyer_key_authenticate(*, raw_key: str) -> BuyerApiKey | None:
    parts = raw_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = (
        BuyerApiKey.objects.select_related("created_by")
        .filter(
            prefix=parts[1],
            revoked_at__isnull=True,
            created_by__is_active=True,
            created_by__organization_id=F("organization_id"),
        )
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _digest(raw_key.strip())):
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        BuyerApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


class BuyerApiKeyAuthentication(authentication.BaseAuthentication):
    """``request.auth`` is the BuyerApiKey; ``request.user`` its creator."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(gettext_lazy("Authorization 头格式应为：Buyer-Key <密钥>。"))
        key = buyer_key_authenticate(raw_key=header[1])
        if key is None:
            raise exceptions.AuthenticationFailed(gettext_lazy("需求方 API 密钥无效、已吊销或创建人已离开本单位。"))
        return key.created_by, key

    def authenticate_header(self, request):
        return KEYWORD


class BuyerApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = BuyerApiKeyAuthentication
    name = "BuyerApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "需求方单位 API 密钥，格式 `Buyer-Key cnb_xxxxxxxx_...`"
            "（在“订单接口密钥”页面创建，只显示一次）。",
        }
