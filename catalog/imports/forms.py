"""The providers' upload form (validation only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from infra.archives import archive_check

from .readers import FileError, guess_format

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # about 200,000 rows of CSV
KIND_CHOICES = [("resource", _("算力资源")), ("line", _("网络线路")), ("app", _("应用服务"))]
XLSX_MAGIC = b"PK\x03\x04"


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("记录类型"), choices=KIND_CHOICES, initial="resource")
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8 或 GBK）或 XLSX，第一行为表头；不超过 50 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            fmt = guess_format(upload.name)
        except FileError as error:
            raise forms.ValidationError(str(error)) from None
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 50 MB，请拆分后分批导入，或使用命令行导入。"))
        head = upload.read(4)
        upload.seek(0)
        if fmt == "xlsx" and head != XLSX_MAGIC:
            raise forms.ValidationError(_("这不是有效的 XLSX 文件。"))
        if fmt == "csv" and head.startswith(XLSX_MAGIC):
            raise forms.ValidationError(_("文件内容是 XLSX，请将扩展名改为 .xlsx。"))
        if fmt == "xlsx":
            archive_check(upload, purpose="spreadsheet")  # a decompression bomb is refused before it is stored
        upload.import_format = fmt
        return upload
