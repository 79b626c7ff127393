"""Reads of the catalogue: what a provider, an operator or the public may see."""

from django.db.models import QuerySet

from organizations.models import User

from .models import (
    AppService,
    ComputeResource,
    Identifier,
    ListingState,
    NetworkLine,
    Provider,
    ProviderApiKey,
)

Record = ComputeResource | NetworkLine | AppService
RECORD_FIELD = {ComputeResource: "resource", NetworkLine: "line", AppService: "app_service"}


def identifier_for_record(*, record: Record) -> Identifier | None:
    """The record's identifier (a fresh read: never a cached empty reverse relation)."""
    return Identifier.objects.filter(**{RECORD_FIELD[type(record)]: record}).first()


# what a record of each kind needs read with its identifier (resolution, the record page)
_RECORD_RELATED = {
    "compute_resource": ("resource__provider__organization", "resource__site__city"),
    "network_line": ("line__provider__organization", "line__from_city", "line__to_site__city"),
    "app_service": ("app_service__provider__organization",),
}


def identifier_get(*, code: str, kind: str = "") -> Identifier | None:
    """The identifier with its record; ``kind`` (organizations.identifiers.RECORD_KIND of its class), when
    known, joins only that record's tables (a third of the query to build)."""
    related = _RECORD_RELATED[kind] if kind else [name for names in _RECORD_RELATED.values() for name in names]
    return Identifier.objects.select_related(*related).filter(code=code).first()


def identifier_library(*, state: str = "", class_code: str = "", search: str = "") -> QuerySet[Identifier]:
    """The node's identifier library, filtered; newest first."""
    queryset = Identifier.objects.select_related(
        "resource__provider__organization", "line__provider__organization", "app_service__provider__organization"
    ).order_by("-issued_at", "-pk")
    if state:
        queryset = queryset.filter(state=state)
    if class_code:
        queryset = queryset.filter(class_code=class_code)
    if search:
        queryset = queryset.filter(code__icontains=search.strip())
    return queryset


def provider_for_user(*, user: User) -> Provider | None:
    if not getattr(user, "organization_id", None):
        return None
    return Provider.objects.filter(organization_id=user.organization_id).select_related("organization").first()


def api_key_list(*, provider: Provider) -> QuerySet[ProviderApiKey]:
    return ProviderApiKey.objects.filter(provider=provider).select_related("created_by", "revoked_by")


def provider_records(*, model: type, provider: Provider) -> QuerySet:
    """A provider's own records of one kind (every listing state: it is their own data)."""
    return model.objects.filter(provider=provider).select_related("identifier").order_by("external_id")


def public_records(*, model: type) -> QuerySet:
    """Records the public may see: approved for the catalogue."""
    return model.objects.filter(listing_state=ListingState.APPROVED)


def import_runs(*, result_ids: list[str], provider) -> list[dict]:
    """The queued web imports ``result_ids`` (newest first) that belong to ``provider``: status and outcome
    as the task queue holds them (catalog.tasks.provider_import_run)."""
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    runs = []
    for result_id in reversed(result_ids):
        try:
            result = default_task_backend.get_result(result_id)
        except (TaskResultDoesNotExist, NotImplementedError):
            continue
        if result.kwargs.get("provider_id") != provider.pk:
            continue
        outcome = result.return_value if result.status == "SUCCESSFUL" else None
        runs.append(
            {
                "filename": result.kwargs.get("filename", ""),
                "status": str(result.status),
                "enqueued_at": result.enqueued_at,
                "outcome": outcome,
            }
        )
    return runs
