"""The Django admin (/django-admin/) names every section and model in Chinese, third-party apps included
(portal/admin_labels.py), and in English for an operator who chose English."""

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class AdminIndex(HTMLParser):
    """Section captions and model row names of the admin's index page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.where: str | None = None
        self.sections: list[str] = []
        self.models: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self.where = "sections"
        elif tag == "th" and dict(attrs).get("scope") == "row":
            self.where = "models"

    def handle_endtag(self, tag):
        if tag in ("caption", "th"):
            self.where = None

    def handle_data(self, data):
        if self.where and data.strip():
            getattr(self, self.where).append(data.strip())


def _index(client, django_user_model) -> AdminIndex:
    admin = django_user_model.objects.create_superuser(username="root", password="x", email="root@example.cn")
    client.force_login(admin)
    response = client.get("/django-admin/")
    assert response.status_code == 200
    parser = AdminIndex()
    parser.feed(response.content.decode())
    return parser


def test_every_admin_section_and_model_name_is_chinese(client, django_user_model):
    index = _index(client, django_user_model)
    assert len(index.sections) > 15 and len(index.models) > 40
    assert [name for name in index.sections if not HAN.search(name)] == []
    assert [name for name in index.models if not HAN.search(name)] == []
    for chinese in ("审计日志", "登录防护", "后台任务", "双因素认证", "动态口令设备", "工作流"):
        assert chinese in index.sections + index.models


def test_the_third_party_names_read_in_english_under_english():
    from django.apps import apps
    from django.utils import translation

    with translation.override("en"):
        names = {label: str(apps.get_app_config(label).verbose_name) for label in ("auditlog", "axes", "otp_totp")}
        device = str(apps.get_model("otp_totp", "TOTPDevice")._meta.verbose_name_plural)
    assert names == {"auditlog": "Audit log", "axes": "Login protection", "otp_totp": "Two-factor authentication"}
    assert device == "TOTP devices"
