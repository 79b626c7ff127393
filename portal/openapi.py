"""drf-spectacular hooks: the published schema is the node's standard interface, nothing else."""

PUBLIC_API_PREFIX = "/api/v1/"


def only_standard_interface(endpoints, **kwargs):
    """Drop endpoints outside /api/v1/ (Wagtail's admin API under /cms/ is internal)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(PUBLIC_API_PREFIX)]
