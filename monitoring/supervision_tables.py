"""The tables of the 属地监管 pages (monitoring/supervision.py), declared once, rendered by the design system."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

TEMPLATE = "django_tables2/bootstrap5-responsive.html"
ATTRS = {"class": "table table-sm table-hover align-middle"}
# secondary columns: not on phones (390 px), where the table would otherwise squeeze every column
WIDE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}
WIDE_END = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell text-end"}}


class NodeTable(tables.Table):
    name = tables.Column(verbose_name=_("行业节点"), accessor="node__name", orderable=False)
    prefix = tables.Column(verbose_name=_("节点前缀"), accessor="node__prefix", orderable=False, attrs=WIDE)
    via = tables.Column(
        verbose_name=_("经由区域节点"), accessor="node__via__name", default="—", orderable=False, attrs=WIDE
    )
    state = tables.Column(verbose_name=_("状态"), accessor="node", orderable=False)
    records = tables.Column(verbose_name=_("在列资源"), orderable=False, attrs=WIDE_END)
    filings = tables.Column(verbose_name=_("备案标识"), orderable=False, attrs=WIDE_END)
    last_report = tables.DateColumn(verbose_name=_("最近运行报告"), format="Y-m-d", default="—", orderable=False)
    events = tables.Column(verbose_name=_("安全事件"), orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta:
        template_name = TEMPLATE
        attrs = ATTRS
        empty_text = _("辖区内暂无已接入的行业节点。")

    def render_name(self, value, record):
        url = reverse("monitoring:supervision-node", kwargs={"prefix": record["node"].prefix})
        return format_html('<a href="{}">{}</a>', url, value)

    def render_state(self, value, record):
        css = "text-bg-success" if value.state == "active" else "text-bg-danger"
        return format_html('<span class="badge {}">{}</span>', css, value.get_state_display())

    def render_filings(self, value, record):
        if record["revoked"]:
            return format_html(
                "{} <small class='text-body-secondary'>({} {})</small>", value, _("已注销"), record["revoked"]
            )
        return value

    def render_events(self, value, record):
        if value:
            return format_html('<span class="badge text-bg-warning">{}</span>', value)
        return value


class SyncedRecordTable(tables.Table):
    identifier = tables.Column(verbose_name=_("算力标识"))
    name = tables.Column(verbose_name=_("名称"), accessor="snapshot__name", default="—", orderable=False)
    provider = tables.Column(
        verbose_name=_("服务商"), accessor="snapshot__provider", default="—", orderable=False, attrs=WIDE
    )
    price = tables.Column(
        verbose_name=_("单价（元）"), accessor="snapshot__price_yuan", default="—", orderable=False, attrs=WIDE_END
    )
    available = tables.Column(
        verbose_name=_("可用数量"), accessor="snapshot__available_units", default="—", orderable=False, attrs=WIDE_END
    )
    removed = tables.BooleanColumn(verbose_name=_("已下架"), yesno=(_("是"), _("否")))
    received_at = tables.DateTimeColumn(verbose_name=_("同步时间"), format="Y-m-d H:i", attrs=WIDE)

    class Meta:
        template_name = TEMPLATE
        attrs = ATTRS
        empty_text = _("该节点尚未同步目录记录。")

    def render_identifier(self, value, record):
        if record.source_url:
            return format_html('<a href="{}" rel="external"><code>{}</code></a>', record.source_url, value)
        return format_html("<code>{}</code>", value)


class FilingTable(tables.Table):
    identifier = tables.Column(verbose_name=_("算力标识"))
    name = tables.Column(verbose_name=_("名称"), accessor="payload__name", default="—", orderable=False, attrs=WIDE)
    division = tables.Column(
        verbose_name=_("区划"), accessor="payload__division_code", default="—", orderable=False, attrs=WIDE
    )
    state = tables.Column(verbose_name=_("状态"))
    received_at = tables.DateTimeColumn(verbose_name=_("报送时间"), format="Y-m-d H:i")
    acknowledged_at = tables.DateTimeColumn(verbose_name=_("国家节点确认"), format="Y-m-d H:i", default="—", attrs=WIDE)

    class Meta:
        template_name = TEMPLATE
        attrs = ATTRS
        order_by = ("-received_at",)
        empty_text = _("该节点尚未报送算力标识。")

    def render_identifier(self, value):
        return format_html("<code>{}</code>", value)

    def render_state(self, value, record):
        return record.get_state_display()


class ReportTable(tables.Table):
    report_date = tables.DateColumn(verbose_name=_("报告日期"), format="Y-m-d")
    resources = tables.Column(
        verbose_name=_("算力资源"), accessor="payload__resource__resources", default="—", orderable=False, attrs=WIDE
    )
    available = tables.Column(
        verbose_name=_("可用加速卡（张）"), accessor="payload__resource__available_cards", default="—", orderable=False
    )
    received_at = tables.DateTimeColumn(verbose_name=_("接收时间"), format="Y-m-d H:i")
    deliveries = tables.Column(verbose_name=_("送达次数"), attrs=WIDE_END)

    class Meta:
        template_name = TEMPLATE
        attrs = ATTRS
        order_by = ("-report_date",)
        empty_text = _("尚未收到该节点的运行报告。")


class EventTable(tables.Table):
    occurred_at = tables.DateTimeColumn(verbose_name=_("发生时间"), format="Y-m-d H:i:s")
    kind = tables.Column(verbose_name=_("类型"), attrs=WIDE)
    ip_address = tables.Column(verbose_name=_("IP 地址"), default="—", attrs=WIDE)
    path = tables.Column(verbose_name=_("接口"), orderable=False, attrs=WIDE)
    detail = tables.Column(verbose_name=_("详情"), orderable=False, attrs={"td": {"class": "text-break"}})

    class Meta:
        template_name = TEMPLATE
        attrs = ATTRS
        order_by = ("-occurred_at",)
        empty_text = _("该节点的请求没有被拒记录。")

    def render_kind(self, value, record):
        return record.get_kind_display()
