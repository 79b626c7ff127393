"""Demo organisations, authorities and one account per role. Idempotent: keyed by natural keys.

The generated organisations are fictional (their names end in （示例）); their USCCs are built
with the real check characters so that every form accepts them. The four real codes from
shared/data/uscc.md are included as reference organisations with no accounts.
"""

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from .models import Authority, Division, Organization, TelecomLicence, User
from .roles import Role
from .uscc import make_uscc

DEMO_PASSWORD = "Node-demo-2026!"

REAL_ORGANIZATIONS = [
    ("比亚迪股份有限公司", "91440300192317458F", "440000", None),
    ("宁德时代新能源科技股份有限公司", "91350900587527783P", "350000", None),
    ("华为技术有限公司", "914403001922038216", "440000", None),
    ("中航重机股份有限公司", "91520000214434146R", "520000", None),
]


@dataclass(frozen=True)
class DemoOrganization:
    key: str
    name: str
    city: str
    body: str
    kind: str = "enterprise"
    capital: int = 100_000_000
    licence: tuple[str, ...] = ()

    @property
    def uscc(self) -> str:
        prefix = ("1", "2") if self.kind == "public_institution" else ("9", "1")
        return make_uscc(authority=prefix[0], entity_type=prefix[1], division=self.city, body=self.body)


DEMO_ORGANIZATIONS = [
    DemoOrganization(
        "tianfu", "四川天府算力科技有限公司（示例）", "510100", "MA61TF01", capital=200_000_000, licence=("B11", "B21")
    ),
    DemoOrganization(
        "mianyang", "绵阳科创智算有限公司（示例）", "510700", "MA67MY02", capital=60_000_000, licence=("B11",)
    ),
    DemoOrganization(
        "jibei", "河北冀北数据中心有限公司（示例）", "130100", "MA0HBJB3", capital=150_000_000, licence=("B11", "B12")
    ),
    DemoOrganization(
        "yuezhi", "广东粤智算力有限公司（示例）", "440100", "MA5GD007", capital=120_000_000, licence=("B11", "B14")
    ),
    DemoOrganization(
        "shuwang",
        "四川蜀网线路通信有限公司（示例）",
        "510100",
        "MA62WX04",
        capital=80_000_000,
        licence=("A25", "B13", "B14"),
    ),
    DemoOrganization(
        "reseller", "成都算力调度服务有限公司（示例）", "510100", "MA63DD05", capital=30_000_000, licence=("B21",)
    ),
    DemoOrganization("apps", "四川智算应用服务有限公司（示例）", "510100", "MA64YY06", capital=20_000_000),
    DemoOrganization(
        "operator", "四川省算力互联网运营中心（示例）", "510100", "45098712", kind="public_institution", capital=0
    ),
]

DEMO_AUTHORITIES = [
    ("工业和信息化部信息通信管理局", "ministry", "ministry_ict", None),
    ("四川省通信管理局", "province", "communications_administration", "510000"),
    ("四川省经济和信息化厅", "province", "industry_it", "510000"),
    ("成都市经济和信息化局", "city", "municipal_economy_it", "510100"),
    ("成都市通信发展办公室", "city", "municipal_communications_office", "510100"),
    ("绵阳市经济和信息化局", "city", "municipal_economy_it", "510700"),
    ("绵阳市通信发展办公室", "city", "municipal_communications_office", "510700"),
    ("河北省通信管理局", "province", "communications_administration", "130000"),
    ("河北省工业和信息化厅", "province", "industry_it", "130000"),
    ("石家庄市工业和信息化局", "city", "municipal_economy_it", "130100"),
    ("广东省通信管理局", "province", "communications_administration", "440000"),
    ("广东省工业和信息化厅", "province", "industry_it", "440000"),
]

