"""Removing an uploaded material before submission (uploading and replacing: ``applicant.material_upload``)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import User

from ..models import Material, NodeApplication
from .applicant import _ensure_editable_in_time, _ensure_owner
from .common import _lock, _now, _record


@transaction.atomic
def material_delete(
    *, application: NodeApplication, material: Material, actor: User, now: datetime.datetime | None = None
) -> None:
    """Delete one material of an application that is still being edited (draft or returned), before its deadline;
    the file goes after commit and the trail keeps who removed what."""
    now = _now(now)
    _ensure_owner(application=application, actor=actor)
    application = _lock(application)
    _ensure_editable_in_time(application=application, now=now)
    material = Material.objects.select_for_update().filter(pk=material.pk, application=application).first()
    if material is None:
        raise ValidationError(_("该材料已删除。"), code="gone")
    label, name, stored = str(material), material.original_name, material.file.name
    storage = material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    _record(
        application=application,
        action="delete_material",
        label=_("删除材料：%(material)s") % {"material": label},
        actor=actor,
        opinion=name,
        now=now,
    )
