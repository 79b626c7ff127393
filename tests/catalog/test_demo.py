import pytest
from auditlog.models import LogEntry

from catalog import demo
from catalog.models import (
    AcceleratorModel,
    AppService,
    ComputeResource,
    Identifier,
    NetworkLine,
    RecordVersion,
)
from organizations import demo as organizations_demo

pytestmark = pytest.mark.django_db

MODELS = (ComputeResource, NetworkLine, AppService, Identifier, RecordVersion, LogEntry)


def test_accelerator_table_is_loaded_with_blanks_left_blank():
    assert AcceleratorModel.objects.count() == 15
    a100 = AcceleratorModel.objects.get(name="NVIDIA A100 80GB (SXM4)")
    assert (a100.fp16_tflops, a100.int8_tops, a100.memory_gb) == (312, 624, 80)
    ascend = AcceleratorModel.objects.get(name="Huawei Ascend 910B (Atlas 800T A2)")
    assert ascend.fp16_tflops is None and ascend.fp64_tflops is None


def test_demo_catalogue_is_realistic_and_idempotent():
    organizations_demo.seed()
    demo.seed()
    first = [model.objects.count() for model in MODELS]
    assert ComputeResource.objects.count() >= 100
    assert set(ComputeResource.objects.values_list("province_code", flat=True)) == {"510000", "130000"}
    assert NetworkLine.objects.count() == 12
    assert AppService.objects.exists()
    assert set(ComputeResource.objects.values_list("resource_class", flat=True)) >= {
        "general",
        "intelligent",
        "supercomputing",
        "edge",
    }
    # Figures unknown in the reference table stay unknown.
    for resource in ComputeResource.objects.filter(accelerator_model="Kunlunxin P800"):
        assert resource.fp16_tflops_per_card is None
    a100 = ComputeResource.objects.filter(accelerator_model="NVIDIA A100 80GB (SXM4)").first()
    assert a100.fp16_tflops_per_card == 312 and a100.accelerator_id
    # Approved records have an active identifier; pending ones have none.
    approved = ComputeResource.objects.filter(listing_state="approved")
    assert approved.count() == Identifier.objects.filter(resource__isnull=False, state="active").count()
    assert ComputeResource.objects.filter(listing_state="pending", identifier__isnull=True).exists()
    demo.seed()
    assert [model.objects.count() for model in MODELS] == first  # nothing new, not even an audit entry
