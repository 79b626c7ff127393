"""The pages: my demands, a demand with its matches, accepting, and the provider's confirmation pages."""

from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.demand import services
from workflows.demand.flows import DemandFlow
from workflows.demand.models import Demand, DemandStatus, SchedulingRecord, SchedulingStatus

from .conftest import demand_data


def test_submit_form_creates_the_demand_and_shows_ranked_matches(client, market):
    client.force_login(market.user)
    assert client.get(reverse("demand:create")).status_code == 200
    response = client.post(
        reverse("demand:create"),
        {
            "resource_class": "intelligent",
            "accelerator_model": "NVIDIA A100 80GB (SXM4)",
            "card_count": 8,
            "duration_hours": 24,
            "city": "510100",
            "max_latency_ms": "5",
        },
        follow=True,
    )
    demand = Demand.objects.get(user=market.user)
    assert response.redirect_chain[-1][0] == reverse("demand:detail", args=[demand.pk])
    page = response.content.decode()
    assert "方案 1" in page and "得分说明" in page and "选择此方案" in page
    assert market.resources["chengdu"].name in page


def test_submit_form_shows_field_errors_and_writes_nothing(client, market):
    client.force_login(market.user)
    response = client.post(
        reverse("demand:create"),
        {"resource_class": "intelligent", "card_count": 0, "duration_hours": 24, "city": "510100"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "card_count" in errors and "accelerator_model" not in errors  # the form stops at shape errors
    assert Demand.objects.count() == 0
    response = client.post(
        reverse("demand:create"),
        {"resource_class": "intelligent", "card_count": 8, "duration_hours": 24, "city": "510100"},
    )
    assert "accelerator_model" in response.context["form"].errors
    assert Demand.objects.count() == 0


def test_anonymous_is_sent_to_login(client, market):
    response = client.get(reverse("demand:create"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse("demand:list")).status_code == 302


def test_another_user_gets_404_everywhere(client, market):
    demand = services.demand_submit(user=market.user, data=demand_data())
    match = demand.matches.get(rank=1)
    for intruder in (market.stranger, market.staff["chengdu"]):
        client.force_login(intruder)
        assert client.get(reverse("demand:detail", args=[demand.pk])).status_code == 404
        assert client.post(reverse("demand:accept", args=[demand.pk]), {"match": match.pk}).status_code == 404
        assert reverse("demand:detail", args=[demand.pk]) not in client.get(reverse("demand:list")).content.decode()
    demand.refresh_from_db()
    assert demand.status == DemandStatus.MATCHED


def test_accept_twice_shows_a_message_not_an_error(client, market):
    demand = services.demand_submit(user=market.user, data=demand_data(max_latency_ms="5"))
    first, second = demand.matches.order_by("rank")[:2]
    client.force_login(market.user)
    url = reverse("demand:accept", args=[demand.pk])
    # The first POST only asks for confirmation and changes nothing.
    page = client.post(url, {"match": first.pk}).content.decode()
    assert "确认选择此方案" in page and 'name="confirmed"' in page
    assert not SchedulingRecord.objects.filter(demand=demand).exists()
    response = client.post(url, {"match": first.pk, "confirmed": "yes"}, follow=True)
    assert "已选择方案" in response.content.decode()
    response = client.post(url, {"match": second.pk, "confirmed": "yes"}, follow=True)
    assert response.status_code == 200
    assert "无需重复操作" in response.content.decode()
    assert "选择此方案" not in response.content.decode()
    assert SchedulingRecord.objects.filter(demand=demand).count() == 1


def test_provider_confirms_on_its_page_and_others_get_404(client, market):
    demand = services.demand_submit(user=market.user, data=demand_data(max_latency_ms="5"))
    services.demand_accept(demand=demand, match_id=demand.matches.get(rank=1).pk, actor=market.user)
    record = SchedulingRecord.objects.get(demand=demand)
    url = reverse("demand:scheduling-detail", args=[record.pk])

    for intruder in (market.staff["mianyang"], market.user):
        client.force_login(intruder)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "confirm"}).status_code == 404
    client.force_login(market.user)
    assert client.get(reverse("demand:scheduling-list")).status_code == 404  # not provider staff
    client.force_login(market.staff["mianyang"])
    assert f"#{demand.pk}" not in client.get(reverse("demand:scheduling-list")).content.decode()
    record.refresh_from_db()
    assert record.status == SchedulingStatus.PENDING

    client.force_login(market.staff["chengdu"])
    listing = client.get(reverse("demand:scheduling-list")).content.decode()
    assert f"#{demand.pk}" in listing and "待服务商确认" in listing
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert "已确认调度" in response.content.decode()
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert response.status_code == 200 and "无需重复操作" in response.content.decode()
    record.refresh_from_db()
    assert record.status == SchedulingStatus.CONFIRMED


def test_provider_declines_with_a_reason(client, market):
    demand = services.demand_submit(user=market.user, data=demand_data(max_latency_ms="5"))
    services.demand_accept(demand=demand, match_id=demand.matches.get(rank=1).pk, actor=market.user)
    record = SchedulingRecord.objects.get(demand=demand)
    url = reverse("demand:scheduling-detail", args=[record.pk])
    client.force_login(market.staff["chengdu"])
    response = client.post(url, {"action": "decline", "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    client.post(url, {"action": "decline", "reason": "机房检修"})
    record.refresh_from_db()
    demand.refresh_from_db()
    assert record.status == SchedulingStatus.DECLINED and demand.status == DemandStatus.MATCHED
    client.force_login(market.user)
    page = client.get(reverse("demand:detail", args=[demand.pk])).content.decode()
    assert "机房检修" in page and "选择此方案" in page


def test_viewflow_task_urls_lead_to_the_pages_and_refuse_others(client, market):
    demand = services.demand_submit(user=market.user, data=demand_data(max_latency_ms="5"))
    task = Task.objects.get(process_id=demand.process_id, flow_task=DemandFlow.accept, status=STATUS.ASSIGNED)
    url = task.flow_task.reverse("execute", args=[demand.process_id, task.pk])
    client.force_login(market.stranger)
    assert client.get(url).status_code == 403
    client.force_login(market.user)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith(f"/demands/{demand.pk}/")


def test_viewflow_process_pages_are_for_operators_only(client, market, django_user_model):
    demand = services.demand_submit(user=market.user, data=demand_data())
    dashboard = "/demands/flow/"
    detail = f"/demands/flow/{demand.process_id}/"
    for user in (market.user, market.staff["chengdu"]):
        client.force_login(user)
        assert client.get(detail).status_code == 403
        assert client.get(dashboard).status_code in (403, 200)
        assert f"#{demand.pk}" not in client.get(dashboard).content.decode()
    admin = django_user_model.objects.create_superuser("root", password="Correct-horse-42")
    client.force_login(admin)
    assert client.get(dashboard).status_code == 200
    assert client.get(detail).status_code == 200


def test_viewflow_start_url_submits_through_the_same_service(client, market):
    client.force_login(market.user)
    start = DemandFlow.submit.reverse("execute")
    assert client.get(start).status_code == 200
    response = client.post(
        start,
        {
            "resource_class": "intelligent",
            "accelerator_model": "NVIDIA A100 80GB (SXM4)",
            "card_count": 8,
            "duration_hours": 24,
            "city": "510100",
        },
    )
    demand = Demand.objects.get(user=market.user)
    assert response.status_code == 302 and response["Location"].endswith(f"/demands/{demand.pk}/")
    assert demand.process.flow_class is DemandFlow
    start_task = Task.objects.get(process_id=demand.process_id, flow_task=DemandFlow.submit)
    assert start_task.owner == market.user and start_task.status == STATUS.DONE
    assert Task.objects.filter(process_id=demand.process_id, flow_task=DemandFlow.accept).count() == 1
