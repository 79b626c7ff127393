"""One step of a process as its page shows it: who did what, with which opinion, when. The
registrations (accounts) and the onboarding processes (workflows.onboarding) keep their own tables."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrailEntry(models.Model):
    action = models.CharField(_("事项"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.PROTECT, null=True, blank=True
    )
    opinion = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.action
