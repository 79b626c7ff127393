"""Demo content of the portal: the home page's introduction, the sections, two notices and a few policy pages.

The notices are the ministry's call for national compute interconnection nodes and Hebei's forwarding
notice (seeds/000); their facts (numbers, dates, conditions, contacts) are kept, the wording is ours.
The dates of issue are not in the source text and are set plausibly before the deadlines.
Idempotent: a page that exists (by slug) is left alone, so a second run writes nothing.
"""

import datetime

from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from organizations.models import Authority

from .models import GuidePage, HomePage, NoticeAttachment, NoticeIndexPage, NoticePage, PolicyIndexPage, PolicyPage
from .services import portal_setup

INTRO = (
    "<p>本节点是国家算力互联互通节点体系（1+M+N）中的区域节点平台：汇聚本区域算力资源，"
    "统一标识、统一标准、统一规则，提供算力选择、需求对接、运行监测与安全保障服务。</p>"
)

PLAN_SUMMARY_TITLE = "国家算力互联互通节点建设方案（要点）"
PLAN_SUMMARY = """国家算力互联互通节点建设方案（要点，本站整理）

一、体系：1个国家节点（已建成发布）+ M个区域节点 + N个行业节点。
二、区域节点的六个核心系统：
  A 算力互联网服务中心；B 算力资源汇聚；C 算力选择；D 算力标识管理；E 算力运行监测；F 安全保障。
  行业节点建设 A、B、C、F，并接入区域节点。
三、参与主体：节点建设运营主体、算力资源提供商、算力转售调度服务商、算力应用服务商、算力专线服务商。
四、工作流程：入网入市（注册认证、获取唯一算力标识并在国家节点备案）、资格获取、资源汇聚、
  互联调度（按算力与网络参数检索）、市场监测（资源、平台、调度、应用四类业务监测，统一上报国家节点）。
申报表：区域节点申报表（附件2）、行业节点申报表（附件3），在本平台“节点申报”中在线填写。
"""


def _p(*paragraphs: str) -> list[tuple[str, str]]:
    return [("paragraph", f"<p>{text}</p>") for text in paragraphs]


def _h(text: str) -> tuple[str, dict]:
    return ("heading", {"text": text, "level": "h2"})


def _ministry_notice_body() -> list:
    return [
        _h("一、总体要求"),
        *_p(
            "依据《算力互联互通行动计划》（工信部信管〔2025〕119号），面向国家枢纽节点、重大战略区域和重点行业"
            "建设算力互联互通节点，形成节点体系，提高公共算力资源的使用效率和服务水平。"
        ),
        _h("二、节点体系与建设内容"),
        *_p(
            "节点体系为“1+M+N”：1个已建成发布的国家算力互联网服务节点，加上M个区域节点和N个行业节点。",
            "区域节点建设统一服务平台，为本区域提供标识注册、互联调度和数据监测等支撑服务，包括算力互联网服务中心、"
            "算力资源汇聚、算力选择、算力标识管理、算力运行监测和安全保障六个系统。",
            "行业节点建设本行业服务平台，提供资源汇聚、算力标识、算力选择等市场化服务，包括服务中心、资源汇聚、"
            "算力选择和安全保障系统，并接入区域节点。",
            "各节点按“统一标识、统一标准、统一规则”运行：通过国家节点获取唯一标识编码，按统一标准建设和对接接口，"
            "按统一规则开展算力交易与互联调度。",
        ),
        _h("三、申报对象与条件"),
        *_p(
            "区域节点由地方通信管理局和工业和信息化主管部门共同申报，每个省级行政区可申报1个。行业节点由地方工业和"
            "信息化主管部门会同通信管理局推荐重点行业单位，以单独或联合体方式申报，每个行业原则上1个。",
            "申报须明确建设主体和运营主体。建设主体注册资金不低于5000万元，并有持续的资金保障能力；运营主体须持有"
            "电信业务经营许可（事业单位除外），具备运营所需的场地、设备和人员，近3年无重大失信记录。",
        ),
        _h("四、材料与评审"),
        *_p(
            "按《国家算力互联互通节点建设方案》填写区域节点或行业节点申报表，报送工业和信息化部（信息通信管理局）。"
            "提供虚假材料的，一经发现不得重新申报。",
            "区域节点由工业和信息化部（信息通信管理局）组织评审；行业节点先由地方通信管理局或工业和信息化主管部门"
            "初审，再报部组织评审。评审通过的节点予以公示。",
        ),
        ("key_dates", [{"date": datetime.date(2026, 4, 1), "label": "申报材料报送工业和信息化部截止"}]),
        _h("五、联系方式"),
        (
            "contacts",
            [
                {"unit": "工业和信息化部信息通信管理局", "person": "郭威", "phone": "010-68206132", "address": ""},
                {"unit": "工业和信息化部信息通信管理局", "person": "崔海洋", "phone": "010-66020747", "address": ""},
                {"unit": "中国信息通信研究院", "person": "蔡钰", "phone": "", "address": ""},
            ],
        ),
    ]


