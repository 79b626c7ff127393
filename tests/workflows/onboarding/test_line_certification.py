"""A line provider opens lines only while certified: a suspension between its application and the
operator's approval stops the line, with the reason on the form."""

import pytest

from catalog.models import ListingState, NetworkLine, OnboardingState, Provider
from organizations.roles import Role
from tests.catalog.factories import ProviderFactory, SiteFactory
from workflows.onboarding.models import LineApplication

from .test_flows import line_form, login, open_task, operator, start_url, task_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_line_of_a_provider_suspended_meanwhile_is_not_opened(client, make_user, chengdu_org, operator):  # noqa: F811
    site = SiteFactory()
    line_user = make_user(Role.LINE_PROVIDER, organization=chengdu_org)
    provider = ProviderFactory(
        organization=chengdu_org,
        is_resource_provider=False,
        is_line_provider=True,
        onboarding_state=OnboardingState.CERTIFIED,
    )
    assert login(client, line_user).post(start_url("line"), line_form(site)).status_code == 302
    process = LineApplication.objects.get().process.coerced
    approve = open_task(process, "approve")

    Provider.objects.filter(pk=provider.pk).update(onboarding_state=OnboardingState.SUSPENDED)
    response = login(client, operator).post(task_url("line", approve), {"decision": "approve"})
    assert response.status_code == 200
    assert "不是已认证的网络线路提供商" in response.content.decode()
    line = NetworkLine.objects.get(external_id="LINE-001")
    assert line.listing_state == ListingState.PENDING
    assert open_task(process, "approve").pk == approve.pk  # still waiting: nothing was decided


def test_a_line_provider_not_yet_certified_cannot_apply_for_a_line_on_the_page(client, make_user, chengdu_org):
    site = SiteFactory()
    line_user = make_user(Role.LINE_PROVIDER, organization=chengdu_org)
    ProviderFactory(
        organization=chengdu_org,
        is_resource_provider=False,
        is_line_provider=True,
        onboarding_state=OnboardingState.APPLIED,
    )
    response = login(client, line_user).post(start_url("line"), line_form(site))
    assert response.status_code == 403  # the start page itself is closed to an uncertified line provider
    assert not NetworkLine.objects.exists() and not LineApplication.objects.exists()
