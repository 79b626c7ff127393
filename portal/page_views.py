"""Public portal views outside the page tree: site search, robots.txt, sitemap.xml."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from portal import selectors
from portal.forms import SiteSearchForm

SEARCH_PAGE_SIZE = 10

ROBOTS_DISALLOW = ["/cms/", "/django-admin/", "/api/", "/accounts/", "/me/", "/en/accounts/", "/en/me/"]


@require_GET
def site_search(request):
    """Search published pages (notices, policies, ...) in Chinese or English words."""
    form = SiteSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.page_search(query=query) if query else []
    page_obj = selectors.paginate(results, number=request.GET.get("page"), per_page=SEARCH_PAGE_SIZE)
    from urllib.parse import urlencode

    return render(
        request,
        "portal/site_search.html",
        {
            "form": form,
            "search_query": query,
            "page_obj": page_obj,
            "results": page_obj.object_list if query else [],
            "querystring": urlencode({"q": query}) if query else "",
        },
    )


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def sitemap(request):
    return wagtail_sitemap(request, template_name="portal/sitemap.xml", content_type="application/xml")
