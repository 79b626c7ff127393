"""The service center's front door: an organisation's registration and certification (注册认证),
requests to join a registered organisation, and who administers an organisation's people.

A registration holds what the applicant declared until the node operator certifies it; only then is
the ``Organization`` created, so an uncertified organisation exists nowhere else in the node (no
catalogue, no jurisdiction lists, no roles) and its registrant can do nothing but complete it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.fields import USCCField
from organizations.models import OrganizationKind, TrailEntry
from organizations.roles import Role

# The roles an organisation may ask for when it registers (and its people when they join).
REQUESTABLE_ROLES = [Role.PROVIDER, Role.RESELLER, Role.LINE_PROVIDER, Role.APP_SERVICE_PROVIDER, Role.APPLICANT]
REQUESTABLE_ROLE_CHOICES = [(role.value, role.label) for role in REQUESTABLE_ROLES]


def private_storage():
    return storages["private"]


class RegistrationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待认证")
    MORE_INFO = "more_info", _("待补充材料")
    APPROVED = "approved", _("已认证")
    REJECTED = "rejected", _("不予认证")


OPEN_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.MORE_INFO)


class OrganizationRegistration(models.Model):
    """One organisation's registration, from submission to the operator's decision."""

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("注册人"), on_delete=models.PROTECT, related_name="registrations"
    )
    name = models.CharField(_("单位名称"), max_length=128)
    uscc = USCCField(_("统一社会信用代码"))
    kind = models.CharField(_("单位类型"), max_length=32, choices=OrganizationKind.choices)
    registered_capital = models.DecimalField(
        _("注册资本（元）"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=64)
    address = models.CharField(_("地址"), max_length=255)
    province = models.ForeignKey(
        "organizations.Division", verbose_name=_("所在省份"), on_delete=models.PROTECT, related_name="+"
    )
    city = models.ForeignKey(
        "organizations.Division",
        verbose_name=_("所在城市"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    licence_scan = models.FileField(
        _("营业执照扫描件（PDF）"), storage=private_storage, upload_to="registrations/licences/%Y/%m/"
    )
    telecom_licence_number = models.CharField(_("电信业务经营许可证编号"), max_length=64, blank=True)
    telecom_categories = models.JSONField(_("许可业务种类"), default=list, blank=True)
    telecom_valid_until = models.DateField(_("许可证有效期至"), null=True, blank=True)
    requested_roles = models.JSONField(_("申请的角色"), default=list)
    status = models.CharField(
        _("状态"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.SUBMITTED
    )
    verification_backend = models.CharField(_("核验方式"), max_length=64, blank=True)
    verification_detail = models.TextField(_("核验结果说明"), blank=True)
    opinion = models.TextField(_("认证意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认证人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("认证后的单位"),
        on_delete=models.PROTECT,
        related_name="registration",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("单位注册认证")
        verbose_name_plural = _("单位注册认证")
        ordering = ["-submitted_at"]
        constraints = [
            # one open registration per code at a time
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(status__in=["submitted", "more_info"]),
                name="registration_one_open_per_uscc",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def division_code(self) -> str:
        return self.city_id or self.province_id

    @property
    def requested_role_labels(self) -> list[str]:
        return [str(Role(value).label) for value in self.requested_roles if value in Role.values]


class RegistrationEvent(TrailEntry):
    """One step of a registration, shown on its page: who did what, with which opinion."""

    registration = models.ForeignKey(
        OrganizationRegistration, verbose_name=_("注册认证"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(TrailEntry.Meta):
        verbose_name = _("注册认证记录")
        verbose_name_plural = _("注册认证记录")


class JoinStatus(models.TextChoices):
    PENDING = "pending", _("待单位管理员审批")
    APPROVED = "approved", _("已加入")
    REJECTED = "rejected", _("未同意")


class JoinRequest(models.Model):
    """A signed-up person asking to join an organisation already certified here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="join_requests"
    )
    requested_roles = models.JSONField(_("申请的角色"), default=list)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=JoinStatus.choices, default=JoinStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("加入单位申请")
        verbose_name_plural = _("加入单位申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="join_one_pending_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization}"

    @property
    def requested_role_labels(self) -> list[str]:
        return [str(Role(value).label) for value in self.requested_roles if value in Role.values]


class OrganizationAdministrator(models.Model):
    """A person who manages their organisation's people and API keys (单位管理员)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="administers"
    )
    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="administrators"
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("单位管理员")
        verbose_name_plural = _("单位管理员")

    def __str__(self) -> str:
        return f"{self.user} · {self.organization}"


class Invitation(models.Model):
    """An administrator invites a person by email; whoever signs up (or is signed up) with that verified
    address may accept it from their organisation page."""

    organization = models.ForeignKey(
        "organizations.Organization", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("电子邮箱"))
    roles = models.JSONField(_("单位内角色"), default=list)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("邀请人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接受人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("加入单位邀请")
        verbose_name_plural = _("加入单位邀请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(value).label) for value in self.roles if value in Role.values]
