"""The portal's look, imported by base.py: the government frame every public page shows (the region in the
header, the footer's 主办/承办单位, contact and record numbers) and the design system's settings
(django-bootstrap5 on the vendored Bootstrap, django-tables2's template)."""

import environ
from django.utils.functional import lazy
from django.utils.translation import gettext_noop

_env = environ.Env()

# The government portal's frame (header and footer of every public page; README "Portal frame"): the region in
# the header, and the fields a Chinese government website shows in its footer. Demo defaults; set them per site.
NODE_REGION_NAME = _env.str(
    "NODE_REGION_NAME", default="" if _env.str("NODE_ROLE", default="regional") == "national" else gettext_noop("四川")
)
PORTAL_FRAME = {
    "sponsor": _env.str("PORTAL_SPONSOR", default=gettext_noop("四川省经济和信息化厅")),  # 主办单位
    "organizer": _env.str("PORTAL_ORGANIZER", default=gettext_noop("四川省算力互联互通节点运营中心")),  # 承办单位
    "contact_phone": _env.str("PORTAL_CONTACT_PHONE", default="028-86000000"),
    "contact_email": _env.str("PORTAL_CONTACT_EMAIL", default="service@node.example.cn"),
    "address": _env.str("PORTAL_ADDRESS", default=gettext_noop("四川省成都市")),
    "icp": _env.str("PORTAL_ICP", default="蜀ICP备00000000号-1"),  # ICP备案号, links to beian.miit.gov.cn
    "public_security": _env.str("PORTAL_PUBLIC_SECURITY", default="川公网安备51010000000000号"),  # 公安备案号
    "site_code": _env.str("PORTAL_SITE_CODE", default="5100000000"),  # 政府网站标识码
}


def _static_url(path: str):
    """The URL of one of our static files, resolved when a page renders (the manifest's hashed name
    in production): a lazy string, because settings load before the static storage exists."""
    from django.templatetags.static import static

    return static(path)


_lazy_static = lazy(_static_url, str)

# Design system: django-bootstrap5 renders forms, alerts and pagination; its CSS and JS tags point at the
# vendored copy (never a CDN). django-tables2 renders sortable tables with its Bootstrap 5 template.
BOOTSTRAP5 = {
    "css_url": {"url": _lazy_static("vendor/bootstrap/bootstrap.min.css")},
    "javascript_url": {"url": _lazy_static("vendor/bootstrap/bootstrap.bundle.min.js"), "defer": True},
    "set_placeholder": False,
    "required_css_class": "is-required",
    "error_css_class": "has-error",
}
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}
