"""An applicant submits an industry node application and follows its status; the city's reviewer
recommends it, both provincial departments approve it (each only inside its jurisdiction), and the
applicant sees the result. Selectors are labels, roles and visible text, not markup details."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e import front_door

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Correct-horse-42"  # tests.factories.UserFactory
PDF = b"%PDF-1.4\n% e2e material\n%%EOF\n"


def docx_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        archive.writestr(
            "[Content_Types].xml", f'<Types><Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def route():
    """An open Sichuan campaign (dates around now), the applicant's organisation, and reviewers of
    Chengdu, Mianyang (another city) and both provincial departments."""
    from tests.catalog.factories import ensure_reference_data
    from tests.workflows.node_application.factories import applicant, authority, eligible_org, reviewer
    from workflows.node_application.models import Campaign

    ensure_reference_data()
    now = timezone.now()
    day = datetime.timedelta(days=1)
    campaign = Campaign.objects.create(
        name="国家算力互联互通节点（四川）端到端测试批次",
        slug="sc-e2e",
        province_id="510000",
        year=now.year + 5,
        opens_at=now - day,
        materials_deadline=now + 10 * day,
        municipal_review_starts_at=now - day,
        municipal_review_ends_at=now + 12 * day,
        provincial_review_starts_at=now - day,
        provincial_review_ends_at=now + 14 * day,
        ministry_deadline=now + 20 * day,
    )
    org = eligible_org("510100", name="天府算力科技有限公司")
    users = {
        "applicant": applicant(org, username="applicant_e2e"),
        "chengdu": reviewer(
            "municipal_reviewer",
            authority("成都市经济和信息化局", "city", "municipal_economy_it", "510100"),
            username="chengdu_e2e",
        ),
        "mianyang": reviewer(
            "municipal_reviewer",
            authority("绵阳市经济和信息化局", "city", "municipal_economy_it", "510700"),
            username="mianyang_e2e",
        ),
        "sc_comms": reviewer(
            "provincial_reviewer",
            authority("四川省通信管理局", "province", "communications_administration", "510000"),
            username="sc_comms_e2e",
        ),
        "sc_industry": reviewer(
            "provincial_reviewer",
            authority("四川省经济和信息化厅", "province", "industry_it", "510000"),
            username="sc_industry_e2e",
        ),
    }
    return {"campaign": campaign, "org": org, **users}


def sign_in(page, base: str, username: str, next_url: str) -> None:
    front_door.sign_in(page, base, username, PASSWORD, next_url)


def next_step(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="保存并下一步").click()


def pick_industry(page, typed: str, option: str) -> None:
    """The 申报行业 picker (Tom Select over the grouped select): type to filter, pick the option."""
    page.get_by_role("combobox", name=re.compile("申报行业")).focus()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option).click()
    # Tom Select gives its input the focus back in a setTimeout(0) after a pick: let it run, or the next fill()
    # can lose its text to the picker when focus moves between fill's focus and its typing
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))")


def fill_form(page, org) -> None:
    """Steps 1 to 4 of the form, each saved with 保存并下一步."""
    steps = [
        {"推荐单位": "成都市经济和信息化局、成都市通信发展办公室"},
        {
            "牵头单位名称": org.name,
            "牵头单位通讯地址": "成都市高新区示例路1号",
            "牵头单位组织机构代码或统一社会信用代码": org.uscc,
            # the operating-conditions declaration
            "运营场地地址": "成都市高新区示例路1号",
            "运营场地面积（平方米）": "1200",
            "可用机架数（个）": "40",
            "供电容量（千瓦）": "800",
            "服务器及网络安全设备（台）": "60",
            "运营人员总数（人）": "35",
            "其中技术人员（人）": "25",
            "其中网络和数据安全人员（人）": "6",
        },
        {"联系人姓名": "王申报", "职务": "项目经理", "电话": "028-12345678", "邮箱": "contact@example.invalid"},
        {
            "一、政策环境": "属于“十五五”发展战略重点行业。",
            "二、行业基础": "已建成万卡级智算中心。",
            "三、建设方案": "建设服务中心、算力资源汇聚、算力选择、安全保障系统。",
            "四、应用推广": "面向电子信息行业推广。",
            "五、保障措施": "配套资金、用地、用电保障。",
        },
    ]
    for number, texts in enumerate(steps, start=1):
        if number == 1:
            pick_industry(page, "计算机制造", "391 计算机制造")
        for label, value in texts.items():
            page.get_by_label(label, exact=True).fill(value)
        if number == 2:
            page.get_by_label("场地权属").select_option(value="leased")
            page.get_by_label("建设主体").select_option(label=org.name)
            page.get_by_label("运营主体").select_option(label=org.name)
        if number == 3:
            page.get_by_label("性别").select_option(value="male")
        next_step(page)


def upload_materials(page) -> None:
    """The materials step: every required file, each from its own inline form."""
    required = page.locator(".material-slot[data-required]").filter(has=page.locator("button.btn-primary"))
    while required.count():
        slot = required.first
        anchor = slot.get_attribute("id")
        if anchor.endswith("-pdf"):
            upload = {"name": "材料.pdf", "mimeType": "application/pdf", "buffer": PDF}
        else:
            upload = {
                "name": "材料.docx",
                "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "buffer": docx_bytes(),
            }
        slot.locator("input[type=file]").set_input_files(upload)
        if slot.locator("input[name=form_code]").count():  # the code printed on the generated form, as shown
            slot.locator("input[name=form_code]").fill(page.locator("[data-form-code]").inner_text())
        slot.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(f"#{anchor}$"))
        page.wait_for_load_state()


def act_on_task(page, base: str, username: str, task_name: str, decision: str, opinion: str) -> None:
    sign_in(page, base, username, "/review/")
    page.get_by_role("link", name=re.compile(task_name)).first.click()
    page.get_by_label(decision, exact=True).check()
    page.get_by_label("意见", exact=True).fill(opinion)
    with page.expect_navigation():
        page.get_by_role("button", name="下一步：确认办理").click()
    with page.expect_navigation():
        page.get_by_role("button", name="确认办理").click()


def test_applicant_submits_and_reviewers_act_within_their_jurisdiction(live_server, page, route):
    from workflows.node_application.models import NodeApplication

    base = live_server.url
    sign_in(page, base, "applicant_e2e", "/applications/")
    page.get_by_role("button", name="新建行业节点申报").click()
    page.wait_for_url(re.compile(r"/applications/[^/]+/edit/$"))
    fill_form(page, route["org"])
    upload_materials(page)
    page.get_by_role("link", name=re.compile("下一步：声明与提交")).click()
    page.get_by_label(re.compile("本单位承诺")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="确认提交").click()
    application = NodeApplication.objects.get(organization=route["org"])
    assert application.stage == "municipal_review"
    page.goto(f"{base}/applications/{application.reference}/")
    expect(page.get_by_text("市级初审推荐中").first).to_be_visible()

    # another city's reviewer does not see it; its page is not found for them
    sign_in(page, base, "mianyang_e2e", "/review/")
    assert page.get_by_role("link", name=application.reference).count() == 0
    assert page.goto(f"{base}/applications/{application.reference}/").status == 404

    # the city recommends it; both provincial departments approve it
    act_on_task(page, base, "chengdu_e2e", "市级初审推荐", "推荐", "同意推荐。")
    application.refresh_from_db()
    assert application.stage == "provincial_review"
    act_on_task(page, base, "sc_comms_e2e", "省级联合复审", "同意", "通信管理局同意。")
    application.refresh_from_db()
    assert application.stage == "provincial_review"  # waits for the other department
    act_on_task(page, base, "sc_industry_e2e", "省级联合复审", "同意", "经济和信息化厅同意。")
    application.refresh_from_db()
    assert application.stage == "ministry_submission"

    # the applicant follows the status: the result and the opinions are on their page
    sign_in(page, base, "applicant_e2e", f"/applications/{application.reference}/")
    expect(page.get_by_text("省级复审通过，待报送工业和信息化部").first).to_be_visible()
    expect(page.get_by_text("同意推荐。").first).to_be_visible()
