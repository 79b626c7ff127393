from django.conf import settings
from django.utils.translation import gettext


def node(request) -> dict:
    """What every page shows about the node itself.

    The node's name is looked up in the message catalogue, so the default name reads in English under /en/;
    a name set through NODE_NAME that the catalogue does not hold is shown as it is.
    """
    name = settings.NODE_NAME
    return {"NODE_NAME": gettext(name) if name else name, "NODE_ROLE": settings.NODE_ROLE}
