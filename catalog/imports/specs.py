"""What differs between the record types an import writes: lookups against the import's own tables,
derived fields and cross-field rules, cell by cell and column-wise."""

from __future__ import annotations

from itertools import repeat

from django.utils.translation import gettext as _

from organizations.models import Division

from ..models import (
    AcceleratorModel,
    AppService,
    ComputeResource,
    NetworkLine,
    Provider,
    ResourceClass,
    Site,
)
from ..services.records import REFERENCE_FIGURES
from .columns import Column
from .parsers import CellError


class _Spec:
    """What differs between record types: lookups, derived fields and cross-field rules."""

    model: type
    derived: tuple[str, ...] = ()

    def __init__(self, provider: Provider):
        self.provider = provider

    def lookup(self, column: Column, text: str):
        raise NotImplementedError

    def derive(self, data: dict) -> None:
        """Fill derived fields in place (never guesses: only published reference figures)."""

    def check(self, data: dict) -> list[tuple[str, str]]:
        """Cross-field rules as (field name, message)."""
        return []

    # Column-wise twins (``record_rules.Rules.complete_columns``): the same rules over a batch's columns,
    # by name. These defaults go row by row; specs with rules override them with list operations.
    def derive_columns(self, columns: dict[str, list], count: int) -> None:
        """``derive`` on columns (replacing lists in ``columns``, never changing one in place)."""
        if type(self).derive is _Spec.derive:
            return
        rows = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        for data in rows:
            self.derive(data)
        names = dict.fromkeys(name for data in rows for name in data) if rows else dict.fromkeys(self.derived)
        for name in names:
            columns[name] = [data.get(name) for data in rows]

    def check_columns(self, columns: dict[str, list], count: int) -> list[tuple[int, str, str]]:
        """``check`` on columns: (position, field name, message)."""
        if type(self).check is _Spec.check:
            return []
        out = []
        for position, values in enumerate(zip(*columns.values(), strict=True)):
            for name, message in self.check(dict(zip(columns, values, strict=True))):
                out.append((position, name, message))
        return out


class _ResourceSpec(_Spec):
    model = ComputeResource
    derived = ("accelerator", "province_code", "city_code")

    def __init__(self, provider):
        super().__init__(provider)
        self.sites_by_code, self.sites_by_name, self.site_location = {}, {}, {}
        names_seen: dict[str, int] = {}
        for pk, code, name, city, province in Site.objects.filter(provider=provider).values_list(
            "pk", "code", "name", "city_id", "province_id"
        ):
            self.sites_by_code[code.strip().lower()] = pk
            names_seen[name.strip().lower()] = names_seen.get(name.strip().lower(), 0) + 1
            self.sites_by_name[name.strip().lower()] = pk
            self.site_location[pk] = (province, city)
        self.ambiguous_names = {name for name, count in names_seen.items() if count > 1}
        theirs = ["pk", *REFERENCE_FIGURES.values()]
        self.accelerators = {
            row[0]: dict(zip(theirs, row[1:], strict=True))
            for row in AcceleratorModel.objects.values_list("name", *theirs)
        }
        self.figures = tuple(REFERENCE_FIGURES.items())

    def lookup(self, column, text):
        key = text.lower()
        if key in self.sites_by_code:
            return self.sites_by_code[key]
        if key in self.sites_by_name and key not in self.ambiguous_names:
            return self.sites_by_name[key]
        raise CellError(_("本服务商没有编号或名称为“%(value)s”的数据中心站点。") % {"value": text})

    def derive(self, data):
        model = data.get("accelerator_model")
        reference = self.accelerators.get(model.strip()) if model else None
        if reference:
            data["accelerator"] = reference["pk"]
            for ours, theirs in self.figures:
                if data.get(ours) in (None, ""):
                    data[ours] = reference[theirs]
        else:
            data["accelerator"] = None
        data["province_code"], data["city_code"] = self.site_location.get(data.get("site"), ("", ""))

    def check(self, data):
        if data.get("resource_class") == ResourceClass.INTELLIGENT and not data.get("accelerators_per_node"):
            return [("accelerators_per_node", _("智能算力资源请填写每节点加速卡数。"))]
        return []

    def derive_columns(self, columns, count):
        models = [model.strip() if model else None for model in columns["accelerator_model"]]
        references = list(map(self.accelerators.get, models))
        if any(references):
            columns["accelerator"] = [reference["pk"] if reference else None for reference in references]
            for ours, theirs in self.figures:
                # (blank: None or ""; ``value == ""`` only for str: comparing a Decimal with a str is slow)
                columns[ours] = [
                    reference[theirs]
                    if reference is not None and (value is None or (value.__class__ is str and value == ""))
                    else value
                    for value, reference in zip(columns[ours], references, strict=True)
                ]
        else:
            columns["accelerator"] = [None] * count
        location = self.site_location.get
        places = list(map(location, columns["site"], repeat(("", ""), count)))
        columns["province_code"] = [place[0] for place in places]
        columns["city_code"] = [place[1] for place in places]

    def check_columns(self, columns, count):
        intelligent = ResourceClass.INTELLIGENT
        wrong = [
            position
            for position, (resource_class, cards) in enumerate(
                zip(columns["resource_class"], columns["accelerators_per_node"], strict=True)
            )
            if not cards and resource_class == intelligent
        ]
        if not wrong:
            return []
        message = _("智能算力资源请填写每节点加速卡数。")
        return [(position, "accelerators_per_node", message) for position in wrong]


class _LineSpec(_Spec):
    model = NetworkLine

    def __init__(self, provider):
        super().__init__(provider)
        self.cities = {}
        for code, name in Division.objects.filter(level="city").values_list("code", "name_zh"):
            self.cities[code] = code
            self.cities[name] = code
        self.site_ids = set(Site.objects.values_list("pk", flat=True))

    def lookup(self, column, text):
        if column.name == "from_city":
            if text in self.cities:
                return self.cities[text]
            raise CellError(_("“%(value)s”不是地级行政区划代码或城市名称。") % {"value": text})
        try:
            pk = int(text)
        except ValueError:
            pk = None
        if pk not in self.site_ids:
            raise CellError(_("没有 ID 为“%(value)s”的数据中心站点。") % {"value": text})
        return pk


class _AppSpec(_Spec):
    model = AppService


SPECS: dict[type, type[_Spec]] = {ComputeResource: _ResourceSpec, NetworkLine: _LineSpec, AppService: _AppSpec}
