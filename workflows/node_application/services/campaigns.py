"""Campaign writes."""

from django.db import transaction

from ..models import (
    Campaign,
)


@transaction.atomic
def campaign_upsert(*, slug: str, defaults: dict) -> tuple[Campaign, bool]:
    """Create or update a campaign by slug; leaves an unchanged campaign untouched (no write, no audit entry)."""
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        campaign = Campaign(slug=slug, **defaults)
        campaign.full_clean()
        campaign.save()
        return campaign, True
    changed = [field for field, value in defaults.items() if getattr(campaign, field) != value]
    if changed:
        for field in changed:
            setattr(campaign, field, defaults[field])
        campaign.full_clean()
        campaign.save(update_fields=changed)
    return campaign, False