# username, full name, role, organisation key or authority name
DEMO_USERS = [
    ("applicant", "王申报", Role.APPLICANT, "org:tianfu"),
    ("applicant_mianyang", "李绵阳", Role.APPLICANT, "org:mianyang"),
    ("applicant_hebei", "赵冀北", Role.APPLICANT, "org:jibei"),
    ("applicant_guangdong", "邓粤智", Role.APPLICANT, "org:yuezhi"),
    ("reviewer_chengdu", "陈成都", Role.MUNICIPAL_REVIEWER, "auth:成都市经济和信息化局"),
    ("reviewer_chengdu_comms", "周通信", Role.MUNICIPAL_REVIEWER, "auth:成都市通信发展办公室"),
    ("reviewer_mianyang", "刘绵阳", Role.MUNICIPAL_REVIEWER, "auth:绵阳市经济和信息化局"),
    ("reviewer_mianyang_comms", "杨绵通", Role.MUNICIPAL_REVIEWER, "auth:绵阳市通信发展办公室"),
    ("reviewer_shijiazhuang", "孙石家庄", Role.MUNICIPAL_REVIEWER, "auth:石家庄市工业和信息化局"),
    ("reviewer_sc_comms", "吴川通", Role.PROVINCIAL_REVIEWER, "auth:四川省通信管理局"),
    ("reviewer_sc_industry", "郑川经", Role.PROVINCIAL_REVIEWER, "auth:四川省经济和信息化厅"),
    ("reviewer_hb_comms", "冯冀通", Role.PROVINCIAL_REVIEWER, "auth:河北省通信管理局"),
    ("reviewer_hb_industry", "钱冀工", Role.PROVINCIAL_REVIEWER, "auth:河北省工业和信息化厅"),
    ("reviewer_gd_comms", "梁粤通", Role.PROVINCIAL_REVIEWER, "auth:广东省通信管理局"),
    ("reviewer_gd_industry", "陆粤工", Role.PROVINCIAL_REVIEWER, "auth:广东省工业和信息化厅"),
    ("reviewer_ministry", "郭部审", Role.MINISTRY_REVIEWER, "auth:工业和信息化部信息通信管理局"),
    ("expert1", "何专家", Role.EXPERT, None),
    ("expert2", "高专家", Role.EXPERT, None),
    ("expert3", "林专家", Role.EXPERT, None),
    ("operator", "罗运营", Role.NODE_OPERATOR, "org:operator"),
    ("provider", "黄提供", Role.PROVIDER, "org:tianfu"),
    ("provider_hebei", "许冀算", Role.PROVIDER, "org:jibei"),
    ("reseller", "谢转售", Role.RESELLER, "org:reseller"),
    ("line_provider", "韩线路", Role.LINE_PROVIDER, "org:shuwang"),
    ("app_provider", "唐应用", Role.APP_SERVICE_PROVIDER, "org:apps"),
    ("editor", "宋编辑", Role.EDITOR, "org:operator"),
    ("approver", "董审核", Role.APPROVER, "org:operator"),
]


def _seed_organizations() -> dict[str, Organization]:
    for name, uscc, province, city in REAL_ORGANIZATIONS:
        Organization.objects.update_or_create(
            uscc=uscc, defaults={"name": name, "kind": "enterprise", "province_id": province, "city_id": city}
        )
    organizations = {}
    for demo in DEMO_ORGANIZATIONS:
        organization, _ = Organization.objects.update_or_create(
            uscc=demo.uscc,
            defaults={
                "name": demo.name,
                "kind": demo.kind,
                "registered_capital": Decimal(demo.capital).quantize(Decimal("0.01")),
                "province_id": demo.city[:2] + "0000",
                # the reference data holds the cities of Sichuan and Hebei only; elsewhere the province alone
                "city_id": demo.city if Division.objects.filter(code=demo.city).exists() else None,
                "address": f"{demo.name.removesuffix('（示例）')}示例地址",
            },
        )
        if demo.licence:
            TelecomLicence.objects.update_or_create(
                number=f"B1-2024{demo.body[-4:]}",
                defaults={"organization": organization, "categories": list(demo.licence), "valid_until": "2029-12-31"},
            )
        organizations[demo.key] = organization
    return organizations


def _seed_authorities() -> dict[str, Authority]:
    authorities = {}
    for name, level, department, division in DEMO_AUTHORITIES:
        authority, _ = Authority.objects.update_or_create(
            name=name, defaults={"level": level, "department": department, "division_id": division}
        )
        authorities[name] = authority
    return authorities


def _seed_users(organizations: dict[str, Organization], authorities: dict[str, Authority]) -> list[tuple[str, str]]:
    # Every demo account has the same published password: hash it once (a hash costs about a second
    # of CPU at Django's iteration count) and give new accounts that hash.
    password = functools.cache(lambda: make_password(DEMO_PASSWORD))
    accounts = []
    for username, full_name, role, affiliation in DEMO_USERS:
        kind, _, key = (affiliation or "").partition(":")
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "email": f"{username}@demo.node.invalid",
                "organization": organizations.get(key) if kind == "org" else None,
                "authority": authorities.get(key) if kind == "auth" else None,
            },
        )
        if created:
            user.password = password()
            user.save(update_fields=["password"])
        user.groups.set([Group.objects.get(name=role.value)])
        accounts.append((username, str(role.label)))
    admin, created = User.objects.update_or_create(
        username="admin",
        defaults={
            "full_name": "系统管理员",
            "is_staff": True,
            "is_superuser": True,
            "email": "admin@demo.node.invalid",
        },
    )
    if created:
        admin.password = password()
        admin.save(update_fields=["password"])
    accounts.append(("admin", "超级管理员"))
    return accounts


def seed() -> list[str]:
    """Create or refresh the demo data; returns the lines that tell people how to sign in."""
    organizations = _seed_organizations()
    authorities = _seed_authorities()
    accounts = _seed_users(organizations, authorities)
    lines = [f"Demo accounts (password for all: {DEMO_PASSWORD})"]
    lines += [f"  {username:<24} {role}" for username, role in accounts]
    return lines
