"""Resale offers (转售报价): a qualified reseller publishes offers on certified providers' resources named
by identifier; the public list marks them and names the underlying provider; expiry or revocation hides them
at once (when read) and tells the reseller once; the provider sees who resells its resources; 404 across
organisations; field-level Chinese errors."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalog.services import identifier_issue
from tests.catalog.factories import ProviderFactory
from tests.factories import OrganizationFactory, UserFactory
from workflows.demand.models import ResaleOffer
from workflows.demand.resale import resale_lapse_notify, resale_offers_public
from workflows.onboarding.models import ResellerQualification
from workflows.onboarding.qualifications import reseller_qualification_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(market):
    organization = OrganizationFactory(city_id="510100", name="蜀道转售调度有限公司")
    provider = ProviderFactory(organization=organization, is_resource_provider=False, is_reseller=True)
    user = UserFactory(roles=["reseller"], organization=organization, email="resale@example.cn")
    today = timezone.localdate()
    qualification = ResellerQualification.objects.create(
        provider=provider,
        number="ZS-2026-0077",
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=60),
        granted_by=UserFactory(roles=["node_operator"]),
    )
    codes = {key: identifier_issue(record=r, actor=None).code for key, r in market.resources.items()}
    return user, qualification, codes


def _form(codes, **extra):
    today = timezone.localdate()
    return {
        "title": "A100 包月转售",
        "identifiers": f"{codes['chengdu']}\n{codes['mianyang']}",
        "price_yuan": "14.5",
        "billing_unit": "card_hour",
        "terms": "按月结算，最短一个月。",
        "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=30)).isoformat(),
        **extra,
    }


def _publish(client, user, codes, **extra):
    client.force_login(user)
    return client.post(reverse("demand:resale-new"), _form(codes, **extra))


def test_a_qualified_reseller_publishes_and_the_public_list_marks_it_with_the_providers(client, market, setting):
    user, _, codes = setting
    response = _publish(client, user, codes)
    assert response.status_code == 302
    offer = ResaleOffer.objects.get()
    assert sorted(r.pk for r in offer.resources.all()) == sorted(
        [market.resources["chengdu"].pk, market.resources["mianyang"].pk]
    )
    assert LogEntry.objects.get_for_object(offer).filter(action=LogEntry.Action.CREATE).exists()
    client.logout()
    page = client.get(reverse("demand:resale-list")).content.decode()
    assert "A100 包月转售" in page and "转售报价" in page and "蜀道转售调度有限公司" in page
    assert market.providers["chengdu"].organization.name in page and codes["mianyang"] in page


def test_field_level_chinese_errors_and_nothing_published(client, market, setting):
    user, qualification, codes = setting
    too_late = (qualification.valid_until + datetime.timedelta(days=1)).isoformat()
    response = _publish(client, user, codes, identifiers="CN.999999/A00000009R", valid_until=too_late)
    assert response.status_code == 400
    assert "算力标识 CN.999999/A00000009R 不是本节点已登记的算力资源。" in response.content.decode()
    response = _publish(client, user, codes, valid_until=too_late)
    assert response.status_code == 400
    assert f"报价有效期不能超过本单位转售调度资格的有效期（至 {qualification.valid_until.isoformat()}）" in (
        response.content.decode()
    )
    market.providers["hebei"].onboarding_state = "suspended"
    market.providers["hebei"].save()
    response = _publish(client, user, codes, identifiers=codes["hebei"])
    assert "未上架或其提供商未通过认证" in response.content.decode()
    assert not ResaleOffer.objects.exists()


def test_expiry_hides_the_offers_at_once_the_page_says_why_and_only_the_worker_mails_once(
    client, market, setting, django_capture_on_commit_callbacks
):
    user, qualification, codes = setting
    assert _publish(client, user, codes).status_code == 302
    ResellerQualification.objects.filter(pk=qualification.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    # hidden when read: nothing has run
    assert "A100 包月转售" not in client.get(reverse("demand:resale-list")).content.decode()
    # the reseller's page says why at once, and the GET writes and sends nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.get(reverse("demand:resale-mine")).content.decode()
    assert "因转售调度资格（ZS-2026-0077）已于" in page and "1 条报价已停止在公开目录中展示" in page
    assert callbacks == [] and mail.outbox == []
    assert ResaleOffer.objects.get().lapse_notified_at is None
    # the worker's task tells the reseller once
    with django_capture_on_commit_callbacks(execute=True):
        assert resale_lapse_notify() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resale@example.cn"]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("demand:resale-mine")).content.decode()
        assert resale_lapse_notify() == 0
    assert "停止在公开目录中展示" in page
    assert len(mail.outbox) == 1  # once
    # and it cannot publish anew
    response = _publish(client, user, codes)
    assert response.status_code == 400 and "到期" in response.content.decode()
    assert ResaleOffer.objects.count() == 1


def test_revocation_hides_the_offers_and_the_reseller_gets_one_email(
    client, market, setting, django_capture_on_commit_callbacks
):
    user, qualification, codes = setting
    assert _publish(client, user, codes).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        reseller_qualification_revoke(qualification=qualification, reason="违规转售")
    assert "A100 包月转售" not in client.get(reverse("demand:resale-list")).content.decode()
    # the revocation's email says the offers stopped showing; the worker records the lapse and mails nothing more
    assert len(mail.outbox) == 1 and "已被撤销" in mail.outbox[0].subject and "转售报价停止" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        assert resale_lapse_notify() == 1 and resale_lapse_notify() == 0
    assert len(mail.outbox) == 1
    assert ResaleOffer.objects.get().lapse_notified_at is not None
    page = client.get(reverse("demand:resale-mine")).content.decode()
    assert "被撤销" in page and "停止在公开目录中展示" in page


def test_the_provider_sees_who_resells_its_resources_and_others_do_not(client, market, setting):
    user, _, codes = setting
    assert _publish(client, user, codes).status_code == 302
    client.force_login(market.staff["chengdu"])
    page = client.get(reverse("demand:resale-resold")).content.decode()
    assert "蜀道转售调度有限公司" in page and "A100 包月转售" in page
    client.force_login(market.staff["hebei"])
    assert "蜀道转售调度有限公司" not in client.get(reverse("demand:resale-resold")).content.decode()


def test_who_resells_is_for_the_providers_staff_only(client, market, setting):
    """Someone of the provider's organisation without a provider role (here its node-application applicant)
    gets 404, as on the provider's scheduling workbench; so does a signed-in user of no organisation."""
    user, _, codes = setting
    assert _publish(client, user, codes).status_code == 302
    colleague = UserFactory(roles=["applicant"], organization=market.providers["chengdu"].organization)
    client.force_login(colleague)
    assert client.get(reverse("demand:resale-resold")).status_code == 404
    assert client.get(reverse("demand:scheduling-list")).status_code == 404  # the same rule as the workbench
    client.force_login(UserFactory(roles=[]))
    assert client.get(reverse("demand:resale-resold")).status_code == 404
    client.force_login(market.staff["chengdu"])
    assert client.get(reverse("demand:resale-resold")).status_code == 200


