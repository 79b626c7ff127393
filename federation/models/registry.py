"""The node registry (on an upstream node) and this node's own enrolment (on a downstream node).

- ``Peer``: a downstream node enrolled here (role, name, prefix, public URL, state). The per-peer sync
  cursor of the catalogue sync will hang off this model.
- ``PeerKey``: a peer's public keys (Ed25519 or SM2, ``algorithm``); exactly one is live, rotation revokes
  the older ones.
- ``EnrolmentCode``: a one-time code issued by this node's operator; only its SHA-256 is stored.
- ``SeenNonce``: nonces of signed requests inside the timestamp window (replay protection).
- ``UpstreamLink``: on the downstream side, the result of ``node_enrol`` (upstream URL, allocated
  prefix, key id and private key, sealed at rest with ``FEDERATION_SEALING_KEYS``). One row at most.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.sealing import SealedTextField


class PeerRole(models.TextChoices):
    REGIONAL = "regional", _("区域节点")
    INDUSTRY = "industry", _("行业节点")


class PeerState(models.TextChoices):
    ACTIVE = "active", _("已接入")
    REVOKED = "revoked", _("已吊销")


class Peer(models.Model):
    name = models.CharField(_("节点名称"), max_length=128)
    role = models.CharField(_("节点角色"), max_length=16, choices=PeerRole.choices)
    prefix = models.CharField(_("节点前缀"), max_length=40, unique=True)
    url = models.URLField(_("节点地址"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=PeerState.choices, default=PeerState.ACTIVE)
    # a node registered below one of this node's peers (relayed upward), reached through that peer
    via = models.ForeignKey(
        "self", verbose_name=_("经由节点"), null=True, blank=True, on_delete=models.CASCADE, related_name="below"
    )
    enrolled_at = models.DateTimeField(_("接入时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("下级节点")
        verbose_name_plural = _("下级节点")
        ordering = ["prefix"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    # what a request authenticated as this node carries in ``request.auth``: security.throttles reads it
    # (without importing federation) to leave node-to-node calls to their signature, not to rate limits
    is_node = True

    def covers(self, prefix: str) -> bool:
        """Is ``prefix`` this peer's own prefix or one under it (an industry node below a regional one)?"""
        return prefix == self.prefix or prefix.startswith(self.prefix + ".")


class PeerKey(models.Model):
    peer = models.ForeignKey(Peer, verbose_name=_("节点"), on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    algorithm = models.CharField(_("算法"), max_length=16, default="ed25519")
    public_key = models.CharField(_("公钥（Base64）"), max_length=256)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("节点公钥")
        verbose_name_plural = _("节点公钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key_id


class EnrolmentCode(models.Model):
    code_sha256 = models.CharField(_("接入码摘要"), max_length=64, unique=True)
    role = models.CharField(_("节点角色"), max_length=16, choices=PeerRole.choices)
    prefix = models.CharField(_("分配前缀"), max_length=40)
    name = models.CharField(_("节点名称"), max_length=128)
    # set for a re-enrolment (credential rotation) of an existing peer
    peer = models.ForeignKey(Peer, verbose_name=_("节点"), null=True, blank=True, on_delete=models.CASCADE)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接入码")
        verbose_name_plural = _("接入码")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.role})"


class SeenNonce(models.Model):
    key_id = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="seen_nonce_unique")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.nonce}"


class UpstreamLink(models.Model):
    url = models.URLField(_("上级节点地址"))
    upstream_prefix = models.CharField(_("上级节点前缀"), max_length=40)
    upstream_name = models.CharField(_("上级节点名称"), max_length=128)
    prefix = models.CharField(_("本节点前缀"), max_length=40)
    role = models.CharField(_("本节点角色"), max_length=16, choices=PeerRole.choices)
    key_id = models.CharField(_("密钥标识"), max_length=64)
    algorithm = models.CharField(_("算法"), max_length=16, default="ed25519")
    private_key = SealedTextField(_("私钥（加密存储）"), keys_setting="FEDERATION_SEALING_KEYS")
    enrolled_at = models.DateTimeField(_("接入时间"))
    # the upstream's own key (its NodeKey, models/downlink.py), given at enrolment: requests it sends down are
    # verified with it
    upstream_key_id = models.CharField(_("上级节点密钥标识"), max_length=64, blank=True)
    upstream_public_key = models.CharField(_("上级节点公钥（Base64）"), max_length=256, blank=True)
    upstream_key_algorithm = models.CharField(_("上级节点密钥算法"), max_length=16, default="ed25519")
    # when this node last read the upstream's published keys (federation/upstream_keys.py); until the first
    # read, the key handed over at enrolment is the one it knows
    upstream_keys_checked_at = models.DateTimeField(_("上级节点公钥核对时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上级节点接入")
        verbose_name_plural = _("上级节点接入")

    def __str__(self) -> str:
        return f"{self.prefix} → {self.upstream_prefix} ({self.url})"
