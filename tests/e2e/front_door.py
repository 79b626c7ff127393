"""The front door's steps in a browser, shared by the journeys that start there (a provider's, a reseller's):
sign in, sign up and verify the email, register the organisation by its USCC, the operator certifies it."""

import re

from django.core import mail
from playwright.sync_api import expect

PASSWORD = "Tianfu-Compute-2026!"
OPERATOR_PASSWORD = "Correct-horse-42"  # the test users' password (tests/factories.py)


def sign_in(page, base: str, username: str, password: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_url)))


def sign_up_and_verify(page, base: str, *, username: str, full_name: str, email: str, phone: str) -> None:
    """Sign up from the login page, open the link of the verification mail and sign in: the new person lands on
    their organisation page (no organisation yet)."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="注册账号").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("姓名").fill(full_name)
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("联系电话").fill(phone)
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="请验证电子邮箱")).to_be_visible()

    # the link in the mail signs the account in on the login page
    sent = [message for message in mail.outbox if message.to == [email]]
    link = re.search(r"https?://\S+", sent[-1].body).group(0)
    page.goto(link)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/organization/$"))


def register_organisation(page, *, name: str, uscc: str, legal_representative: str, address: str, role: str) -> None:
    """From the organisation page: register by USCC (a Chengdu enterprise, its licence scan) asking for ``role``
    (the role's label); the page then says it waits for the operator."""
    from tests.accounts.helpers import PDF_BYTES

    page.get_by_role("link", name="为单位办理注册认证").click()
    page.get_by_label("单位名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("单位类型").select_option("enterprise")
    page.get_by_label("法定代表人").fill(legal_representative)
    page.locator("#id_address").fill(address)
    page.get_by_label("所在省份").select_option("510000")
    page.get_by_label("所在城市").select_option("510100")
    page.get_by_label("营业执照扫描件（PDF）").set_input_files(
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="提交注册认证").click()
    page.wait_for_url(re.compile(r"/me/organization/$"))
    expect(page.get_by_text("正在等待节点运营人员认证")).to_be_visible()


def certify_organisation(page, base: str, *, operator: str, name: str, applicant_email: str, check=None) -> None:
    """The operator opens the registration in /certification/ and certifies it; the applicant is mailed.
    ``check(page, name)``, when given, runs on the certification page before the decision is saved."""
    sign_in(page, base, operator, OPERATOR_PASSWORD, "/certification/")
    page.get_by_role("link", name=name).click()
    if check is not None:
        check(page, "certification")
    page.get_by_label("通过认证").check()
    page.get_by_label("已核对营业执照扫描件与法定代表人信息").check()
    page.get_by_label("认证意见").fill("营业执照与法定代表人已人工核对。")
    page.get_by_role("button", name="保存认证结论").click()
    page.wait_for_url(re.compile(r"/certification/$"))
    assert mail.outbox[-1].to == [applicant_email]
