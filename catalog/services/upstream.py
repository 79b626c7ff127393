"""What the catalogue sends to the node above through federation: the filing of an issued identifier
and the later state changes of a filed one (the outbox), and the public snapshots of its records (the
catalogue sync: ``sync_rows.sync_items``, registered per record type at CatalogConfig.ready). The payloads are
built here, from the catalogue's records; federation carries them and knows none of the catalogue's
models."""

from federation.filings import UPWARD_STATES, filing_enqueue, state_enqueue
from federation.models import OutboxMessage
from federation.selectors import upstream_url

from ..models import Identifier


def identifier_filing_enqueue(*, identifier_id: int) -> OutboxMessage | None:
    """Queue the filing of an issued identifier with the upstream (national) node."""
    identifier = Identifier.objects.filter(pk=identifier_id).first()
    if identifier is None or identifier.state != "issued":  # already filed (or withdrawn) meanwhile
        return None
    record = identifier.record
    return filing_enqueue(
        payload={
            "identifier": identifier.code,
            "node_prefix": identifier.prefix,
            "class_code": identifier.class_code,
            "name": record.name,
            "provider": record.provider.organization.name,
            "provider_uscc": record.provider.organization.uscc,
            "division_code": record.division_code,
            "issued_at": identifier.issued_at.isoformat(),
        }
    )


def identifier_state_enqueue(*, identifier_id: int) -> None:
    """A suspension, reactivation or revocation of a filed identifier travels upward."""
    identifier = Identifier.objects.filter(pk=identifier_id).first()
    if identifier is None or identifier.state not in UPWARD_STATES or not upstream_url():
        return
    state_enqueue(
        payload={
            "identifier": identifier.code,
            "node_prefix": identifier.prefix,
            "state": identifier.state,
            "changed_at": identifier.changed_at.isoformat(),
        }
    )