def _hebei_notice_body(ministry_notice: NoticePage) -> list:
    return [
        *_p(
            "我局与省工业和信息化厅将"
            f'<a linktype="page" id="{ministry_notice.pk}">'
            "工业和信息化部办公厅关于组织开展国家算力互联互通节点建设工作的通知</a>"
            "（工信厅信管函〔2026〕35号）转发各有关单位，请据此组织区域节点和行业节点申报。本省要求如下。"
        ),
        _h("一、申报条件"),
        *_p(
            "建设主体注册资金不低于5000万元，能够持续保障项目建设资金。",
            "运营主体持有相关电信业务经营许可（事业单位除外），具备运营所需的场地、设备和人员，近三年无重大失信记录。",
        ),
        _h("二、申报流程"),
        *_p(
            "符合条件的单位按部通知附件准备申报材料，并对材料的真实性负责。区域节点材料报省通信管理局，行业节点材料报"
            "省工业和信息化厅。两部门审核后，按程序推荐报送工业和信息化部。",
            "申报行业节点的单位，须先按国民经济行业分类的工业中类（共207个）确定行业名称，报省工业和信息化厅初审。",
        ),
        (
            "key_dates",
            [
                {"date": datetime.date(2026, 3, 10), "label": "行业节点拟申报行业名称报省工业和信息化厅初审"},
                {"date": datetime.date(2026, 3, 17), "label": "申报材料报送截止"},
            ],
        ),
        _h("三、联系方式与材料递交地址"),
        (
            "contacts",
            [
                {
                    "unit": "河北省通信管理局 信息通信管理处",
                    "person": "李兆洋",
                    "phone": "0311-86699228",
                    "address": "石家庄市裕华区青园街458号",
                },
                {
                    "unit": "河北省工业和信息化厅 软件产业处",
                    "person": "陈希军",
                    "phone": "0311-87905373",
                    "address": "石家庄市新华区和平西路402号",
                },
            ],
        ),
    ]


POLICIES = [
    {
        "slug": "compute-interconnection-action-plan",
        "title": "算力互联互通行动计划",
        "category": "policy",
        "document_number": "工信部信管〔2025〕119号",
        "issuer_display": "工业和信息化部",
        "authority": "工业和信息化部信息通信管理局",
        "issued_on": datetime.date(2025, 5, 30),
        "summary": "国家算力互联互通节点建设工作的依据文件。",
        "body": _p(
            "工业和信息化部印发的行动计划，提出推进算力互联互通、提高公共算力资源使用效率的总体安排，"
            "是组织开展国家算力互联互通节点建设工作的依据。全文以工业和信息化部发布的文本为准。"
        ),
    },
    {
        "slug": "node-system-explained",
        "title": "一图读懂“1+M+N”国家算力互联互通节点体系",
        "category": "interpretation",
        "document_number": "",
        "issuer_display": "本节点平台",
        "authority": None,
        "issued_on": datetime.date(2026, 3, 2),
        "summary": "节点体系的组成、六大核心系统、五类参与主体和五项工作流程。",
        "body": [
            _h("体系组成"),
            *_p("1个国家节点（已建成发布），M个区域节点（每个省级行政区1个），N个行业节点（每个行业原则上1个）。"),
            _h("六大核心系统"),
            *_p(
                "算力互联网服务中心、算力资源汇聚、算力选择、算力标识管理、算力运行监测、安全保障。"
                "行业节点建设其中的服务中心、资源汇聚、算力选择和安全保障，并接入区域节点。"
            ),
            _h("参与主体"),
            *_p(
                "节点建设运营主体；算力资源提供商（通算、智算、超算）；算力转售调度服务商；"
                "算力应用服务商（人工智能应用、科学计算、云手机、云电脑等）；算力专线服务商（云专网等）。"
            ),
            _h("工作流程"),
            *_p(
                "入网入市：提供商注册认证，获取唯一算力标识，在国家节点备案后纳入区域算力标识库。"
                "资格获取：转售调度服务商注册认证后取得转售调度资格。资源汇聚：通过标准接口对接提供商。"
                "互联调度：用户提交需求，服务中心检索算力与网络参数。市场监测：资源、平台、调度、应用四类业务监测，"
                "统一上报国家节点。"
            ),
        ],
    },
    {
        "slug": "node-application-conditions-explained",
        "title": "节点申报条件与材料要求解读",
        "category": "interpretation",
        "document_number": "",
        "issuer_display": "本节点平台",
        "authority": None,
        "issued_on": datetime.date(2026, 3, 5),
        "summary": "建设主体、运营主体的条件，联合体规模，以及申报材料清单。",
        "body": [
            _h("建设主体"),
            *_p("注册资金不低于5000万元，并具备持续的项目建设资金保障能力。"),
            _h("运营主体"),
            *_p("持有相关电信业务经营许可（事业单位除外）；具备运营所需的场地、设备和人员；近3年无重大失信记录。"),
            _h("联合体"),
            *_p("行业节点可由单一单位或联合体申报；联合体由牵头单位和不超过2家联合单位组成。"),
            _h("申报材料"),
            *_p(
                "申报表（区域节点或行业节点）、节点建设方案、法人证明、资金实力证明、电信业务经营许可等资质证书、"
                "信用承诺函、相关业绩证明，有联合体的附联合体协议。电子版提供PDF和可编辑格式。"
            ),
        ],
    },
]


