"""The ministry's side of publicity objections: the attachment of a public objection, and how each objection was
handled (posted from the publicity task page or the application page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import findings, selectors, services
from .models import Objection
from .public_forms import ObjectionResolveForm
from .uploads import CONTENT_TYPES


def _ministry_objection_or_404(request, reference: str, pk: int) -> Objection:
    application = selectors.application_get_for_user(user=request.user, reference=reference)
    if application is None or not findings.is_ministry(request.user):
        raise Http404
    objection = Objection.objects.filter(pk=pk, application=application).select_related("application").first()
    if objection is None:
        raise Http404
    return objection


@login_required
def objection_attachment(request, reference: str, pk: int):
    """An objection's attachment, for the ministry only (it may carry the objector's personal data)."""
    objection = _ministry_objection_or_404(request, reference, pk)
    if not objection.attachment:
        raise Http404
    return FileResponse(
        objection.attachment.open("rb"),
        as_attachment=True,
        filename=objection.attachment_name or objection.attachment.name,
        content_type=CONTENT_TYPES.get(objection.attachment_type, "application/octet-stream"),
    )


@login_required
@require_POST
def objection_resolve(request, reference: str, pk: int):
    """The ministry records how an objection was handled (from the publicity task page or the application)."""
    objection = _ministry_objection_or_404(request, reference, pk)
    form = ObjectionResolveForm(request.POST)
    if form.is_valid():
        try:
            services.objection_resolve(objection=objection, actor=request.user, **form.cleaned_data)
            messages.success(request, _("已记录异议处理结果。"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        for name, errors in form.errors.items():
            for message in errors:
                messages.error(request, f"{form.fields[name].label}：{message}" if name in form.fields else message)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(back)
    return redirect(reverse("node_application:detail", args=[reference]))
