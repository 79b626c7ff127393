"""Where each role starts its work: the entry points listed on a signed-in user's start page."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from infra.node_systems import node_has_system
from organizations.roles import ORGANIZATION_ROLES, Role
from organizations.selectors import user_roles


@dataclass(frozen=True)
class EntryPoint:
    label: str
    url_name: str
    roles: frozenset[Role]
    permission: str = ""  # when set, the user must also hold it (e.g. a regulator's authority kind)
    in_nav: bool = False  # the role's daily work list: also linked from the main navigation
    system: str = ""  # when set, listed only on a node that runs this system (infra/node_systems.py)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


REVIEWERS = frozenset({Role.MUNICIPAL_REVIEWER, Role.PROVINCIAL_REVIEWER, Role.MINISTRY_REVIEWER})
PROVIDERS = frozenset({Role.PROVIDER, Role.LINE_PROVIDER, Role.APP_SERVICE_PROVIDER})

ENTRY_POINTS = [
    EntryPoint(_("我的节点申报"), "node_application:list", frozenset({Role.APPLICANT}), in_nav=True),
    EntryPoint(_("审核待办"), "node_application:inbox", REVIEWERS, in_nav=True),
    EntryPoint(_("专家评审任务"), "node_application:expert_inbox", frozenset({Role.EXPERT}), in_nav=True),
    EntryPoint(_("接口密钥（标准接口接入）"), "catalog:api-keys", PROVIDERS),
    EntryPoint(_("注册认证审核"), "accounts:queue", frozenset({Role.NODE_OPERATOR}), in_nav=True),
    EntryPoint(_("算力标识库"), "catalog:identifier-library", frozenset({Role.NODE_OPERATOR}), system="D"),
    EntryPoint(_("安全运营"), "security:security", frozenset({Role.NODE_OPERATOR})),
    EntryPoint(_("审计日志"), "security:audit-log", frozenset({Role.NODE_OPERATOR})),
    EntryPoint(_("双因素认证"), "security:otp-setup", REVIEWERS | {Role.EXPERT, Role.NODE_OPERATOR}),
    EntryPoint(_("内容管理"), "wagtailadmin_home", frozenset({Role.EDITOR, Role.APPROVER})),
    EntryPoint(_("我的算力需求"), "demand:list", ORGANIZATION_ROLES),
    EntryPoint(_("调度确认"), "demand:scheduling-list", frozenset({Role.PROVIDER, Role.RESELLER})),
    EntryPoint(_("入网入市与资格认证"), "onboarding:inbox", PROVIDERS | {Role.RESELLER, Role.NODE_OPERATOR}),
    EntryPoint(_("批量导入资源"), "catalog:provider-import", PROVIDERS),
    EntryPoint(_("接口快速上手（推送资源状态）"), "catalog:api-quickstart", PROVIDERS),
    EntryPoint(
        _("运行监测"),
        "monitoring:metrics",
        frozenset({Role.NODE_OPERATOR, Role.PROVINCIAL_REVIEWER, Role.MINISTRY_REVIEWER}),
        permission="monitoring.view_metrics",
        system="E",
    ),
]


def nav_entry_points_for(*, user) -> list[EntryPoint]:
    """The signed-in user's daily work lists, for the main navigation."""
    return [entry for entry in entry_points_for(user=user) if entry.in_nav]


def entry_points_for(*, user) -> list[EntryPoint]:
    held = set(user_roles(user=user))
    return [
        entry
        for entry in ENTRY_POINTS
        if entry.roles & held
        and (not entry.permission or user.has_perm(entry.permission))
        and (not entry.system or node_has_system(entry.system))
    ]
