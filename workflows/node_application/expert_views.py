"""Expert review and publicity: the ministry names experts, experts find their assignments and score them, the
ministry records objections received during publicity (their handling: objection_views). Thin like views.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import feedback, selectors, services
from .feedback import errors_to_messages as _errors_to_messages
from .forms import ExpertAssignForm, ExpertScoreForm, ObjectionForm
from .views import _application_or_404, _detail_url, _is_ministry

INBOX_PAGE_SIZE = 50


@login_required
def expert_inbox(request):
    """The applications the ministry assigned to this expert: to score first, then those already scored."""
    if not selectors.is_expert(request.user):
        raise Http404
    assignments = selectors.expert_assignment_list(user=request.user)
    page = Paginator(assignments, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    to_score = assignments.filter(to_score=1).count()  # all of them, not only this page's
    return render(
        request,
        "node_application/expert_assignment_list.html",
        {"assignments": page.object_list, "page": page, "to_score": to_score},
    )


@login_required
@require_POST
def expert_score(request, reference: str):
    application = _application_or_404(request, reference)
    if not selectors.is_expert(request.user):
        raise Http404
    form = ExpertScoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写 0–100 之间的评分。"))
        return redirect(reverse("node_application:detail", args=[application.reference]) + "#score")
    may_score = application.expert_assignments.filter(expert=request.user).exists()
    if may_score and request.POST.get("confirmed") != "yes":
        # Irreversible (one score per expert and application): first a page that shows what will be submitted.
        return render(request, "node_application/expert_score_confirm.html", {"application": application, "form": form})
    try:
        services.expert_score_submit(application=application, expert=request.user, **form.cleaned_data)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect(reverse("node_application:detail", args=[application.reference]) + "#score")
    messages.success(request, _("评分已提交：%(reference)s。") % {"reference": application.reference})
    return redirect("node_application:expert_inbox")


@login_required
@require_POST
def expert_assign(request, reference: str):
    application = _application_or_404(request, reference)
    if not _is_ministry(request.user):
        raise Http404
    form = ExpertAssignForm(request.POST)
    if form.is_valid():
        try:
            experts = list(form.cleaned_data["experts"])
            services.expert_assign(application=application, actor=request.user, experts=experts)
            messages.success(request, _("已指派评审专家。"))
        except ValidationError as error:
            _errors_to_messages(request, error)
    else:
        for line in feedback.labelled(form.errors):
            messages.error(request, line)
    return redirect(_detail_url(application))


@login_required
@require_POST
def objection_lodge(request, reference: str):
    application = _application_or_404(request, reference)
    if not _is_ministry(request.user):
        raise Http404
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_lodge(application=application, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_messages(request, error)
    return redirect(_detail_url(application))
