"""The security records (system F), taken over from ``monitoring`` without touching the database.

The tables were created by monitoring/migrations/0001_initial.py and keep their names (``db_table``);
this migration only adds the models to this app's state (monitoring 0006 removes them from its own),
and moves their content types, so that the audit trail of a risk (django-auditlog's ``LogEntry``
points at a content type) and any permission granted on these models follow them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ["securityevent", "securityalert", "vulnerabilityscan", "vulnerabilityfinding", "riskassessment"]

STATE = [
    migrations.CreateModel(
        name="SecurityAlert",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            (
                "kind",
                models.CharField(
                    choices=[
                        ("login_failed", "登录失败"),
                        ("lockout", "账号锁定"),
                        ("unlock", "解除锁定"),
                        ("access_denied", "越权访问被拒"),
                        ("api_key_misuse", "接口密钥误用"),
                        ("rate_limited", "触发访问频率限制"),
                        ("alert_sent", "已发送安全告警"),
                    ],
                    max_length=32,
                    verbose_name="类型",
                ),
            ),
            ("event_count", models.PositiveIntegerField(verbose_name="事件数")),
            ("window_minutes", models.PositiveIntegerField(verbose_name="时间窗（分钟）")),
            ("sent_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="发送时间")),
            ("recipients", models.JSONField(default=list, verbose_name="收件人")),
        ],
        options={
            "verbose_name": "安全告警",
            "verbose_name_plural": "安全告警",
            "db_table": "monitoring_securityalert",
            "ordering": ["-sent_at"],
        },
    ),
    migrations.CreateModel(
        name="RiskAssessment",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ("title", models.CharField(max_length=200, verbose_name="风险")),
            ("description", models.TextField(blank=True, verbose_name="描述")),
            (
                "likelihood",
                models.PositiveSmallIntegerField(
                    choices=[(1, "很低"), (2, "低"), (3, "中"), (4, "高"), (5, "很高")], verbose_name="可能性"
                ),
            ),
            (
                "impact",
                models.PositiveSmallIntegerField(
                    choices=[(1, "很低"), (2, "低"), (3, "中"), (4, "高"), (5, "很高")], verbose_name="影响"
                ),
            ),
            (
                "status",
                models.CharField(
                    choices=[
                        ("open", "待处置"),
                        ("mitigating", "处置中"),
                        ("accepted", "已接受"),
                        ("closed", "已关闭"),
                    ],
                    default="open",
                    max_length=16,
                    verbose_name="状态",
                ),
            ),
            ("treatment", models.TextField(blank=True, verbose_name="处置措施")),
            ("review_on", models.DateField(verbose_name="复评日期")),
            ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="登记时间")),
            ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
            (
                "owner",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="owned_risks",
                    to=settings.AUTH_USER_MODEL,
                    verbose_name="责任人",
                ),
            ),
        ],
        options={
            "verbose_name": "风险评估",
            "verbose_name_plural": "风险评估登记",
            "db_table": "monitoring_riskassessment",
            "ordering": ["status", "review_on"],
        },
    ),
    migrations.CreateModel(
        name="VulnerabilityScan",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ("started_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="开始时间")),
            ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="结束时间")),
            (
                "status",
                models.CharField(
                    choices=[
                        ("clean", "未发现问题"),
                        ("findings", "发现问题"),
                        ("incomplete", "未完成（漏洞库不可达）"),
                        ("failed", "执行失败"),
                        ("skipped", "未执行"),
                    ],
                    max_length=16,
                    verbose_name="状态",
                ),
            ),
            (
                "dependency_status",
                models.CharField(
                    choices=[
                        ("clean", "未发现问题"),
                        ("findings", "发现问题"),
                        ("incomplete", "未完成（漏洞库不可达）"),
                        ("failed", "执行失败"),
                        ("skipped", "未执行"),
                    ],
                    max_length=16,
                    verbose_name="依赖漏洞扫描",
                ),
            ),
            (
                "code_status",
                models.CharField(
                    choices=[
                        ("clean", "未发现问题"),
                        ("findings", "发现问题"),
                        ("incomplete", "未完成（漏洞库不可达）"),
                        ("failed", "执行失败"),
                        ("skipped", "未执行"),
                    ],
                    max_length=16,
                    verbose_name="代码安全扫描",
                ),
            ),
            ("tool_versions", models.JSONField(default=dict, verbose_name="工具版本")),
            ("message", models.TextField(blank=True, verbose_name="说明")),
            (
                "triggered_by",
                models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    to=settings.AUTH_USER_MODEL,
                    verbose_name="发起人",
                ),
            ),
        ],
        options={
            "verbose_name": "漏洞扫描",
            "verbose_name_plural": "漏洞扫描",
            "db_table": "monitoring_vulnerabilityscan",
            "ordering": ["-started_at", "-pk"],
        },
    ),
    migrations.CreateModel(
        name="VulnerabilityFinding",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            (
                "tool",
                models.CharField(
                    choices=[("pip-audit", "pip-audit"), ("bandit", "bandit")], max_length=16, verbose_name="工具"
                ),
            ),
            (
                "identifier",
                models.CharField(
                    help_text="漏洞编号（如 PYSEC/GHSA/CVE）或规则编号", max_length=100, verbose_name="编号"
                ),
            ),
            ("severity", models.CharField(blank=True, max_length=16, verbose_name="严重程度")),
            ("package", models.CharField(max_length=300, verbose_name="组件或文件")),
            ("version", models.CharField(blank=True, max_length=50, verbose_name="版本或行号")),
            ("fix_versions", models.CharField(blank=True, max_length=200, verbose_name="修复版本")),
            ("description", models.TextField(blank=True, verbose_name="描述")),
            (
                "scan",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="findings",
                    to="security.vulnerabilityscan",
                ),
            ),
        ],
        options={
            "verbose_name": "扫描发现",
            "verbose_name_plural": "扫描发现",
            "db_table": "monitoring_vulnerabilityfinding",
            "ordering": ["tool", "package", "identifier"],
        },
    ),
    migrations.CreateModel(
        name="SecurityEvent",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            (
                "kind",
                models.CharField(
                    choices=[
                        ("login_failed", "登录失败"),
                        ("lockout", "账号锁定"),
                        ("unlock", "解除锁定"),
                        ("access_denied", "越权访问被拒"),
                        ("api_key_misuse", "接口密钥误用"),
                        ("rate_limited", "触发访问频率限制"),
                        ("alert_sent", "已发送安全告警"),
                    ],
                    max_length=32,
                    verbose_name="类型",
                ),
            ),
            ("occurred_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="发生时间")),
            (
                "username",
                models.CharField(blank=True, help_text="尝试使用的用户名", max_length=150, verbose_name="用户名"),
            ),
            ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP 地址")),
            ("path", models.CharField(blank=True, max_length=500, verbose_name="路径")),
            ("detail", models.TextField(blank=True, verbose_name="详情")),
            (
                "user",
                models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="security_events",
                    to=settings.AUTH_USER_MODEL,
                    verbose_name="用户",
                ),
            ),
        ],
        options={
            "verbose_name": "安全事件",
            "verbose_name_plural": "安全事件",
            "db_table": "monitoring_securityevent",
            "ordering": ["-occurred_at", "-pk"],
            "indexes": [
                models.Index(fields=["kind", "occurred_at"], name="monitoring__kind_fe2878_idx"),
                models.Index(fields=["occurred_at"], name="monitoring__occurre_53d366_idx"),
            ],
        },
    ),
]


def content_types_forward(apps, schema_editor):
    _relabel(apps, schema_editor, source="monitoring", target="security")


def content_types_backward(apps, schema_editor):
    _relabel(apps, schema_editor, source="security", target="monitoring")


def _relabel(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        # A content type for the target made in between (nothing should make one: post_migrate runs after
        # every migration) is left alone with the old one; never delete what rows may point at.
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)
    ContentType.objects.clear_cache()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("monitoring", "0005_delete_tileversion"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=STATE, database_operations=[]),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
