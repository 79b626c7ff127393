"""The applicant's application form, one step per page (basic data → units → contacts → narratives → materials →
declaration and submit), with inline uploads on the materials step. Thin: the services decide."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infra.form_errors import errors_to_form

from . import feedback, form_steps, selectors, services, status_page
from .campaign_rules import rules_for
from .forms import ApplicationForm, MaterialUploadForm, SubmitConfirmForm
from .models import Material, MaterialFormat, MaterialKind, NodeApplication, Stage


def _owned_or_404(request, reference: str) -> NodeApplication:
    application = selectors.application_get_for_user(user=request.user, reference=reference)
    if application is None or not selectors.application_is_owner(user=request.user, application=application):
        raise Http404
    return application


def step_url(application: NodeApplication, step: str, anchor: str = "") -> str:
    url = reverse("node_application:edit_step", args=[application.reference, step])
    return f"{url}#{anchor}" if anchor else url


@dataclass
class Slot:
    """One file the campaign's list asks for (a material in one format), with its upload form."""

    kind: str
    format: str
    format_label: str
    required: bool
    material: Material | None
    stamped: bool
    errors: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"m-{self.kind}-{self.format}"


@dataclass
class MaterialRow:
    label: str
    only_if: str
    note: str
    max_size_mb: int
    slots: list[Slot]

    @property
    def complete(self) -> bool:
        return all(slot.material or not slot.required for slot in self.slots)


def material_rows(application: NodeApplication, *, error: tuple[str, str, list[str]] | None = None) -> list:
    have = {(m.kind, m.format): m for m in application.materials.all()}
    rows = []
    rules = rules_for(application).materials_for(
        node_type=application.node_type, is_consortium=application.is_consortium
    )
    for rule in rules:
        wanted = ((MaterialFormat.PDF, rule.pdf_required), (MaterialFormat.EDITABLE, rule.editable_required))
        formats = [fmt for fmt, needed in wanted if needed or (rule.code, fmt.value) in have] or [MaterialFormat.PDF]
        slots = [
            Slot(
                kind=rule.code,
                format=fmt.value,
                format_label=fmt.label,
                required=rule.required and dict(wanted)[fmt],
                material=have.get((rule.code, fmt.value)),
                stamped=rule.code == MaterialKind.STAMPED_FORM,
                errors=error[2] if error and error[:2] == (rule.code, fmt.value) else [],
            )
            for fmt in formats
        ]
        rows.append(MaterialRow(rule.label, rule.only_if, rule.note, rule.max_size_mb, slots))
    return rows


_NAMED_IN_STEPS = {"facilities_no_evidence"}


def _render(request, application, step, *, form=None, upload_form=None, upload_error=None, status=200):
    application.refresh_from_db()
    full = ApplicationForm(instance=application)
    errors, missing, findings = services.submit_problems(application, on=timezone.localdate())
    steps = form_steps.progress(
        current=step.slug,
        labels={name: str(f.label) for name, f in full.fields.items()},
        errors=errors,
        missing_materials=missing,
        findings=findings,
    )
    index = form_steps.STEP_SLUGS.index(step.slug)
    if step.fields and form is None:
        form = ApplicationForm(instance=application, only=step.fields)
    context = {
        "application": application,
        "step": step,
        "steps": steps,
        "state": steps[index],
        "previous": steps[index - 1] if index else None,
        "next": steps[index + 1] if index + 1 < len(steps) else None,
        "form": form,
        "fieldsets": form_steps.FIELDSETS,
        # conditions the steps cannot fix (a finding of false materials, the capital, the licence) on every step;
        # those about a field or a missing material are named in their step
        "blocking": [f for f in findings if f.blocks and not f.field and f.code not in _NAMED_IN_STEPS],
        "returned": status_page.return_reason(application, application.events.all()),
        "needs_prereview": application.stage == Stage.DRAFT
        and application.campaign.requires_name_prereview(application.node_type)
        and not application.industry_name_approved,
    }
    if step.slug == form_steps.MATERIALS:
        context |= {
            "rows": material_rows(application, error=upload_error),
            "upload_form": upload_form or MaterialUploadForm(application=application),
            "seal": services.seal_status(application),
        }
    if step.slug == form_steps.SUBMIT:
        context |= {
            "findings": findings,
            "missing": missing,
            "submit_errors": feedback.labelled(errors),
            "declaration_form": SubmitConfirmForm(),
            "ready": not errors and not missing and not any(f.blocks for f in findings),
        }
    return render(request, "node_application/node_application_form.html", context, status=status)


@login_required
def application_edit(request, reference: str, step: str = form_steps.STEPS[0].slug):
    application = _owned_or_404(request, reference)
    current = form_steps.step_get(step)
    if current is None:
        raise Http404
    if not application.is_editable:
        return redirect(reverse("node_application:detail", args=[reference]))
    if request.method != "POST" or not current.fields:
        return _render(request, application, current)
    form = ApplicationForm(request.POST, instance=application, only=current.fields)
    if form.is_valid():
        fresh = NodeApplication.objects.get(pk=application.pk)
        data = {name: form.cleaned_data[name] for name in form.fields if not form.fields[name].disabled}
        try:
            services.application_save_draft(application=fresh, actor=request.user, data=data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("已保存草稿。"))
            go = {"next": 1, "previous": -1}.get(request.POST.get("go", ""), 0)
            target = form_steps.STEP_SLUGS[form_steps.STEP_SLUGS.index(current.slug) + go]
            return redirect(step_url(application, target, "" if go else "step-form"))
    return _render(request, application, current, form=form)


@login_required
@require_POST
def material_upload(request, reference: str):
    """Upload or replace one material; back to the materials step at that material (errors beside its file)."""
    application = _owned_or_404(request, reference)
    form = MaterialUploadForm(request.POST, request.FILES, application=application)
    kind, fmt = request.POST.get("kind", ""), request.POST.get("format", "")
    if form.is_valid():
        try:
            services.material_upload(
                application=application,
                actor=request.user,
                kind=kind,
                fmt=fmt,
                upload=form.cleaned_data["file"],
                form_code=form.cleaned_data["form_code"],
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, _("材料已上传。"))
            return redirect(step_url(application, form_steps.MATERIALS, f"m-{kind}-{fmt}"))
    materials = form_steps.step_get(form_steps.MATERIALS)
    lines = feedback.labelled(form.errors)
    messages.error(request, _("材料未上传：%(reason)s") % {"reason": "；".join(lines)})
    return _render(request, application, materials, upload_form=form, upload_error=(kind, fmt, lines))


@login_required
@require_POST
def material_delete(request, reference: str, pk: int):
    """Delete an uploaded file before submission; someone else's file is a 404."""
    application = _owned_or_404(request, reference)
    material = application.materials.filter(pk=pk).first()
    if material is None:
        raise Http404
    try:
        services.material_delete(application=application, material=material, actor=request.user)
    except ValidationError as error:
        feedback.errors_to_messages(request, error)
    else:
        messages.success(request, _("已删除：%(material)s") % {"material": material})
    return redirect(step_url(application, form_steps.MATERIALS, "materials"))
