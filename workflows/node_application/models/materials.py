"""Materials of an application: kinds, formats, stored files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from .applications import NodeApplication, private_storage


class MaterialKind(models.TextChoices):
    APPLICATION_FORM = "application_form", _("申报书（申报表）")
    CONSTRUCTION_PLAN = "construction_plan", _("节点建设方案")
    LEGAL_PERSON_PROOF = "legal_person_proof", _("法人证明")
    PROOF_OF_FUNDS = "proof_of_funds", _("资金实力证明")
    LICENCES = "licences", _("相关资质证书（电信业务经营许可等）")
    CREDIT_COMMITMENT = "credit_commitment", _("信用承诺函")
    TRACK_RECORD = "track_record", _("相关业绩证明")
    CONSORTIUM_AGREEMENT = "consortium_agreement", _("联合体申报协议")
    FACILITIES_PROOF = "facilities_proof", _("运营条件证明材料（场地、设备、人员）")
    STAMPED_FORM = "stamped_form", _("申报表盖章签字扫描件")


class MaterialFormat(models.TextChoices):
    PDF = "pdf", _("PDF 版")
    EDITABLE = "editable", _("可编辑版（DOC/DOCX/XLSX）")


# Kinds whose editable copy is required (the notice asks for PDF and an editable document).
EDITABLE_REQUIRED = {MaterialKind.APPLICATION_FORM, MaterialKind.CONSTRUCTION_PLAN}

# Kinds every campaign asks for, whether or not its operator listed them: the evidence of the operating conditions
# the notice names, and the stamped, signed scan of the form the node generated (checked by its checksum).
ALWAYS_REQUIRED = {
    MaterialKind.FACILITIES_PROOF: _("场地产权或租赁证明、主要设备清单、运营人员名单及社保缴纳证明，合并为一个 PDF。"),
    MaterialKind.STAMPED_FORM: _(
        "下载本系统生成的申报表 PDF，打印后加盖公章、签字，扫描为 PDF 上传；上传时填写表上打印的校验码。"
    ),
}


class CodeSource(models.TextChoices):
    ENTERED = "entered", _("申报单位上传时填写")
    PDF_TEXT = "pdf_text", _("从扫描件 PDF 文字中读取")


class Material(models.Model):
    application = models.ForeignKey(
        NodeApplication, verbose_name=_("申报"), on_delete=models.CASCADE, related_name="materials"
    )
    kind = models.CharField(_("材料类别"), max_length=32, help_text=_("批次材料清单中的材料代码。"))
    kind_label = models.CharField(_("材料名称"), max_length=128, blank=True, help_text=_("上传时材料清单中的名称。"))
    format = models.CharField(_("格式"), max_length=16, choices=MaterialFormat.choices)
    file = models.FileField(_("文件"), storage=private_storage, upload_to="node_application/materials/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    detected_type = models.CharField(_("识别类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stated_code = models.CharField(
        _("扫描件载明的申报表校验码"), max_length=32, blank=True, help_text=_("仅申报表盖章签字扫描件。")
    )
    code_source = models.CharField(_("校验码来源"), max_length=16, choices=CodeSource.choices, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")
        ordering = ["application", "kind", "format"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "format"], name="material_one_per_kind_format")
        ]

    def __str__(self) -> str:
        opening, closing = pgettext("punctuation", "（"), pgettext("punctuation", "）")
        return f"{self.kind_label or self.kind}{opening}{self.get_format_display()}{closing}"
