"""Formula injection: a formula planted in every text field a user controls is escaped in every spreadsheet
export the node serves (one escape, catalog.exports.spreadsheet_cell / SpreadsheetCSVWriter).

Exports opened here: the identifier library CSV, the public catalogue CSV and XLSX, the selection CSV, a
provider's own records (import template) CSV and XLSX, the audit-log CSV and the application trail CSV. The
monitoring chart exports are opened by tests/monitoring/test_metrics_dashboards.py (they need roll-ups)."""

import csv
import io

import pytest
from auditlog.context import set_actor
from openpyxl import load_workbook

from catalog import services as catalog_services
from catalog.spreadsheets import FORMULA_START
from search.backends import reset_backends
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory
from tests.factories import OrganizationFactory, UserFactory
from workflows.node_application import services
from workflows.node_application.models import ApplicationEvent

from .factories import at

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","x")'
PLANTED = [FORMULA, "+1+2", "-1+2", "@SUM(A1)", "=1+2.pdf", "＝1+2"]


def cells_of(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]


def assert_no_live_formula(cells: list[str], label: str) -> None:
    live = [cell for cell in cells if cell.startswith(FORMULA_START)]
    assert not live, f"{label}: {live}"
    escaped = {cell for cell in cells if cell.startswith("'")}
    assert escaped, f"{label}: nothing planted reached the export"


def test_every_export_escapes_a_formula_in_every_field(client, sichuan, people):
    organization = OrganizationFactory(name=FORMULA, city_id="510100", province_id="510000")
    provider = ProviderFactory(organization=organization)
    site = SiteFactory(provider=provider, name="+1+2", code="-1+2")
    operator = UserFactory(username="=cmd|' /C calc'!A0", roles=["node_operator"])
    with set_actor(operator):
        resources = [
            ComputeResourceFactory(
                site=site,
                name=planted,
                external_id=planted,
                interconnect=planted,
                accelerator_model="@SUM(A1)",
                certifications=[planted],
            )
            for planted in PLANTED
        ]
    for resource in resources:
        catalog_services.identifier_issue(record=resource, actor=None)
    reset_backends()

    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    for planted in PLANTED:
        ApplicationEvent.objects.create(
            application=application,
            action="material_uploaded",
            action_label=planted,
            actor=people["applicant"],
            actor_unit=planted,
            opinion=planted,
        )

    exports = {}
    client.force_login(operator)
    exports["identifier library CSV"] = client.get("/catalog/identifiers/?format=csv")
    exports["audit log CSV"] = client.get("/security/audit/", {"format": "csv"})
    client.logout()
    exports["catalogue CSV"] = client.get("/catalog/export/csv/")
    exports["catalogue XLSX"] = client.get("/catalog/export/xlsx/")
    exports["selection CSV"] = client.get("/select/export.csv", {"page_size": 50})
    client.force_login(UserFactory(roles=["provider"], organization=organization))
    exports["provider records CSV"] = client.get("/catalog/provider/import/template/resource.csv")
    exports["provider records XLSX"] = client.get("/catalog/provider/import/template/resource.xlsx")
    client.force_login(people["applicant"])
    exports["application trail CSV"] = client.get(f"/applications/{application.reference}/trail.csv")

    cells = {}
    for label, response in exports.items():
        assert response.status_code == 200, label
        assert "attachment" in response.get("Content-Disposition", ""), label
        cells[label] = cells_of(response)
        assert_no_live_formula(cells[label], label)
    assert any(cell.startswith("'" + FORMULA) for cell in cells["audit log CSV"])
    assert "'=1+2.pdf" in cells["application trail CSV"]
    assert "'" + FORMULA in cells["catalogue XLSX"]
