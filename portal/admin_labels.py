"""Chinese names for the third-party apps and models the Django admin lists (/django-admin/).

Their own names are English and either not marked for translation ("Axes", "Tasks Database Backend",
"TOTP device") or missing from their zh_Hans catalogues. The names are set once the app registry is
ready; they are labels only (migrations read a model's original Meta, not these), and the English
admin reads them back in English through locale/en.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

# app label: (the app's section name, {model name: (singular, plural)})
LABELS = {
    "auditlog": (_("审计日志"), {"logentry": (_("日志条目"), _("日志条目"))}),
    "axes": (
        _("登录防护"),
        {
            "accessattempt": (_("登录尝试"), _("登录尝试")),
            "accessfailurelog": (_("登录失败记录"), _("登录失败记录")),
            "accesslog": (_("登录记录"), _("登录记录")),
            "accessattemptexpiration": (_("登录尝试有效期"), _("登录尝试有效期")),
        },
    ),
    "django_tasks_database": (_("后台任务"), {"dbtaskresult": (_("任务结果"), _("任务结果"))}),
    "otp_totp": (_("双因素认证"), {"totpdevice": (_("动态口令设备"), _("动态口令设备"))}),
    "otp_static": (_("双因素认证（备用码）"), {}),
    "viewflow": (_("工作流"), {"process": (_("流程"), _("流程")), "task": (_("任务"), _("任务"))}),
}


def admin_labels_apply() -> None:
    """Give the installed third-party apps and their models the Chinese names above."""
    for app_label, (app_name, models) in LABELS.items():
        config = apps.app_configs.get(app_label)
        if config is None:
            continue
        config.verbose_name = app_name
        for model_name, (singular, plural) in models.items():
            try:
                model = config.get_model(model_name)
            except LookupError:
                continue
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
