"""Shared helpers of the front-door tests: a registration form's data and the upload it needs."""

from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.uscc import make_uscc

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_USCC = make_uscc(division="510100", body="MA6FD001")


def licence_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("licence.pdf", PDF_BYTES, content_type="application/pdf")


def registration_data(**overrides) -> dict:
    data = {
        "name": "成都新前门算力有限公司",
        "uscc": NEW_USCC,
        "kind": "enterprise",
        "registered_capital": "50000000",
        "legal_representative": "王五",
        "address": "成都市高新区天府大道 1 号",
        "province": "510000",
        "city": "510100",
        "licence_scan": licence_pdf(),
        "requested_roles": ["provider"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
