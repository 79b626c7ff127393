"""Pages of the node application process. Thin: look up what the user may see (404 otherwise), call a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.spreadsheets import SpreadsheetCSVWriter

from . import eligibility, feedback, route_views, selectors, services, status_page, task_page
from . import findings as false_materials
from .campaign_rules import rules_for
from .forms import (
    ExpertAssignForm,
    ExpertScoreForm,
    MilestoneForm,
    ObjectionForm,
    SubmitConfirmForm,
    WithdrawForm,
)
from .models import Campaign, NodeApplication, NodeType, Stage
from .public_forms import ObjectionResolveForm
from .uploads import CONTENT_TYPES

INBOX_PAGE_SIZE = 50


def _application_or_404(request, reference: str) -> NodeApplication:
    application = selectors.application_get_for_user(user=request.user, reference=reference)
    if application is None:
        raise Http404
    return application


def _owned_or_404(request, reference: str) -> NodeApplication:
    application = _application_or_404(request, reference)
    if not selectors.application_is_owner(user=request.user, application=application):
        raise Http404
    return application


_errors_to_messages = feedback.errors_to_messages


def _detail_url(application: NodeApplication) -> str:
    return reverse("node_application:detail", args=[application.reference])


@login_required
def application_list(request):
    applications = selectors.application_list_for_applicant(user=request.user)
    if selectors.is_reviewer(request.user) and not request.user.organization_id:
        return redirect("node_application:inbox")
    campaigns, other_campaigns = selectors.campaigns_for_organization(
        organization=request.user.organization, now=timezone.now()
    )
    notifications = request.user.node_notifications.select_related("application")[:10]
    return render(
        request,
        "node_application/node_application_list.html",
        {
            "applications": applications,
            "campaigns": campaigns,
            "other_campaigns": other_campaigns,
            "node_types": NodeType,
            "notifications": notifications,
        },
    )


@login_required
@require_POST
def application_create(request, slug: str, node_type: str):
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None or node_type not in NodeType.values:
        raise Http404
    try:
        application = services.application_create(campaign=campaign, node_type=node_type, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect("node_application:list")
    return redirect("node_application:edit", reference=application.reference)


@login_required
def application_detail(request, reference: str):
    application = _application_or_404(request, reference)
    application = selectors.application_detail_prefetch(NodeApplication.objects.filter(pk=application.pk)).get()
    user = request.user
    is_owner = selectors.application_is_owner(user=user, application=application)
    scores_visible = selectors.scores_visible_to(user=user, application=application)
    events = [
        e
        for e in application.events.all()
        if (e.visible_to_applicant or not is_owner or selectors.is_reviewer(user))
        and (scores_visible or e.action != "expert_score")  # experts score blind
    ]
    my_tasks = [t for t in application.tasks.all() if selectors.task_can_act(user=user, task=t)]
    my_score = next((s for s in application.expert_scores.all() if s.expert_id == user.pk), None)
    context = {
        "application": application,
        "is_owner": is_owner,
        "is_reviewer": selectors.is_reviewer(user),
        "is_expert": selectors.is_expert(user),
        "events": events,
        "timeline": status_page.timeline(events) if is_owner else None,
        "steps": status_page.stepper(application, application.events.all()),
        "returned": status_page.return_reason(application, application.events.all()) if is_owner else None,
        "tasks": application.tasks.all(),
        "my_tasks": my_tasks,
        "materials": application.materials.all(),
        "expected": status_page.needed_now(application),
        "deadlines": status_page.dates(application),
        "route": route_views.route_records(application, user=user),
        # Objections lodged by the public carry personal data: the ministry alone reads them (task page).
        "objections": [o for o in application.objections.all() if _is_ministry(user) or o.channel == "ministry"],
        "resolve_form": ObjectionResolveForm() if _is_ministry(user) else None,
        "can_record_findings": false_materials.can_record(user=user, application=application),
        # Experts score blind: others' scores only for the ministry, or once every assigned expert has scored.
        "scores": application.expert_scores.all() if not is_owner and scores_visible else [],
        "my_score": my_score,
        "score_form": ExpertScoreForm()
        if application.stage == Stage.EXPERT_REVIEW
        and any(a.expert_id == user.pk for a in application.expert_assignments.all())
        and my_score is None
        else None,
        "assignments": application.expert_assignments.all() if not is_owner else [],
        "assign_form": ExpertAssignForm() if application.stage == Stage.EXPERT_REVIEW and _is_ministry(user) else None,
        "objection_form": ObjectionForm() if application.stage == Stage.PUBLICITY and _is_ministry(user) else None,
        "milestone_form": MilestoneForm()
        if is_owner and application.stage in (Stage.CONSTRUCTION, Stage.INTEGRATION_TESTING)
        else None,
        "integration": task_page.integration_evidence(application)
        if application.stage == Stage.INTEGRATION_TESTING
        else None,
        # Reviewers see the eligibility findings too (e.g. "one industry node per industry" warnings).
        "findings": eligibility.check_application(application, on=timezone.localdate()) if not is_owner else [],
    }
    return render(request, "node_application/node_application.html", context)


def _is_ministry(user) -> bool:
    return selectors.is_reviewer(user) and user.authority.level == "ministry"


def _applicant_step(request, reference: str, service, success: str):
    """Run one applicant action on their own application; refusals go back to the form."""
    application = _owned_or_404(request, reference)
    try:
        service(application=application, actor=request.user)
    except ValidationError as error:
        _errors_to_messages(request, error)
        return redirect("node_application:edit", reference=reference)
    messages.success(request, success)
    return redirect(_detail_url(application))


@login_required
def application_submit(request, reference: str):
    """提交申报 in two steps: GET (or a POST without the declaration) shows what will happen and the
    truthfulness declaration; a POST with the declaration ticked submits."""
    application = _owned_or_404(request, reference)
    if not application.is_editable:
        return redirect(_detail_url(application))
    form = SubmitConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(application=application, actor=request.user, declared=True)
        except ValidationError as error:
            _errors_to_messages(request, error)
            return redirect("node_application:edit_step", reference=reference, step="submit")
        messages.success(request, _("已提交。"))
        return redirect(_detail_url(application))
    errors, missing, findings = services.submit_problems(application, on=timezone.localdate())
    return render(
        request,
        "node_application/submit_confirm.html",
        {
            "application": application,
            "form": form,
            "problems": feedback.labelled(errors) + list(missing),
            "next_step": _next_step_label(application),
        },
    )


def _next_step_label(application: NodeApplication) -> str:
    if application.stage == Stage.RETURNED:
        return Stage(application.returned_from or Stage.PROVINCIAL_REVIEW).label
    if rules_for(application).municipal_review_for(application.node_type):
        return Stage.MUNICIPAL_REVIEW.label
    return Stage.PROVINCIAL_REVIEW.label


@login_required
def application_withdraw(request, reference: str):
    """撤回申报 in two steps: GET shows what will happen and asks for a reason; POST with a reason withdraws."""
    application = _owned_or_404(request, reference)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("已撤回申报。"))
        return redirect(_detail_url(application))
    return render(request, "node_application/withdraw_confirm.html", {"application": application, "form": form})


@login_required
@require_POST
def application_request_prereview(request, reference: str):
    return _applicant_step(request, reference, services.application_request_name_prereview, _("已报送行业名称初核。"))


@login_required
def material_download(request, reference: str, pk: int):
    material = selectors.material_get_for_user(user=request.user, pk=pk)
    if material is None or material.application.reference != reference:
        raise Http404
    # The type found by content when it was uploaded, never one guessed from the applicant's file name;
    # always an attachment (SecurityMiddleware adds X-Content-Type-Options: nosniff).
    return FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name or material.file.name,
        content_type=CONTENT_TYPES.get(material.detected_type, "application/octet-stream"),
    )


@login_required
def form_pdf_download(request, reference: str):
    """The form as the node generates it, with its checksum on every page: the applicant prints, stamps and signs
    it; reviewers see what was submitted."""
    application = _application_or_404(request, reference)
    content = services.application_form_pdf(application)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{application.reference}-form.pdf"'
    return response


@login_required
def package_download(request, reference: str):
    application = _application_or_404(request, reference)
    if not application.package:
        raise Http404
    return FileResponse(
        application.package.open("rb"),
        as_attachment=True,
        filename=f"{application.reference}.zip",
        content_type="application/zip",
    )


@login_required
def events_export(request, reference: str):
    """The application's trail as CSV (reviewers see everything, applicants what is visible to them)."""
    application = _application_or_404(request, reference)
    for_applicant = not selectors.is_reviewer(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{application.reference}-trail.csv"'
    response.write("\ufeff")
    writer = SpreadsheetCSVWriter(response)
    writer.writerow([_("时间"), _("动作"), _("操作人"), _("操作单位"), _("原环节"), _("新环节"), _("意见")])
    events = selectors.application_events(application=application, for_applicant=for_applicant)
    if not selectors.scores_visible_to(user=request.user, application=application):
        events = events.exclude(action="expert_score")  # experts score blind
    for event in events:
        writer.writerow(
            [
                timezone.localtime(event.at).isoformat(),
                event.action_label,
                str(event.actor or ""),
                event.actor_unit,
                event.get_from_stage_display() if event.from_stage else "",
                event.get_to_stage_display() if event.to_stage else "",
                event.opinion,
            ]
        )
    return response


@login_required
@require_POST
def milestone_record(request, reference: str):
    application = _owned_or_404(request, reference)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_record(application=application, actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记。"))
        except ValidationError as error:
            _errors_to_messages(request, error)
    return redirect(_detail_url(application))
