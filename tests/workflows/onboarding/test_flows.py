"""The onboarding processes end to end through their pages, for every role, including the denials."""

import datetime
import io

import pytest
from django.utils import timezone
from viewflow.workflow import PROCESS, STATUS
from viewflow.workflow.models import Task

from catalog.models import Identifier, ListingState, NetworkLine, OnboardingState, Provider, Site
from federation.models import OutboxMessage
from organizations.roles import Role
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory
from tests.factories import OrganizationFactory
from workflows.onboarding import selectors
from workflows.onboarding.flows import LineProviderOnboardingFlow, ProviderOnboardingFlow, ResellerQualificationFlow
from workflows.onboarding.models import (
    ApplicationSite,
    LineApplication,
    OnboardingEvent,
    ProviderApplication,
    ResellerApplication,
    ResellerQualification,
)

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-horse-42"


@pytest.fixture(autouse=True)
def networked(settings):
    """A node in the network: identifiers are filed upward and listed after the national acknowledgement."""
    settings.UPSTREAM_NODE_URL = "http://national.invalid"


@pytest.fixture
def operator(make_user):
    return make_user(Role.NODE_OPERATOR, username="op", organization=OrganizationFactory(name="运营中心"))


@pytest.fixture
def provider_user(make_user, chengdu_org):
    return make_user(Role.PROVIDER, username="prov", organization=chengdu_org)


@pytest.fixture
def other_provider_user(make_user, mianyang_org):
    return make_user(Role.PROVIDER, username="other", organization=mianyang_org)


def login(client, user):
    client.force_login(user)
    return client


def start_url(key):
    return f"/onboarding/{key}/start/"


def process_url(key, process):
    return f"/onboarding/{key}/{process.pk}/"


def task_url(key, task):
    return f"/onboarding/{key}/{task.process_id}/tasks/{task.pk}/"


def open_task(process, name):
    return Task.objects.get(
        process=process, flow_task=getattr(process.flow_class, name), status__in=["NEW", "ASSIGNED"]
    )


def provider_form(**extra):
    data = {
        "is_resource_provider": "on",
        "licences": "B1-20250001",
        "contact_name": "张三",
        "contact_phone": "028-12345678",
        "sites-TOTAL_FORMS": "2",
        "sites-INITIAL_FORMS": "0",
        "sites-MIN_NUM_FORMS": "0",
        "sites-MAX_NUM_FORMS": "10",
        "sites-0-name": "天府数据中心",
        "sites-0-city": "510100",
        "sites-0-address": "成都市高新区",
    }
    data.update(extra)
    return data


