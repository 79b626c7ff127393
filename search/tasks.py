"""Background task of search: the Elasticsearch index follows the change feed (portal/worker/schedule.py)."""

from django_tasks import task


@task()
def search_elasticsearch_sync() -> dict[str, int]:
    """Re-index what the changes committed since the cursor touched (idempotent; at-least-once)."""
    from .elasticsearch_sync import elasticsearch_sync

    return elasticsearch_sync()
