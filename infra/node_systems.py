"""Which of the six systems (A–F, DESIGN.md §2) this node runs, by NODE_ROLE (DESIGN.md §4).

An industry node has systems A, B, C and F only: the identifier-management library (D) and the
monitoring dashboards (E) are absent there (404, not in the navigation); its business metrics still go
upward in its daily report to its regional node. Read at request time, so a setting override applies.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404

ALL_SYSTEMS = frozenset("ABCDEF")
SYSTEMS_BY_ROLE = {"national": ALL_SYSTEMS, "regional": ALL_SYSTEMS, "industry": frozenset("ABCF")}


def node_has_system(system: str) -> bool:
    return system in SYSTEMS_BY_ROLE.get(settings.NODE_ROLE, ALL_SYSTEMS)


def node_system(system: str, view):
    """Wrap a view (in a urls.py) so that it answers 404 on a node without ``system``."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not node_has_system(system):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
