import re

from django.conf import settings
from django.utils.translation import gettext


def _translated(value: str) -> str:
    """A configured text through the message catalogue: the demo defaults read in English under /en/,
    a value the catalogue does not hold is shown as it is."""
    return gettext(value) if value else value


def node(request) -> dict:
    """What every page shows about the node itself: its name, role, region, and the portal frame.

    The node's name is looked up in the message catalogue, so the default name reads in English under /en/;
    a name set through NODE_NAME that the catalogue does not hold is shown as it is.
    """
    frame = {key: _translated(value) for key, value in settings.PORTAL_FRAME.items()}
    # the number alone for the record's query link (川公网安备51010000000000号 -> 51010000000000)
    frame["public_security_code"] = "".join(re.findall(r"\d+", settings.PORTAL_FRAME.get("public_security", "")))
    return {
        "NODE_NAME": _translated(settings.NODE_NAME),
        "NODE_ROLE": settings.NODE_ROLE,
        "NODE_REGION_NAME": _translated(settings.NODE_REGION_NAME),
        "PORTAL_FRAME": frame,
    }
