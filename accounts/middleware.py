"""An account that belongs to no certified organisation (nor authority) and holds no role can do one
thing: complete its organisation's registration (or its request to join one).

In the work areas its writes are refused before any view runs (404, as every denial in the node; 403 in
JSON from the API), and a page a view would have shown it is replaced by a redirect to its registration
page; the views' own denials (404, login) stand. Public reading (portal pages, the catalogue, selection)
stays open, as for visitors.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Where an unaffiliated account may act: its own way in, its session, the language switch.
ALLOWED = ("/me/organization/", "/accounts/", "/i18n/", "/certification/")
# Where organisations, authorities and operators work: closed to it.
WORK = (
    "/me/",
    "/applications/",
    "/review/",
    "/demands/",
    "/onboarding/",
    "/catalog/provider/",
    "/catalog/identifiers/",
    "/monitoring/",
    "/security/",
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def is_unaffiliated(user) -> bool:
    return bool(
        user.is_authenticated
        and not user.is_superuser
        and not user.is_staff
        and user.organization_id is None
        and user.authority_id is None
        and not user.groups.exists()
    )


def _local_path(path: str) -> str:
    return path[3:] if path.startswith("/en/") else path


class RegistrationFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = _local_path(request.path)
        is_api_write = path.startswith("/api/") and request.method not in SAFE_METHODS
        in_work = path.startswith(WORK) and not path.startswith(ALLOWED) and path != "/me/"
        # the user (and the session) is looked at only where it matters: public pages stay untouched
        if not (is_api_write or in_work) or not is_unaffiliated(request.user):
            return self.get_response(request)
        if is_api_write:
            return JsonResponse({"detail": _("请先完成单位注册认证。")}, status=403)
        if request.method not in SAFE_METHODS:
            raise Http404  # nothing runs: the site's 404 page
        response = self.get_response(request)
        if response.status_code == 200:
            messages.info(request, _("请先完成单位注册认证，或等待节点运营人员认证。"))
            return redirect("accounts:organization")
        return response
