from django.conf import settings


def node(request) -> dict:
    """What every page shows about the node itself."""
    return {"NODE_NAME": settings.NODE_NAME, "NODE_ROLE": settings.NODE_ROLE}
