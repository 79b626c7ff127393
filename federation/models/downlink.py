"""Requests that travel *down* the network (an upstream node asks a node below it, e.g. to hold capacity).

- ``NodeKey``: on an upstream node, its own key (``NODE_SIGNATURE_ALGORITHM``) for signing requests to the
  nodes below it (lookups referred down, holds). Made on first use (``federation.node_key``); its public half
  is handed to every node at enrolment (``UpstreamLink.upstream_public_key``) and published with the other
  keys still valid (``GET /api/v1/federation/node-key/``). The operator rotates it (``node_key_rotate``): the
  old key stops signing at once (``revoked_at``) and stays valid below until ``retires_at`` (the overlap).
  The private key is sealed at rest (``FEDERATION_SEALING_KEYS``, infra/sealing.py).
- ``UpstreamKey``: on a downstream node, the upstream's published keys, re-read when unknown or stale
  (federation/upstream_keys.py); a request signed by any other key, or by a key past its ``retires_at``, is
  refused (403).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.sealing import SealedTextField

SEALING_KEYS = "FEDERATION_SEALING_KEYS"


class NodeKey(models.Model):
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    algorithm = models.CharField(_("算法"), max_length=16, default="ed25519")
    public_key = models.CharField(_("公钥（Base64）"), max_length=256)
    private_key = SealedTextField(_("私钥（加密存储）"), keys_setting=SEALING_KEYS)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    # after a rotation: the nodes below accept this key until then (the overlap window)
    retires_at = models.DateTimeField(_("过渡期截止"), null=True, blank=True)

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
    retires_at = models.DateTimeField(_("过渡期截止"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("获取时间"), auto_now=True)

    class Meta:
        verbose_name = _("上级节点公钥")
        verbose_name_plural = _("上级节点公钥")
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.upstream_prefix} {self.key_id}"
