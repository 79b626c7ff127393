"""The ministry submission package: a ZIP of the form (PDF and JSON), the joint opinion and every material."""

import datetime
import hashlib
import io
import json
import zipfile

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import form_content
from ..models import (
    NodeApplication,
)
from .common import FORM_FIELDS
from .pdf import application_form_pdf


def application_form_data(application: NodeApplication) -> dict:
    """The form (附件2 / 附件3) as plain data, for the package and the API."""
    data = {
        "reference": application.reference,
        "node_type": application.node_type,
        "title": application.title,
        "campaign": application.campaign.name,
        "region": str(application.region) if application.region_id else "",
        "industry": str(application.industry) if application.industry_id else "",
    }
    for field in FORM_FIELDS:
        if field == "industry":
            continue
        value = getattr(application, field)
        data[field] = str(value) if value is not None else ""
    data["form_checksum_sha256"] = form_content.checksum(application)
    return data


def build_submission_package(application: NodeApplication, *, now: datetime.datetime) -> tuple[bytes, str]:
    """A ZIP of every material, the form as PDF and JSON, the joint opinion and a manifest with SHA-256 checksums."""
    buffer = io.BytesIO()
    entries = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, content: bytes, description: str) -> None:
            archive.writestr(name, content)
            entries.append(
                {
                    "path": name,
                    "description": description,
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
            )

        add(
            "application_form.json",
            json.dumps(application_form_data(application), ensure_ascii=False, indent=2).encode(),
            "申报表",
        )
        add("application_form.pdf", application_form_pdf(application, generated_at=now), "申报表（PDF）")
        add("joint_opinion.txt", application.joint_opinion.encode(), "省级复审意见")
        for material in application.materials.order_by("kind", "format"):
            with material.file.open("rb") as handle:
                content = handle.read()
            if hashlib.sha256(content).hexdigest() != material.sha256:
                raise ValidationError(_("材料 %(m)s 的校验值与上传时不一致，请核查。") % {"m": material})
            add(f"materials/{material.kind}-{material.format}.{material.detected_type}", content, str(material))
        manifest = {
            "reference": application.reference,
            "generated_at": timezone.localtime(now).isoformat(),
            "files": entries,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    content = buffer.getvalue()
    return content, hashlib.sha256(content).hexdigest()
