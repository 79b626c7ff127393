"""Forms of the demand pages: validation of shape only; the rules live in services.demand_validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import AcceleratorModel
from organizations.models import Division

from .models import Demand


class DemandForm(forms.ModelForm):
    accelerator_model = forms.ChoiceField(label=_("加速卡型号"), required=False)

    class Meta:
        model = Demand
        fields = [
            "resource_class",
            "accelerator_model",
            "min_fp16_tflops_total",
            "card_count",
            "duration_hours",
            "city",
            "max_latency_ms",
            "budget_yuan",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        models = AcceleratorModel.objects.order_by("vendor", "name").values_list("name", flat=True)
        self.fields["accelerator_model"].choices = [("", _("不限型号（按 FP16 算力）")), *((m, m) for m in models)]
        self.fields["accelerator_model"].help_text = _("不限型号时请填写 FP16 算力总需求。")
        self.fields["city"].queryset = Division.objects.filter(level="city").order_by("code")
        self.fields["city"].label_from_instance = lambda d: f"{d.name_zh}（{d.code}）"


class AcceptForm(forms.Form):
    match = forms.IntegerField(min_value=1)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("谢绝原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
