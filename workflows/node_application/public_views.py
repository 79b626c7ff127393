"""The public 公示 pages: the nodes under publicity and the results, and the objection form anyone may post.
No sign-in; CSRF as every form; posts rate limited per client address (``public_form`` rate)."""

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from infra.form_errors import errors_to_form
from security.throttles import form_post_wait

from . import publicity, services
from .models import Campaign
from .public_forms import PublicObjectionForm

PAGE_SIZE = 20


def _entry(application, *, now) -> dict:
    return {
        "application": application,
        "applicants": publicity.applicant_names(application),
        "area": publicity.area(application),
        "outcome": publicity.outcome_label(application, now=now),
        "open": publicity.accepts_objections(application, now=now),
    }


def publicity_list(request):
    tab = publicity.RESULTS if request.GET.get("tab") == publicity.RESULTS else publicity.CURRENT
    campaign = request.GET.get("campaign", "")
    campaigns = Campaign.objects.filter(applications__publicity_ends_at__isnull=False).distinct().order_by("-year")
    if campaign and not campaigns.filter(slug=campaign).exists():
        campaign = ""
    page = Paginator(publicity.publicity_list(tab=tab, campaign=campaign), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "node_application/publicity_list.html",
        {
            "tab": tab,
            "page": page,
            "entries": [_entry(a, now=now) for a in page.object_list],
            "campaigns": campaigns,
            "campaign": campaign,
            "querystring": urlencode({k: v for k, v in (("tab", tab), ("campaign", campaign)) if v}),
            "review_result": publicity.REVIEW_RESULT,
        },
    )


@never_cache
def publicity_detail(request, reference: str):
    application = publicity.publicity_get(reference=reference)
    if application is None:
        raise Http404
    now = timezone.now()
    entry = _entry(application, now=now)
    form = PublicObjectionForm(request.POST or None, request.FILES or None) if entry["open"] else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, _("公示期已结束，不再受理异议。"))
            return redirect(request.path)
        wait = form_post_wait(request, scope="public_form")
        if wait is not None:
            form.is_valid()
            form.add_error(
                None, _("提交过于频繁，请在 %(minutes)s 分钟后再试。") % {"minutes": max(1, math.ceil(wait / 60))}
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.objection_submit_public(
                    application=application,
                    name=data["name"],
                    organization_name=data["organization_name"],
                    phone=data["phone"],
                    email=data["email"],
                    content=data["content"],
                    attachment=data["attachment"] or None,
                    now=now,
                )
            except ValidationError as error:
                errors_to_form(form, error)
                status = 400
            else:
                messages.success(request, _("异议已提交，工业和信息化部将核查处理。"))
                return redirect(reverse("node_application:publicity_detail", args=[reference]) + "#objection")
        else:
            status = 400
    return render(
        request,
        "node_application/publicity_detail.html",
        {**entry, "form": form, "review_result": publicity.REVIEW_RESULT},
        status=status,
    )
