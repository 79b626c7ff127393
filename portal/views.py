from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from organizations.selectors import user_roles
from portal.navigation import entry_points_for


@login_required
def dashboard(request):
    """The signed-in user's start page: who they are, for whom they act, and what they can do."""
    roles = user_roles(user=request.user)
    return render(
        request, "portal/dashboard.html", {"roles": roles, "entry_points": entry_points_for(user=request.user)}
    )


@never_cache
def healthz(request):
    """Liveness and database reachability, for load balancers and `make run`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok", "node_role": settings.NODE_ROLE, "database": connection.vendor})


def api_not_found(request, rest: str = ""):
    """Any other path under /api/: a JSON 404 for API clients, not the site's HTML page."""
    return JsonResponse({"detail": "没有这个接口。No such endpoint."}, status=404)
