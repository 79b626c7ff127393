"""Serializers of the selection API: they document the response (OpenAPI); the hits are already dicts."""

from rest_framework import serializers


class ProviderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="服务商名称")


class SiteRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="数据中心名称")
    province = serializers.CharField(help_text="省级行政区划代码（GB/T 2260）")
    province_name = serializers.CharField()
    city = serializers.CharField(help_text="地级行政区划代码（GB/T 2260）")
    city_name = serializers.CharField()


class BestLineSerializer(serializers.Serializer):
    identifier = serializers.CharField(allow_null=True, help_text="线路的算力标识")
    latency_ms = serializers.CharField(allow_null=True, help_text="时延（毫秒）")
    bandwidth_mbps = serializers.IntegerField(help_text="带宽（Mbps）")
    price_yuan_per_month = serializers.CharField(help_text="月租（元/月）")
    kind = serializers.CharField(help_text="dedicated_line / cloud_private_network")
    kind_label = serializers.CharField()


class SourceNodeSerializer(serializers.Serializer):
    prefix = serializers.CharField(help_text="来源节点前缀，如 CN.510000.C15")
    name = serializers.CharField(help_text="来源节点名称")


class ResaleOffersSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="当前有效的转售报价个数")
    lowest_price_yuan = serializers.CharField(
        allow_null=True,
        help_text="最低转售单价（元/计费单位）：取资源自身计费单位的报价；没有该单位的报价时取最低一档计费单位，"
        "不同计费单位之间从不比较",
    )
    billing_unit = serializers.CharField(
        allow_null=True, help_text="最低转售单价的计费单位：card_hour / node_hour / vcpu_hour"
    )
    billing_unit_label = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True, help_text="公开的转售报价列表（按本资源的算力标识筛选）路径")


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    identifier = serializers.CharField(allow_null=True, help_text="算力标识；尚未发放时为空")
    name = serializers.CharField()
    provider = ProviderRefSerializer()
    site = SiteRefSerializer()
    resource_class = serializers.CharField(help_text="general / intelligent / supercomputing / edge")
    resource_class_label = serializers.CharField()
    accelerator_vendor = serializers.CharField()
    accelerator_model = serializers.CharField()
    accelerators_per_node = serializers.IntegerField(help_text="每节点加速卡数（张）")
    node_count = serializers.IntegerField(help_text="节点数（台）")
    total_cards = serializers.IntegerField(help_text="加速卡总数（张）")
    accelerator_memory_gb = serializers.IntegerField(allow_null=True, help_text="每卡显存（GB）")
    cpu_architecture = serializers.CharField()
    cpu_architecture_label = serializers.CharField()
    vcpus_per_node = serializers.IntegerField(allow_null=True)
    memory_gb_per_node = serializers.IntegerField(allow_null=True, help_text="每节点内存（GB）")
    fp16_tflops_per_card = serializers.CharField(allow_null=True, help_text="每卡 FP16 稠密峰值（TFLOPS）")
    fp32_tflops_per_card = serializers.CharField(allow_null=True, help_text="每卡 FP32 峰值（TFLOPS）")
    fp64_tflops_per_card = serializers.CharField(allow_null=True, help_text="每卡 FP64 峰值（TFLOPS）")
    price_yuan = serializers.CharField(help_text="单价（元/计费单位）")
    billing_unit = serializers.CharField(help_text="card_hour / node_hour / vcpu_hour")
    billing_unit_label = serializers.CharField()
    available_units = serializers.IntegerField(help_text="当前可用数量（按计费单位）")
    reliability_percent = serializers.CharField(
        allow_null=True,
        help_text="可靠性（%）：本节点监测的近 30 天在线率减非计划离线扣分，监测不足时为承诺 SLA；未知时为空",
    )
    state = serializers.CharField(help_text="运行状态 online / maintenance / offline")
    state_label = serializers.CharField()
    certifications = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField(allow_null=True, help_text="公开详情页路径（有算力标识时）")
    best_line = BestLineSerializer(allow_null=True, help_text="从 user_city 出发的最佳专线；为空表示没有专线")
    price_performance = serializers.FloatField(
        allow_null=True, help_text="性价比：元/PFLOPS·时（按 price_performance_precision 的精度）；未知时为空"
    )
    price_performance_precision = serializers.CharField(help_text="fp16 / fp32 / fp64")
    source_node = SourceNodeSerializer(allow_null=True, help_text="来源节点（从下级节点同步的记录）；本节点资源为空")
    resale_offers = ResaleOffersSerializer(
        allow_null=True,
        help_text="转售报价摘要：转售调度服务商资格有效、报价在有效期内、资源仍上架的报价；没有时为空",
    )


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    resource_class = FacetValueSerializer(many=True)
    vendor = FacetValueSerializer(many=True)
    model = FacetValueSerializer(many=True)
    province = FacetValueSerializer(many=True)
    cpu_architecture = FacetValueSerializer(many=True)
    state = FacetValueSerializer(many=True)
    price_band = FacetValueSerializer(many=True, help_text="价格区间（元/计费单位），按区间顺序，含 0")
    source = FacetValueSerializer(many=True, help_text="来源节点：local 为本节点，其余为下级节点前缀")


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="符合条件的资源总数")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = FacetsSerializer(help_text="分面计数：每个分面按“除自身外的其他条件”计数")


class SearchErrorSerializer(serializers.Serializer):
    field = serializers.ListField(child=serializers.CharField(), help_text="参数名 → 错误说明（中文）")
