"""The operating-conditions declaration and the stamped scan of the generated form: what the applicant must
complete before submit, and what the reviewer is told about the scan.

What is verified, and what is not: the node checks that the code the scan states (typed in by the applicant, or
found in the PDF's text layer) equals the checksum of the form as submitted. It cannot read an image: for a scan
without text the reviewer compares the code printed on the scan with the one shown here, and looks at the seals.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import form_content
from ..models import CodeSource, Material, MaterialFormat, MaterialKind, NodeApplication


def facility_problems(application: NodeApplication) -> dict[str, list[str]]:
    """Field-level errors of the declaration on submit (its format is checked on every save by the model)."""
    errors: dict[str, list[str]] = {}
    for name in form_content.FACILITY_REQUIRED:
        value = getattr(application, name)
        if value in (None, ""):
            errors[name] = [_("提交前请填写此项。")]
        elif name in form_content.FACILITY_AT_LEAST_ONE and value < 1:
            errors[name] = [_("须大于 0。")]
    return errors


def stated_code(*, upload, fmt: str, entered: str) -> tuple[str, str]:
    """(code, source) of a stamped scan being uploaded: the code in its PDF text when there is one, else the code
    the applicant typed; refused when there is neither."""
    if fmt != MaterialFormat.PDF:
        raise ValidationError({"format": _("申报表盖章签字扫描件请上传 PDF 版。")})
    found = form_content.codes_in_pdf(upload)
    if found:
        return found[0], CodeSource.PDF_TEXT
    code = form_content.normalise_code(entered)
    if entered and not code:
        raise ValidationError(
            {"form_code": _("校验码应为 16 位十六进制字符，如 1A2B-3C4D-5E6F-7A8B（见申报表每页页脚）。")}
        )
    if not code:
        raise ValidationError({"form_code": _("请填写扫描件上打印的申报表校验码（见申报表每页页脚）。")})
    return code, CodeSource.ENTERED


def _scan(application: NodeApplication) -> Material | None:
    return next(
        (
            m
            for m in application.materials.all()
            if m.kind == MaterialKind.STAMPED_FORM and m.format == MaterialFormat.PDF
        ),
        None,
    )


def stamped_form_problem(application: NodeApplication) -> str:
    """Why the stamped scan does not fit the form about to be submitted ("" when it does or is not uploaded yet:
    a missing scan is reported with the missing materials)."""
    scan = _scan(application)
    if scan is None:
        return ""
    current = form_content.short_code(form_content.checksum(application))
    if scan.stated_code != current:
        return _(
            "申报表盖章签字扫描件的校验码（%(scan)s）与当前申报表（%(current)s）不一致：申报表在打印盖章后又有修改。"
            "请重新下载申报表 PDF，盖章签字后重新上传扫描件。"
        ) % {"scan": scan.stated_code or "—", "current": current}
    return ""


@dataclass(frozen=True)
class SealStatus:
    """What the reviewer reads about the stamped scan."""

    form_code: str  # of the form as submitted ("" if submitted before checksums were recorded)
    scan: Material | None
    matches: bool

    @property
    def scan_code(self) -> str:
        return self.scan.stated_code if self.scan else ""

    @property
    def verified_from_text(self) -> bool:
        return bool(self.scan) and self.scan.code_source == CodeSource.PDF_TEXT


def seal_status(application: NodeApplication) -> SealStatus:
    # the form as it stands while the applicant may edit it, else as it was (last) submitted
    digest = form_content.checksum(application) if application.is_editable else application.form_checksum
    code = form_content.short_code(digest) if digest else ""
    scan = _scan(application)
    return SealStatus(form_code=code, scan=scan, matches=bool(scan and code and scan.stated_code == code))
