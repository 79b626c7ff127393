"""Requests that travel *down* the network (an upstream node asks a node below it, e.g. to hold capacity).

- ``NodeKey``: on an upstream node, its own Ed25519 key for signing requests to the nodes below it (lookups
  referred down, holds). Made on first use (``federation.node_key``); its public half is handed to every node
  at enrolment (``UpstreamLink.upstream_public_key``).
- ``UpstreamKey``: on a downstream node, an upstream public key fetched later from the enrolled upstream URL
  (a node enrolled before keys were handed over, or after the upstream rotated); a request signed by any
  other key is refused (403).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKey(models.Model):
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    algorithm = models.CharField(_("算法"), max_length=16, default="ed25519")
    public_key = models.CharField(_("公钥（Base64）"), max_length=256)
    private_key = models.CharField(_("私钥（Base64）"), max_length=256)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("本节点下行签名密钥")
        verbose_name_plural = _("本节点下行签名密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key_id


class UpstreamKey(models.Model):
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    algorithm = models.CharField(_("算法"), max_length=16, default="ed25519")
    public_key = models.CharField(_("公钥（Base64）"), max_length=256)
    upstream_prefix = models.CharField(_("上级节点前缀"), max_length=40)
    fetched_at = models.DateTimeField(_("获取时间"), auto_now=True)

    class Meta:
        verbose_name = _("上级节点公钥")
        verbose_name_plural = _("上级节点公钥")
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.upstream_prefix} {self.key_id}"