def apply_as_provider(client, user):
    response = login(client, user).post(start_url("provider"), provider_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    application = ProviderApplication.objects.get(organization=user.organization)
    return application.process.coerced


# --- provider onboarding 入网入市 -------------------------------------------------------------


def test_provider_onboarding_end_to_end(
    client, provider_user, other_provider_user, operator, django_capture_on_commit_callbacks
):
    provider = ProviderFactory(organization=provider_user.organization, onboarding_state=OnboardingState.APPLIED)
    resource = ComputeResourceFactory(site=SiteFactory(provider=provider), listing_state=ListingState.PENDING)

    assert login(client, provider_user).get(start_url("provider")).status_code == 200
    process = apply_as_provider(client, provider_user)
    application = process.request
    assert application.is_resource_provider and application.contact_name == "张三"
    assert ApplicationSite.objects.get(application=application).city_id == "510100"
    assert Provider.objects.get(pk=provider.pk).onboarding_state == OnboardingState.APPLIED
    certify = open_task(process, "certify")

    # the applicant sees the process but cannot certify; another organisation sees nothing
    assert client.get(process_url("provider", process)).status_code == 200
    assert client.post(task_url("provider", certify), {"decision": "approve"}).status_code == 403
    login(client, other_provider_user)
    assert client.get(process_url("provider", process)).status_code == 404
    assert client.post(task_url("provider", certify), {"decision": "approve"}).status_code == 404
    assert Task.objects.get(pk=certify.pk).status == STATUS.NEW

    # the node operator finds the task in the inbox and approves
    login(client, operator)
    assert task_url("provider", certify) in client.get("/onboarding/").content.decode()
    assert client.get(task_url("provider", certify)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(task_url("provider", certify), {"decision": "approve", "opinion": "材料齐全"})
    assert response.status_code == 302

    provider.refresh_from_db()
    assert provider.onboarding_state == OnboardingState.CERTIFIED and provider.certified_at is not None
    assert Site.objects.filter(provider=provider, name="天府数据中心", city_id="510100").exists()
    resource.refresh_from_db()
    assert resource.listing_state == ListingState.APPROVED
    identifier = Identifier.objects.get(resource=resource)
    assert identifier.state == "issued"
    message = OutboxMessage.objects.get()
    assert message.payload["identifier"] == identifier.code and message.status == "pending"
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    actions = list(OnboardingEvent.objects.filter(process=process).values_list("action", flat=True))
    assert actions[0] == "提交入网入市申请" and actions[1] == "通过"
    assert any(action.startswith("发放算力标识 1") for action in actions)
    assert any(action.startswith("提交国家节点备案 1") for action in actions)
    assert any(action.startswith("上架算力目录 1") for action in actions)

    # acting twice on the finished task is a clear message, and changes nothing
    response = client.post(task_url("provider", certify), {"decision": "reject", "opinion": "再次提交"})
    assert response.status_code == 409
    assert "已经办理完毕" in response.content.decode()
    assert Provider.objects.get(pk=provider.pk).onboarding_state == OnboardingState.CERTIFIED
    assert Identifier.objects.count() == 1 and OutboxMessage.objects.count() == 1
    # the process page shows the trail to the applicant
    page = login(client, provider_user).get(process_url("provider", process)).content.decode()
    assert "材料齐全" in page and identifier.code in page
    assert "算力标识与国家节点备案" in page and "待发送" in page  # filing queued, national node not reached yet


def test_approval_lists_only_the_records_the_request_named(client, provider_user, operator):
    """A resource imported after submitting keeps waiting for its own review: no listing, identifier, filing."""
    provider = ProviderFactory(organization=provider_user.organization, onboarding_state=OnboardingState.APPLIED)
    site = SiteFactory(provider=provider)
    named = ComputeResourceFactory(site=site, listing_state=ListingState.PENDING, name="申请时的资源")
    process = apply_as_provider(client, provider_user)
    imported = ComputeResourceFactory(site=site, listing_state=ListingState.PENDING, name="刚导入的资源")
    page = login(client, operator).get(process_url("provider", process)).content.decode()
    assert "申请时的资源" in page and "刚导入的资源" not in page  # the operator sees what approval lists
    assert client.post(task_url("provider", open_task(process, "certify")), {"decision": "approve"}).status_code == 302
    named.refresh_from_db(), imported.refresh_from_db()
    assert named.listing_state == ListingState.APPROVED and Identifier.objects.filter(resource=named).exists()
    assert imported.listing_state == ListingState.PENDING and not Identifier.objects.filter(resource=imported)
    assert OutboxMessage.objects.count() == 1


def test_returned_application_goes_back_to_the_applicant_then_is_rejected(
    client, provider_user, operator, other_provider_user
):
    process = apply_as_provider(client, provider_user)
    certify = open_task(process, "certify")

    # returning needs an opinion: without one, a field error and nothing changes
    login(client, operator)
    response = client.post(task_url("provider", certify), {"decision": "return", "opinion": ""})
    assert response.status_code == 200
    assert "退回或不予通过时请填写审核意见" in response.content.decode()
    assert Task.objects.get(pk=certify.pk).status == STATUS.NEW
    assert not OnboardingEvent.objects.filter(process=process, action="退回补充材料").exists()

    assert (
        client.post(task_url("provider", certify), {"decision": "return", "opinion": "请补充许可证"}).status_code == 302
    )
    provider = Provider.objects.get(organization=provider_user.organization)
    assert provider.onboarding_state == OnboardingState.RETURNED
    revise = open_task(process, "revise")
    assert revise.owner == provider_user
    # only the applicant revises: not the operator, not another organisation
    assert client.get(task_url("provider", revise)).status_code == 403
    assert login(client, other_provider_user).get(task_url("provider", revise)).status_code == 404

    login(client, provider_user)
    assert "请补充许可证" in client.get(task_url("provider", revise)).content.decode()
    response = client.post(
        task_url("provider", revise),
        {"licences": "B1-20250001\nB2-20250002", "contact_name": "李四", "contact_phone": "13800000000"},
    )
    assert response.status_code == 302
    assert Provider.objects.get(pk=provider.pk).onboarding_state == OnboardingState.APPLIED
    certify_again = open_task(process, "certify")
    assert certify_again.pk != certify.pk

    login(client, operator)
    response = client.post(task_url("provider", certify_again), {"decision": "reject", "opinion": "不符合条件"})
    assert response.status_code == 302
    assert Provider.objects.get(pk=provider.pk).onboarding_state == OnboardingState.REJECTED
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    assert not Identifier.objects.exists()


def test_provider_application_needs_a_kind_and_a_pdf(client, provider_user):
    login(client, provider_user)
    response = client.post(start_url("provider"), provider_form(is_resource_provider=""))
    assert response.status_code == 200 and "请至少选择一种服务商类型" in response.content.decode()
    fake = io.BytesIO(b"MZ not a pdf")
    fake.name = "材料.pdf"
    response = client.post(start_url("provider"), {**provider_form(), "document": fake})
    assert response.status_code == 200 and "请上传 PDF 文件" in response.content.decode()
    assert not ProviderApplication.objects.exists() and not Provider.objects.exists()
    assert not ProviderOnboardingFlow.process_class.objects.exists()


def test_who_may_start_which_process(client, make_user, chengdu_org, operator):
    anonymous = client.get(start_url("provider"))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    reseller = make_user(Role.RESELLER, organization=chengdu_org)
    login(client, reseller)
    assert client.get(start_url("provider")).status_code == 403
    assert client.get(start_url("reseller")).status_code == 200
    assert client.get(start_url("line")).status_code == 403
    assert client.get("/onboarding/nothing/start/").status_code == 404
    login(client, operator)
    assert client.get(start_url("provider")).status_code == 403
    nobody = make_user(Role.EDITOR, organization=chengdu_org)
    assert login(client, nobody).get("/onboarding/").status_code == 404


# --- reseller qualification 资格获取 ----------------------------------------------------------


def test_reseller_qualification_with_a_validity_period(client, make_user, chengdu_org, operator):
    reseller = make_user(Role.RESELLER, organization=chengdu_org)
    response = login(client, reseller).post(
        start_url("reseller"), {"business_scope": "跨区域算力转售与调度", "requested_years": "2"}
    )
    assert response.status_code == 302
    application = ResellerApplication.objects.get()
    process = application.process.coerced
    certify = open_task(process, "certify")
    assert client.get(task_url("reseller", certify)).status_code == 403

    login(client, operator)
    today = timezone.localdate()
    # approval without a period: field errors, nothing granted
    response = client.post(task_url("reseller", certify), {"decision": "approve", "valid_from": "", "valid_until": ""})
    assert response.status_code == 200 and "请填写资格有效期截止日" in response.content.decode()
    bad = {
        "decision": "approve",
        "valid_from": today.isoformat(),
        "valid_until": (today - datetime.timedelta(1)).isoformat(),
    }
    assert "有效期截止日不能早于起始日" in client.post(task_url("reseller", certify), bad).content.decode()
    assert not ResellerQualification.objects.exists()

    until = today + datetime.timedelta(days=365)
    response = client.post(
        task_url("reseller", certify),
        {"decision": "approve", "opinion": "", "valid_from": today.isoformat(), "valid_until": until.isoformat()},
    )
    assert response.status_code == 302
    qualification = ResellerQualification.objects.get()
    assert (qualification.valid_from, qualification.valid_until) == (today, until)
    provider = Provider.objects.get(organization=chengdu_org)
    assert provider.is_reseller and provider.reseller_qualified_until == until
    assert selectors.reseller_is_qualified(provider=provider)
    assert not selectors.reseller_is_qualified(provider=provider, on=until + datetime.timedelta(days=1))  # expired
    assert not selectors.reseller_is_qualified(provider=provider, on=today - datetime.timedelta(days=1))
    process.refresh_from_db()
    assert process.status == PROCESS.DONE
    assert client.post(task_url("reseller", certify), {"decision": "approve"}).status_code == 409
    assert ResellerQualification.objects.count() == 1


def test_rejected_reseller_gets_no_qualification(client, make_user, chengdu_org, operator):
    reseller = make_user(Role.RESELLER, organization=chengdu_org)
    login(client, reseller).post(start_url("reseller"), {"business_scope": "转售", "requested_years": "1"})
    process = ResellerApplication.objects.get().process.coerced
    login(client, operator)
    response = client.post(task_url("reseller", open_task(process, "certify")), {"decision": "reject", "opinion": "无"})
    assert response.status_code == 302
    assert not ResellerQualification.objects.exists()
    provider = Provider.objects.get(organization=chengdu_org)
    assert not provider.is_reseller and not selectors.reseller_is_qualified(provider=provider)


# --- line opening (flow 11) -------------------------------------------------------------------


def line_form(site, **extra):
    data = {
        "external_id": "LINE-001",
        "name": "绵阳—天府专线",
        "kind": "dedicated_line",
        "from_city": "510700",
        "to_site": str(site.pk),
        "bandwidth_mbps": "1000",
        "latency_ms": "2.5",
        "jitter_ms": "0.2",
        "price_yuan_per_month": "12000",
        "description": "",
    }
    data.update(extra)
    return data


def test_certified_line_provider_opens_a_line_that_appears_once_approved(
    client, make_user, chengdu_org, mianyang_org, operator, django_capture_on_commit_callbacks
):
    site = SiteFactory()  # a certified compute provider's data centre
    line_user = make_user(Role.LINE_PROVIDER, organization=chengdu_org)
    # not yet certified: refused with the reason
    response = login(client, line_user).get(start_url("line"))
    assert response.status_code == 403 and "请先办理入网入市" in response.content.decode()
    ProviderFactory(organization=chengdu_org, is_resource_provider=False, is_line_provider=True)

    # bad input: field errors, no line written
    response = client.post(start_url("line"), line_form(site, bandwidth_mbps="0"))
    assert response.status_code == 200 and not NetworkLine.objects.exists()
    response = client.post(start_url("line"), line_form(site))
    assert response.status_code == 302
    line = NetworkLine.objects.get(external_id="LINE-001")
    assert line.listing_state == ListingState.PENDING  # not in selection yet
    process = LineApplication.objects.get().process.coerced
    approve = open_task(process, "approve")

    other = make_user(Role.LINE_PROVIDER, organization=mianyang_org)
    assert login(client, other).get(process_url("line", process)).status_code == 404
    assert login(client, line_user).post(task_url("line", approve), {"decision": "approve"}).status_code == 403

    login(client, operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(task_url("line", approve), {"decision": "approve"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.listing_state == ListingState.APPROVED
    identifier = Identifier.objects.get(line=line)
    assert OutboxMessage.objects.filter(payload__identifier=identifier.code).exists()
    assert client.post(task_url("line", approve), {"decision": "approve"}).status_code == 409


def test_returned_line_is_revised_by_its_provider(client, make_user, chengdu_org, operator):
    site = SiteFactory()
    ProviderFactory(organization=chengdu_org, is_resource_provider=False, is_line_provider=True)
    line_user = make_user(Role.LINE_PROVIDER, organization=chengdu_org)
    login(client, line_user).post(start_url("line"), line_form(site))
    process = LineApplication.objects.get().process.coerced
    login(client, operator).post(
        task_url("line", open_task(process, "approve")), {"decision": "return", "opinion": "请核实时延"}
    )
    revise = open_task(process, "revise")
    response = login(client, line_user).post(task_url("line", revise), line_form(site, latency_ms="3.1"))
    assert response.status_code == 302
    line = NetworkLine.objects.get()
    assert str(line.latency_ms) == "3.10" and line.version == 2 and line.listing_state == ListingState.PENDING
    assert open_task(process, "approve").status == STATUS.NEW
    assert LineProviderOnboardingFlow.process_class.objects.filter(flow_class=LineProviderOnboardingFlow).count() == 1
    assert not ResellerQualificationFlow.process_class.objects.filter(flow_class=ResellerQualificationFlow).exists()


# --- two operators, audit trail ----------------------------------------------------------------


def test_second_operator_gets_a_clear_message_and_the_trail_records_who_did_what(
    client, make_user, provider_user, operator
):
    from auditlog.models import LogEntry

    colleague = make_user(Role.NODE_OPERATOR, organization=operator.organization)
    process = apply_as_provider(client, provider_user)
    certify = open_task(process, "certify")
    # both operators see the task; the first to act takes and completes it
    assert task_url("provider", certify) in login(client, colleague).get("/onboarding/").content.decode()
    assert login(client, operator).post(task_url("provider", certify), {"decision": "approve"}).status_code == 302
    response = login(client, colleague).post(task_url("provider", certify), {"decision": "reject", "opinion": "晚了"})
    assert response.status_code == 409 and "已经办理完毕" in response.content.decode()
    assert Task.objects.get(pk=certify.pk).owner == operator
    assert task_url("provider", certify) not in client.get("/onboarding/").content.decode()

    application = ProviderApplication.objects.get(pk=process.request.pk)
    assert application.decision == "approve" and application.decided_by == operator
    entries = LogEntry.objects.get_for_object(application)
    assert {entry.actor_id for entry in entries} == {provider_user.pk, operator.pk}
    provider_entries = LogEntry.objects.get_for_object(application.provider)
    assert any("certified" in str(entry.changes) for entry in provider_entries)
