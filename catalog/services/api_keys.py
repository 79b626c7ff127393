"""Provider API keys: random, shown once, stored as a SHA-256 digest (they carry 190+ bits)."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from organizations.models import User

from ..models import OnboardingState, Provider, ProviderApiKey

KEY_PREFIX = "cnk"


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, provider: Provider, name: str, actor: User) -> tuple[ProviderApiKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ProviderApiKey.objects.create(
        provider=provider, name=name.strip(), prefix=prefix, key_hash=_digest(raw_key), created_by=actor
    )
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ProviderApiKey, actor: User) -> ProviderApiKey:
    api_key = ProviderApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = actor
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


# A key lives only while its provider may use the interface: suspended or rejected providers' keys are dead.
DEAD_PROVIDER_STATES = (OnboardingState.SUSPENDED, OnboardingState.REJECTED)


def api_key_authenticate(*, raw_key: str) -> ProviderApiKey | None:
    """The live key matching ``raw_key``, or None. Records the time of use (at most once a minute).

    Checked on every request, from the database (nothing cached): a key dies at once with its creator's
    account (deactivated, or no longer a member of the provider's organisation) and with its provider's
    certification (suspended or rejected), as well as when it is revoked."""
    parts = raw_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    api_key = (
        ProviderApiKey.objects.select_related("provider__organization", "created_by")
        .filter(
            prefix=parts[1],
            revoked_at__isnull=True,
            created_by__is_active=True,
            created_by__organization_id=F("provider__organization_id"),
        )
        .exclude(provider__onboarding_state__in=DEAD_PROVIDER_STATES)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(raw_key.strip())):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ProviderApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
