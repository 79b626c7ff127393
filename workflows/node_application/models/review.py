"""Ministry review records (expert assignments and scores, publicity objections) and the process proxy."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from .applications import NodeApplication, Stage


class ExpertAssignment(models.Model):
    """The ministry names the experts of one application; only they see it in expert review and score it."""

    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="expert_assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("指派人"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评审专家指派")
        verbose_name_plural = _("评审专家指派")
        ordering = ["assigned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="expert_assigned_once")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.expert}"


class ExpertScore(models.Model):
    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="expert_scores"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("评审意见"), blank=True)
    scored_at = models.DateTimeField(_("评分时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        ordering = ["scored_at"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="expert_scores_once")]

    def __str__(self) -> str:
        return f"{self.expert} {self.score}"


class Objection(models.Model):
    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="objections"
    )
    lodged_by = models.CharField(_("异议人"), max_length=128)
    content = models.TextField(_("异议内容"))
    lodged_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["lodged_at"]

    def __str__(self) -> str:
        return f"{self.lodged_by}: {self.content[:30]}"


class NodeApplicationProcess(Process):
    """The Viewflow process of one application; branch conditions of ``NodeApplicationFlow`` read it.

    ``data`` keeps the last action taken on the process: ``{"decision": ..., "actor": pk, "at": iso}``.
    """

    class Meta:
        proxy = True
        verbose_name = _("节点申报流程")
        verbose_name_plural = _("节点申报流程")

    @property
    def application(self) -> NodeApplication:
        return self.node_application

    @property
    def decision(self) -> str:
        return (self.data or {}).get("decision", "")

    @property
    def requests_name_prereview(self) -> bool:
        return self.decision == "request_name_prereview"

    @property
    def needs_municipal_review(self) -> bool:
        return self.application.stage == Stage.MUNICIPAL_REVIEW

    @property
    def rules(self):
        from ..campaign_rules import rules_for

        return rules_for(self.application)

    @property
    def municipal_review_by_all(self) -> bool:
        return self.rules.municipal_review_mode == "all"

    @property
    def provincial_review_by_all(self) -> bool:
        return self.rules.provincial_review_mode == "all"

    @property
    def resubmitted_to_national_registration(self) -> bool:
        """A resubmission after the province returned the national-platform registration goes back to it."""
        return self.application.stage == Stage.NATIONAL_REGISTRATION

    @property
    def needs_national_registration(self) -> bool:
        return self.rules.national_registration_for(self.application.node_type)

    @property
    def needs_paper_copies(self) -> bool:
        """The campaign asks for paper copies and no reviewer has registered their receipt yet."""
        return self.rules.has_paper_copies and self.application.paper_copies_received_on is None

    @property
    def recommended(self) -> bool:
        return self.decision == "recommend"

    @property
    def returned(self) -> bool:
        return self.decision == "return"

    @property
    def approved(self) -> bool:
        return self.decision in {"approve", "publicize", "pass", "accept"}