def test_another_organisation_gets_404(client, market, setting):
    user, _, codes = setting
    assert _publish(client, user, codes).status_code == 302
    offer = ResaleOffer.objects.get()
    other = UserFactory(roles=["reseller"], organization=ProviderFactory(is_reseller=True).organization)
    client.force_login(other)
    assert client.post(reverse("demand:resale-withdraw", args=[offer.pk])).status_code == 404
    offer.refresh_from_db()
    assert offer.withdrawn_at is None
    client.force_login(market.user)  # no reseller at all
    assert client.get(reverse("demand:resale-mine")).status_code == 404
    assert client.post(reverse("demand:resale-new"), _form(codes)).status_code == 404
    client.force_login(user)
    assert client.post(reverse("demand:resale-withdraw", args=[offer.pk])).status_code == 302
    assert not resale_offers_public().exists()


def test_the_pages_in_english(client, market, setting):
    user, qualification, codes = setting
    assert _publish(client, user, codes).status_code == 302
    client.get(reverse("demand:resale-mine"))  # shows (and so clears) the Chinese flash of the publish
    page = client.get("/en/resale/").content.decode()
    assert "Resale offers" in page and "Underlying resources (provider)" in page and "转售报价" not in page
    assert 'value="' + timezone.localdate().isoformat() in client.get("/en/resale/new/").content.decode()
    ResellerQualification.objects.filter(pk=qualification.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = client.get("/en/resale/mine/").content.decode()
    assert "the resale and scheduling qualification (ZS-2026-0077) expired on" in page
