"""Issue 15's acceptance walk: every role signs in with its demo account and visits the pages of its day at
1366 px and at 390 px, in one browser against one server (the ASGI application, as daphne serves it).

Every page visited is saved as a screenshot under var/e2e-walk/ (printed at the end) and checked: no sideways
scrolling at 390 px, no serious or critical axe findings, no console errors, and on Chinese pages no raw field
names or English sentences (tests/e2e/conftest.py: ``text_faults``). Every irreversible action on the way
(submit, withdraw, review decisions, accepting a plan, an expert's score) must show its confirmation page
first: the walk stops there and checks that nothing changed.

The faults of all pages are gathered and reported together, so one run lists everything to fix.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from organizations.demo import DEMO_PASSWORD
from tests.e2e.conftest import LAYOUT_CHECKS, WIDTHS, keep_screenshot, text_faults

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("E2E_WALK_DIR") or Path(settings.BASE_DIR) / "var" / "e2e-walk")
# Links that are not a page of the day to read: sign-out, the language switch, the CMS (its own part of the walk)
# and the API documentation (Swagger UI, a developer tool in English).
SKIP_LINKS = ("/accounts/logout/", "/cms/", "/i18n/", "/api/")
# Faults found and not fixed yet; the walk fails on anything else. The audit log (/security/audit/) prints some
# stored codes as they are: the material codes of a campaign's configurable materials list, which the
# operator types (材料代码) and the audit entry shows beside the material's name.
KNOWN_FAULTS = {
    ("security-audit", f"raw field name: {kind}")
    for kind in (
        "application_form",
        "construction_plan",
        "credit_commitment",
        "facilities_proof",
        "legal_person_proof",
        "proof_of_funds",
        "stamped_form",
        "track_record",
    )
}


class Walk:
    """One browser page at one width; ``look`` checks the page now shown and keeps its screenshot."""

    def __init__(self, page, base: str, width: int, axe_violations, faults: dict, visited: list):
        self.page, self.base, self.width = page, base, width
        self.axe, self.faults, self.visited = axe_violations, faults, visited

    def go(self, role: str, name: str, url: str, **checks) -> None:
        self.page.console_errors.clear()
        self.page.goto(self.base + url if url.startswith("/") else url)
        self.look(role, name, **checks)

    def look(self, role: str, name: str, *, chinese_text: bool = True) -> None:
        page = self.page
        page.wait_for_load_state("load")
        slug = re.sub(r"[^\w-]+", "-", f"{role}-{name}").strip("-")
        path = SHOTS / f"{slug}-{self.width}.png"
        keep_screenshot(page, path)
        self.visited.append(path.name)
        found = []
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            found.append(f"scrolls sideways by {overflow} px")
        found += self.axe(page)
        found += [f"console: {error[:160]}" for error in page.console_errors]
        if chinese_text:
            found += text_faults(page, allowed=frozenset({role}))  # the account's own user name on /me/
        found = [fault for fault in found if (name, fault) not in KNOWN_FAULTS]
        if found:
            self.faults[f"{slug} @{self.width} {page.url.removeprefix(self.base)}"] = found
        page.console_errors.clear()

    def sign_in(self, username: str) -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(f"{self.base}/accounts/login/?next=/me/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/me/$"))
        self.look(username, "me")

    def entry_points(self, username: str) -> None:
        """The start page's work cards, each visited in turn."""
        if not self.page.url.endswith("/me/"):
            self.page.goto(self.base + "/me/")
        links = self.page.locator("ul.cards a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        for href in links:
            if not any(part in href for part in SKIP_LINKS):
                self.go(username, href.strip("/").replace("/", "-") or "home", href)

    def first_href(self, selector: str) -> str | None:
        locator = self.page.locator(selector)
        return locator.first.get_attribute("href") if locator.count() else None


def _confirmation_shown(walk: Walk, heading: str) -> bool:
    return walk.page.locator("h1").first.inner_text().startswith(heading)


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["desktop", "phone"][: len(WIDTHS)])
def test_every_role_walks_its_day_at_desktop_and_phone_widths(asgi_server, browser, axe_violations, width, height):
    """One test per width (the same walk at each): pytest-xdist runs the two on both workers."""
    from django.contrib.contenttypes.models import ContentType

    from organizations.models import User
    from tests.workflows.node_application.factories import fill
    from workflows.demand.models import Demand
    from workflows.node_application import services
    from workflows.node_application.demo import OPEN_CAMPAIGN_SLUG
    from workflows.node_application.models import Campaign, ExpertScore, NodeApplication

    # Content type ids cached by this worker may be stale: an earlier transactional test flushed the tables
    # and they were recreated with other ids (the CMS home then finds Wagtail's workflow task under the wrong
    # type and warns, which the test settings make an error).
    ContentType.objects.clear_cache()
    call_command("seed_demo", quiet=True)
    from search.backends import reset_backends

    reset_backends()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"*-{width}.png"):  # this width's only: the other may be walking on another worker
        old.unlink()
    # a filled draft in the campaign that is always open (the demo has none), to reach the submit confirmation
    applicant = User.objects.get(username="applicant")
    campaign = Campaign.objects.get(slug=OPEN_CAMPAIGN_SLUG)
    draft = services.application_create(campaign=campaign, node_type="industry", actor=applicant)
    fill(draft, applicant, now=timezone.now())

    faults: dict[str, list[str]] = {}
    visited: list[str] = []
    unconfirmed: list[str] = []
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda m, p=page: p.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e, p=page: p.console_errors.append(str(e)))
    walk = Walk(page, asgi_server, width, axe_violations, faults, visited)

    # visitor: the public pages of the header's navigation, a notice and the selection page
    page.context.clear_cookies()
    walk.go("visitor", "home", "/")
    for href in walk.page.locator("header nav a").evaluate_all("a => a.map(x => x.getAttribute('href'))"):
        if href and href.startswith("/") and href != "/" and not any(p in href for p in SKIP_LINKS):
            walk.go("visitor", href.strip("/").replace("/", "-"), href)
    walk.go("visitor", "select-filtered", "/select/?resource_class=intelligent&user_city=510100")
    walk.go("visitor", "publicity", "/publicity/")

    # applicant with a draft: the form's first and last steps; 确认提交 without the declaration ticked
    # shows the confirmation page; nothing is submitted
    walk.sign_in("applicant")
    walk.go("applicant", "edit", f"/applications/{draft.reference}/edit/")
    walk.go("applicant", "edit-submit", f"/applications/{draft.reference}/edit/submit/")
    page.get_by_role("button", name=re.compile("确认提交")).first.click()
    walk.look("applicant", "submit-confirm")
    if not _confirmation_shown(walk, "确认提交申报"):
        unconfirmed.append("submit")
    assert NodeApplication.objects.get(pk=draft.pk).stage == "draft"

    # applicant with a submitted application: the list, its status page, the withdraw confirmation
    walk.entry_points("applicant")
    submitted = NodeApplication.objects.filter(  # one that may still be withdrawn
        organization=applicant.organization, stage__in=("returned", "name_prereview", "municipal_review")
    )[0]
    walk.go("applicant", "status", f"/applications/{submitted.reference}/")
    stage = submitted.stage
    page.get_by_role("link", name=re.compile("撤回申报")).first.click()
    walk.look("applicant", "withdraw-confirm")
    if not _confirmation_shown(walk, "确认撤回申报"):
        unconfirmed.append("withdraw")
    assert NodeApplication.objects.get(pk=submitted.pk).stage == stage

    # reviewers: the inbox, the done tab, a task, a decision up to its confirmation
    for reviewer in ("reviewer_chengdu", "reviewer_sc_comms", "reviewer_sc_industry", "reviewer_ministry"):
        walk.sign_in(reviewer)
        walk.entry_points(reviewer)
        walk.go(reviewer, "inbox-done", "/review/?tab=done")
        page.goto(asgi_server + "/review/")  # looked at as an entry point already
        task_href = walk.first_href("a[href*='/review/tasks/']")
        if task_href is None:
            unconfirmed.append(f"{reviewer}: no task in the demo inbox")
            continue
        walk.go(reviewer, "task", task_href)
        radios = page.locator("input[name=decision]")
        if radios.count() == 0:
            continue  # a task that waits on something else first (experts' scores): nothing to decide yet
        before = {a.pk: a.stage for a in NodeApplication.objects.all()}
        for choice in range(radios.count()):  # a decision refused at the form (进入公示 before enough expert
            radios = page.locator("input[name=decision]")  # scores) shows its reason there; the next one is tried
            radios.nth(choice).check()
            page.get_by_label("意见", exact=True).fill("材料齐全，同意。")
            page.get_by_role("button", name="下一步：确认办理").click()
            refused = page.locator("form .invalid-feedback, form .error").count() > 0
            if _confirmation_shown(walk, "确认办理") or not refused:
                break
            walk.look(reviewer, f"task-refused-{choice}")
        walk.look(reviewer, "task-confirm")
        if not _confirmation_shown(walk, "确认办理"):
            unconfirmed.append(f"{reviewer}: decision")
        assert {a.pk: a.stage for a in NodeApplication.objects.all()} == before

    # expert: the assignments, an application, the score up to its confirmation
    walk.sign_in("expert1")
    walk.entry_points("expert1")
    page.goto(asgi_server + "/review/expert/")
    score_href = walk.first_href("a[href$='#score']")
    if score_href:
        walk.go("expert1", "application", score_href)
        scores = ExpertScore.objects.count()
        page.locator("#score input[name=score]").fill("86")
        page.locator("#score textarea").first.fill("方案可行，建议通过。")
        page.locator("#score button").click()
        walk.look("expert1", "score-confirm")
        if not _confirmation_shown(walk, "确认提交评分"):
            unconfirmed.append("expert score")
        assert ExpertScore.objects.count() == scores
    else:
        unconfirmed.append("expert1: nothing to score in the demo")

    # demand user: the demands, one with offered plans, accepting a plan up to its confirmation
    walk.sign_in("applicant_mianyang")
    walk.entry_points("applicant_mianyang")
    demand = Demand.objects.filter(user__username="applicant_mianyang", matches__state="offered").first()
    if demand:
        walk.go("applicant_mianyang", "demand", f"/demands/{demand.pk}/")
        status = demand.status
        page.get_by_role("button", name=re.compile("选择此方案")).first.click()
        walk.look("applicant_mianyang", "accept-confirm")
        if not _confirmation_shown(walk, "确认选择方案"):
            unconfirmed.append("accept a plan")
        assert Demand.objects.get(pk=demand.pk).status == status
    else:
        unconfirmed.append("applicant_mianyang: no demand with an offered plan in the demo")

    # provider and operator: their start page's work
    for username in ("provider", "operator"):
        walk.sign_in(username)
        walk.entry_points(username)

    # editor and approver in the CMS (Wagtail's admin: its remaining English is reported, not asserted)
    for username in ("editor", "approver"):
        walk.sign_in(username)
        walk.go(username, "cms", "/cms/", chinese_text=False)
        walk.go(username, "cms-pages", "/cms/pages/", chinese_text=False)
    context.close()

    report = [f"{page}: {fault}" for page, found in sorted(faults.items()) for fault in found]
    (SHOTS / f"faults-{width}.txt").write_text("\n".join(report + unconfirmed) + "\n", encoding="utf-8")
    kept = f"{len(visited)} screenshots in {SHOTS}" if LAYOUT_CHECKS else f"{len(visited)} pages (no screenshots kept)"
    print(f"\n{kept}; faults in {SHOTS / f'faults-{width}.txt'}")
    assert unconfirmed == []
    assert faults == {}
