"""The application form (附件2 / 附件3) as the notice lays it out, its content as plain data, and the checksum of
that content that the generated PDF prints and the stamped scan is checked against.

The checksum is the SHA-256 of the form's content (every field of the table, the construction and operating
entities and the operating-conditions declaration), not of the PDF's bytes: generating the PDF again gives the same
code, and changing any field gives another. Its short form is the first 16 hex digits in groups of four
(``1A2B-3C4D-5E6F-7A8B``), printed in the footer of every page.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from .models import NodeApplication, NodeType

# The operating-conditions declaration (具有运营必要的场地、设备和人员等条件), in the order it is shown.
FACILITY_FIELDS = [
    "facility_site_address",
    "facility_site_tenure",
    "facility_site_area_m2",
    "facility_racks",
    "facility_power_kw",
    "facility_servers",
    "facility_staff_total",
    "facility_staff_technical",
    "facility_staff_security",
    "facility_note",
]
FACILITY_REQUIRED = [name for name in FACILITY_FIELDS if name != "facility_note"]
# Figures that must be at least 1 on submit (racks and power may be 0: a platform hosted in a cloud).
FACILITY_AT_LEAST_ONE = [
    "facility_site_area_m2",
    "facility_servers",
    "facility_staff_total",
    "facility_staff_technical",
    "facility_staff_security",
]

NARRATIVE = ["policy_environment", "basis", "construction_plan", "application_promotion", "safeguard_measures"]
SEAL_UNIT = "需加盖单位公章"


@dataclass(frozen=True)
class Row:
    """One row of the notice's table: the field, its label there and the seal the notice asks for on it."""

    field: str
    label: str
    seal: str = ""


def _entity_rows() -> list[Row]:
    rows = [
        Row("lead_name", "牵头单位名称", SEAL_UNIT),
        Row("lead_address", "牵头单位通讯地址"),
        Row("lead_uscc", "牵头单位组织机构代码或统一社会信用代码"),
    ]
    for n in (1, 2):
        rows += [
            Row(f"joint{n}_name", f"联合申报单位{n}名称", SEAL_UNIT),
            Row(f"joint{n}_uscc", f"联合申报单位{n}组织机构代码或统一社会信用代码"),
            Row(f"joint{n}_address", f"联合申报单位{n}通讯地址"),
        ]
    return rows


CONTACT_ROWS = [
    Row("contact_name", "姓名"),
    Row("contact_gender", "性别"),
    Row("contact_title", "职务"),
    Row("contact_phone", "电话"),
    Row("contact_email", "邮箱"),
]


def layout(node_type: str) -> list[tuple[str, list[Row]]]:
    """The table of 附件2 (regional) or 附件3 (industry), section by section, in the notice's order and words."""
    if node_type == NodeType.REGIONAL:
        head = [
            Row("region", "申报区域", "需加盖省政府公章"),
            Row("applicant_unit", "申报单位", "需加盖地方通信管理局、工业和信息化主管部门公章"),
        ]
        entity = "实施主体（指承接建设、运营的机构，可以联合体形式承接节点接入实施，联合体不可超过3家）"
        contact = "申报单位联系人信息"
    else:
        head = [
            Row("industry", "申报行业", "需加盖省政府公章"),
            Row("recommending_unit", "推荐单位", "需加盖地方工业和信息化主管部门、通信管理局公章"),
            Row("applicant_unit", "申报单位", "需加盖申报单位公章"),
        ]
        entity = "实施主体（可以联合体形式承接节点接入实施，联合体不可超过3家）"
        contact = "联系人信息"
    return [("", head), (entity, _entity_rows()), (contact, CONTACT_ROWS)]


def narrative_labels(node_type: str) -> dict[str, str]:
    return {
        "policy_environment": "一、政策环境",
        "basis": "二、区位基础" if node_type == NodeType.REGIONAL else "二、行业基础",
        "construction_plan": "三、建设方案",
        "application_promotion": "四、应用推广",
        "safeguard_measures": "五、保障措施",
    }


def display(application: NodeApplication, name: str) -> str:
    """A field's value as printed (choices by their label, relations by their name, empty as "")."""
    field = application._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(application, f"get_{name}_display")()) if getattr(application, name) else ""
    value = getattr(application, name)
    return "" if value is None else str(value)


def content(application: NodeApplication) -> dict:
    """What the form says: every printed field, keyed by field name (the input of the checksum)."""
    names = [row.field for _section, rows in layout(application.node_type) for row in rows]
    names += NARRATIVE + ["construction_entity", "operating_entity"] + FACILITY_FIELDS
    data = {"reference": application.reference, "node_type": application.node_type}
    for name in names:
        data[name] = display(application, name)
    return data


def checksum(application: NodeApplication) -> str:
    """SHA-256 (hex) of the form's content."""
    canonical = json.dumps(content(application), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def short_code(digest: str) -> str:
    """The printed form of a checksum: its first 16 hex digits, upper case, in groups of four."""
    head = digest[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, len(head), 4))


def normalise_code(text: str) -> str:
    """A code as typed (spaces, dashes, lower case allowed) in its printed form, or "" when it is not one."""
    hexdigits = re.sub(r"[\s\-–—]", "", text or "").upper()
    if not re.fullmatch(r"[0-9A-F]{16}", hexdigits):
        return ""
    return short_code(hexdigits)


CODE_PATTERN = re.compile(r"\b[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}\b")
MAX_PAGES_READ = 30


def codes_in_pdf(upload) -> list[str]:
    """The checksum codes found in a PDF's text layer (a generated form, or a scan with OCR text), in page order;
    [] for a pure image scan or a file pypdf cannot read. The file has passed the upload check already."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    upload.seek(0)
    found: list[str] = []
    try:
        reader = PdfReader(upload)
        for page in reader.pages[:MAX_PAGES_READ]:
            for code in CODE_PATTERN.findall(page.extract_text() or ""):
                if code not in found:
                    found.append(code)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return []
    finally:
        upload.seek(0)
    return found