def _plan_document() -> Document:
    document = Document.objects.filter(title=PLAN_SUMMARY_TITLE).first()
    if document is None:
        document = Document(title=PLAN_SUMMARY_TITLE)
        document.file.save("node-construction-plan-summary.txt", ContentFile(PLAN_SUMMARY.encode()), save=False)
        document.save()
    return document


def _authorities(*names: str) -> list[Authority]:
    return list(Authority.objects.filter(name__in=names))


def _add_notice(
    index: NoticeIndexPage, *, slug: str, authorities: list[Authority], **fields
) -> tuple[NoticePage, bool]:
    existing = NoticePage.objects.child_of(index).filter(slug=slug).first()
    if existing is not None:
        return existing.specific, False
    attachments = fields.pop("attachments", [])
    notice = NoticePage(slug=slug, **fields)
    index.add_child(instance=notice)
    notice.issuing_authorities.set(authorities)
    for document in attachments:
        notice.attachments.add(NoticeAttachment(document=document))
    notice.save()
    notice.save_revision().publish()
    return notice, True


def _add_policy(index: PolicyIndexPage, spec: dict) -> bool:
    if PolicyPage.objects.child_of(index).filter(slug=spec["slug"]).exists():
        return False
    fields = {key: value for key, value in spec.items() if key != "authority"}
    policy = PolicyPage(**fields)
    index.add_child(instance=policy)
    if spec["authority"]:
        policy.issuing_authorities.set(_authorities(spec["authority"]))
        policy.save()
    policy.save_revision().publish()
    return True


SICHUAN_GUIDE_SLUG = "sichuan-2026-node-guide"
OPEN_GUIDE_SLUG = "sichuan-demo-node-guide"
GUANGDONG_GUIDE_SLUG = "guangdong-2026-node-guide"
GUANGDONG_GUIDE_INTRO = (
    "<p>国家算力互联互通节点（广东）2026年申报（第一批）同步受理区域节点和行业节点，不设市级初审，"
    "申报材料直接报省级主管部门，经省级复审后报送纸质材料。以下条件、材料、流程和时间均取自本平台的申报批次配置。</p>"
)
OPEN_GUIDE_INTRO = (
    "<p>本批次是演示数据：每次载入演示数据时，受理期按当天日期滚动（本月1日起至下下月月底），"
    "便于在任何日期体验在线申报、审核和专家评审的全过程。条件和流程与四川2026年申报相同。</p>"
)
SICHUAN_GUIDE_INTRO = (
    "<p>国家算力互联互通节点（四川）2026年申报同步受理区域节点（全省1个）和行业节点（电子信息、装备制造、"
    "生物医药、白酒等重点领域）。区域节点上联国家节点、下联省内行业节点；行业节点接入区域节点。"
    "以下条件、流程和时间均取自本平台的申报批次数据。</p>"
)


def _sichuan_guide_body() -> list:
    return [
        _h("材料报送要求"),
        *_p(
            "纸质版一式3份（A4，装订成册，加盖申报单位公章），电子版1份（PDF 和可编辑格式，与纸质版一致），"
            "纸质版和电子版同步报送，逾期未报送的视为自动放弃申报。",
            "申报行业节点的单位同时在国家算力互联网服务平台注册并上传申报材料。",
            "申报单位对材料的真实性、完整性负责；提供虚假材料的，取消申报资格，不得再次申报。",
        ),
        _h("工作要求"),
        *_p(
            "各市（州）经济和信息化局、通信发展办公室做好政策宣贯、组织动员和初审推荐；"
            "申报主体落实网络安全、数据安全和算力安全主体责任。"
        ),
    ]


