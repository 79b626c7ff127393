"""Roles are Django groups named by the role's value; what a role may do is declared in rules.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申报单位用户")
    MUNICIPAL_REVIEWER = "municipal_reviewer", _("市级初审人员")
    PROVINCIAL_REVIEWER = "provincial_reviewer", _("省级复审人员")
    MINISTRY_REVIEWER = "ministry_reviewer", _("部级评审人员")
    EXPERT = "expert", _("评审专家")
    NODE_OPERATOR = "node_operator", _("节点运营人员")
    PROVIDER = "provider", _("算力资源提供商")
    RESELLER = "reseller", _("算力转售调度服务商")
    LINE_PROVIDER = "line_provider", _("网络线路提供商")
    APP_SERVICE_PROVIDER = "app_service_provider", _("应用服务商")
    EDITOR = "editor", _("内容编辑")
    APPROVER = "approver", _("内容审核发布")


# Roles that act for a government authority (and therefore must belong to one).
AUTHORITY_ROLES = frozenset({Role.MUNICIPAL_REVIEWER, Role.PROVINCIAL_REVIEWER, Role.MINISTRY_REVIEWER})
# Roles that act for an organisation (and therefore must belong to one).
ORGANIZATION_ROLES = frozenset(
    {Role.APPLICANT, Role.PROVIDER, Role.RESELLER, Role.LINE_PROVIDER, Role.APP_SERVICE_PROVIDER}
)
