"""Telecom business categories (《电信业务分类目录（2015年版）》) used on business licences."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TELECOM_CATEGORIES: dict[str, str] = {  # names in the interface language (lazy)
    "A11": _("固定通信业务"),
    "A12": _("蜂窝移动通信业务"),
    "A13": _("第一类卫星通信业务"),
    "A14": _("第一类数据通信业务"),
    "A21": _("集群通信业务"),
    "A22": _("无线寻呼业务"),
    "A23": _("第二类卫星通信业务"),
    "A24": _("第二类数据通信业务"),
    "A25": _("网络接入设施服务业务"),
    "A26": _("国内通信设施服务业务"),
    "A27": _("网络托管业务"),
    "B11": _("互联网数据中心业务"),
    "B12": _("内容分发网络业务"),
    "B13": _("国内互联网虚拟专用网业务"),
    "B14": _("互联网接入服务业务"),
    "B21": _("在线数据处理与交易处理业务"),
    "B22": _("国内多方通信服务业务"),
    "B23": _("存储转发类业务"),
    "B24": _("呼叫中心业务"),
    "B25": _("信息服务业务"),
    "B26": _("编码和规程转换业务"),
}


def validate_telecom_categories(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("请至少选择一项业务种类。"), code="telecom_categories_empty")
    unknown = [str(code) for code in value if code not in TELECOM_CATEGORIES]
    if unknown:
        raise ValidationError(
            _("未知的电信业务种类代码：%(codes)s"),
            code="telecom_categories_unknown",
            params={"codes": "、".join(unknown)},
        )
