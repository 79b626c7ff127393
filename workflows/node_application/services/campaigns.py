"""Campaign writes."""

from django.db import transaction

from ..campaign_rules import rules_from_campaign
from ..models import (
    Campaign,
    CampaignMaterial,
    CampaignNotificationText,
    CampaignRulesVersion,
    CampaignStageName,
)


@transaction.atomic
def campaign_upsert(
    *,
    slug: str,
    defaults: dict,
    materials: list[dict] | None = None,
    stage_names: dict | None = None,
    notification_texts: dict | None = None,
) -> tuple[Campaign, bool]:
    """Create or update a campaign by slug; leaves an unchanged campaign untouched (no write, no audit entry).
    ``materials`` (rows of ``CampaignMaterial``), ``stage_names`` and ``notification_texts`` ({stage: text}) are
    written when the campaign is created (an operator's later edits in the admin are kept)."""
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        campaign = Campaign(slug=slug, **defaults)
        campaign.full_clean()
        campaign.save()
        for position, row in enumerate(materials or []):
            material = CampaignMaterial(campaign=campaign, position=position, **row)
            material.full_clean()
            material.save()
        for stage, label in (stage_names or {}).items():
            CampaignStageName.objects.create(campaign=campaign, stage=stage, label=label)
        for stage, text in (notification_texts or {}).items():
            notice = CampaignNotificationText(campaign=campaign, stage=stage, text=text)
            notice.full_clean()
            notice.save()
        return campaign, True
    changed = [field for field, value in defaults.items() if getattr(campaign, field) != value]
    if changed:
        for field in changed:
            setattr(campaign, field, defaults[field])
        campaign.full_clean()
        campaign.save(update_fields=changed)
    return campaign, False


def rules_version_for_submission(*, campaign: Campaign) -> CampaignRulesVersion:
    """The frozen version of the campaign's rules as they stand now: the latest version when nothing changed since,
    else a new one (numbered on from the latest, under a lock on the campaign row)."""
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    current = rules_from_campaign(campaign).as_json()
    latest = CampaignRulesVersion.objects.filter(campaign=campaign).order_by("-number").first()
    if latest is not None and latest.rules == current:
        return latest
    return CampaignRulesVersion.objects.create(
        campaign=campaign, number=(latest.number + 1) if latest else 1, rules=current
    )
