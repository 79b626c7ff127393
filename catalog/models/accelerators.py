"""Accelerator reference table, loaded from catalog/data/gpu_specs.csv (blank figures stay NULL)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AcceleratorModel(models.Model):
    """Peak dense throughput of one accelerator card, as published; NULL means unknown, never guessed."""

    name = models.CharField(_("型号"), max_length=128, unique=True)
    vendor = models.CharField(_("厂商"), max_length=64, db_index=True)
    memory_gb = models.PositiveIntegerField(_("显存（GB）"), null=True, blank=True)
    fp64_tflops = models.DecimalField(_("FP64 峰值（TFLOPS）"), max_digits=10, decimal_places=2, null=True, blank=True)
    fp32_tflops = models.DecimalField(_("FP32 峰值（TFLOPS）"), max_digits=10, decimal_places=2, null=True, blank=True)
    fp16_tflops = models.DecimalField(
        _("FP16 稠密峰值（TFLOPS）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    int8_tops = models.DecimalField(_("INT8 稠密峰值（TOPS）"), max_digits=10, decimal_places=2, null=True, blank=True)
    interconnect = models.CharField(_("互联"), max_length=255, blank=True)
    memory_bandwidth = models.CharField(_("显存带宽"), max_length=128, blank=True)
    verification = models.CharField(_("核实情况"), max_length=255, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    sources = models.TextField(_("来源"), blank=True)

    class Meta:
        verbose_name = _("加速卡型号")
        verbose_name_plural = _("加速卡型号")
        ordering = ["vendor", "name"]

    def __str__(self) -> str:
        return self.name