def _add_guide(
    home: HomePage, *, slug: str, campaign_slug: str, title: str, intro: str, body: list
) -> GuidePage | None:
    """The guide page of a demo campaign (None when the campaign is not seeded)."""
    from workflows.node_application.models import Campaign

    campaign = Campaign.objects.filter(slug=campaign_slug).first()
    if campaign is None or GuidePage.objects.filter(campaign=campaign).exists():
        return None
    if GuidePage.objects.child_of(home).filter(slug=slug).exists():
        return None
    guide = GuidePage(slug=slug, title=title, campaign=campaign, intro=intro, body=body)
    home.add_child(instance=guide)
    guide.save_revision().publish()
    return guide


def _link_campaign(notice: NoticePage, campaign_slug: str) -> None:
    from workflows.node_application.models import Campaign

    if notice.campaign_id is None:
        campaign = Campaign.objects.filter(slug=campaign_slug).first()
        if campaign is not None:
            notice.campaign = campaign
            notice.save_revision().publish()


def seed() -> list[str]:
    lines = []
    home = HomePage.objects.first()
    if home is None:
        return lines
    if home.intro != INTRO:
        home.intro = INTRO
        home.save_revision().publish()
    sections = portal_setup()
    notice_index = NoticeIndexPage.objects.get(pk=sections[0].pk)
    policy_index = PolicyIndexPage.objects.get(pk=sections[1].pk)

    ministry_notice, created = _add_notice(
        notice_index,
        slug="miit-2026-35-node-construction",
        title="工业和信息化部办公厅关于组织开展国家算力互联互通节点建设工作的通知",
        document_number="工信厅信管函〔2026〕35号",
        issued_on=datetime.date(2026, 2, 13),
        issuer_display="工业和信息化部办公厅",
        authorities=_authorities("工业和信息化部信息通信管理局"),
        summary="部署“1+M+N”国家算力互联互通节点建设：区域节点每省1个、行业节点每个行业原则上1个，"
        "申报材料于2026年4月1日前报送工业和信息化部。",
        body=_ministry_notice_body(),
        attachments=[_plan_document()],
    )
    if created:
        lines.append(f"notice: {ministry_notice.title}")
    hebei_notice, created = _add_notice(
        notice_index,
        slug="hebei-2026-4-forwarding",
        title=(
            "河北省通信管理局 河北省工业和信息化厅关于转发"
            "《工业和信息化部办公厅关于组织开展国家算力互联互通节点建设工作的通知》的通知"
        ),
        document_number="冀通信联〔2026〕4号",
        issued_on=datetime.date(2026, 2, 27),
        issuer_display="河北省通信管理局 河北省工业和信息化厅",
        authorities=_authorities("河北省通信管理局", "河北省工业和信息化厅"),
        summary="转发部通知并部署本省申报：行业名称3月10日前报省工业和信息化厅初审，申报材料3月17日前报送。",
        body=_hebei_notice_body(ministry_notice),
    )
    if created:
        lines.append(f"notice: {hebei_notice.title}")
    _link_campaign(hebei_notice, "hb-2026")
    guide = _add_guide(
        home,
        slug=SICHUAN_GUIDE_SLUG,
        campaign_slug="sc-2026",
        title="国家算力互联互通节点（四川）2026年申报指南",
        intro=SICHUAN_GUIDE_INTRO,
        body=_sichuan_guide_body(),
    )
    if guide is not None:
        lines.append(f"guide: {guide.title}")
    guide = _add_guide(
        home,
        slug=GUANGDONG_GUIDE_SLUG,
        campaign_slug="gd-2026",
        title="国家算力互联互通节点（广东）2026年申报指南",
        intro=GUANGDONG_GUIDE_INTRO,
        body=[],
    )
    if guide is not None:
        lines.append(f"guide: {guide.title}")
    guide = _add_guide(
        home,
        slug=OPEN_GUIDE_SLUG,
        campaign_slug="sc-open",
        title="国家算力互联互通节点（四川）演示批次申报指南",
        intro=OPEN_GUIDE_INTRO,
        body=[],
    )
    if guide is not None:
        lines.append(f"guide: {guide.title}")
    for spec in POLICIES:
        if _add_policy(policy_index, spec):
            lines.append(f"policy: {spec['title']}")
    return lines
