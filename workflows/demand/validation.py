"""Checks of a demand across its fields (the model's own validators run in full_clean)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import AcceleratorModel, ComputeResource, ResourceClass
from organizations.models import Division


def demand_validate(*, data: dict) -> None:
    """Field-level checks across fields (the model's own validators run in full_clean)."""
    errors = {}
    resource_class = data.get("resource_class")
    model = (data.get("accelerator_model") or "").strip()
    fp16 = data.get("min_fp16_tflops_total")
    city = data.get("city")
    if resource_class == ResourceClass.GENERAL:
        if model:
            errors["accelerator_model"] = _("通用算力不指定加速卡型号。")
        if fp16 is not None:
            errors["min_fp16_tflops_total"] = _("通用算力不填写 FP16 算力需求。")
    elif resource_class and not model and fp16 is None:
        errors["accelerator_model"] = _("请填写加速卡型号，或填写 FP16 算力总需求。")
    if model and "accelerator_model" not in errors:
        known = (
            AcceleratorModel.objects.filter(name__iexact=model).exists()
            or ComputeResource.objects.filter(accelerator_model__iexact=model).exists()
            or _synced_model_known(model)
        )
        if not known:
            errors["accelerator_model"] = _("未知的加速卡型号：%(model)s。") % {"model": model}
    if isinstance(city, Division) and city.level != "city":
        errors["city"] = _("请选择地级城市（GB/T 2260 代码）。")
    if errors:
        raise ValidationError(errors)


def _synced_model_known(model: str) -> bool:
    """A model only the nodes below offer (their resources are matched here too)."""
    from federation.models import SyncedRecord

    return SyncedRecord.objects.filter(
        record_type="resource", removed=False, snapshot__accelerator_model__iexact=model
    ).exists()
