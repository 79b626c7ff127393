"""The integration self-test (对接联调自测) a new node runs against its upstream, step by step.

Run on the new node (``manage.py node_selftest --upstream URL --code CODE``, or the worker task
``federation_selftest``) with the one-time enrolment code the upstream issued when the node's application
reached 对接联调. Each step is timed and recorded (name, label, start, duration, outcome, detail, error):

1. ``enrol``: the real handshake (``registry.node_enrol``); skipped as "already enrolled" on a re-run;
2. ``prefix``: the allocated prefix lies under the upstream's;
3. ``filing``: a test resource is approved, its identifier issued and its filing delivered upstream;
4. ``acknowledgement``: the national acknowledgement comes back (issued → filed → active), waited for
   up to FEDERATION_SELFTEST_WAIT_SECONDS;
5. ``resolve``: the national node (found through the upstream's ``/api/v1/federation/network/``) resolves
   the identifier to this node, with its access path;
6. ``sync``: a catalogue sync pass, then the record is found in the upstream's selection under this
   node's prefix;
7. ``report``: an operations report for today is delivered upstream;
8. ``cleanup``: the test record is delisted and the removal synced (it never stays in the catalogue).

A failing step does not stop the later ones that do not depend on it (a national node that is down fails
``acknowledgement`` and ``resolve``; sync and report still run), so the transcript says what works.
The transcript is then sent, signed, to the upstream (``TRANSCRIPT_PATH``) through the outbox (so a
transcript of a run made while the upstream was down arrives after its recovery), which attaches it to
the application's 对接联调 step for the reviewer.
"""

import datetime
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from federation.selectors import upstream_link, upstream_url

REPORT_KIND = "operation_report"  # monitoring.reports.REPORT_KIND
TRANSCRIPT_KIND = "selftest_transcript"
TRANSCRIPT_PATH = "/api/v1/applications/integration-selftest/"
NETWORK_PATH = "/api/v1/federation/network/"
TEST_EXTERNAL_ID = "SELFTEST"
STEP_LABELS = {
    "enrol": "接入上级节点（一次性接入码）",
    "prefix": "获取节点前缀",
    "filing": "报送测试算力标识",
    "acknowledgement": "获取国家节点备案确认",
    "resolve": "国家节点解析测试标识",
    "sync": "同步一条目录记录至上级节点",
    "report": "上报运行监测报告",
    "cleanup": "清理测试记录",
}
# a step that cannot run because an earlier one failed
DEPENDS = {
    "prefix": "enrol",
    "filing": "prefix",
    "acknowledgement": "filing",
    "resolve": "acknowledgement",
    "sync": "acknowledgement",
    "report": "prefix",
    "cleanup": "filing",
}


class StepFailed(Exception):
    pass


class Transcript:
    """The steps run so far, each with its time and outcome."""

    def __init__(self):
        self.steps: list[dict] = []
        self.started_at = timezone.now()
        self.state: dict = {}

    def ok(self, name: str) -> bool:
        return any(step["name"] == name and step["ok"] for step in self.steps)

    def run(self, name: str, body: Callable[[dict], str]) -> None:
        started, clock = timezone.now(), time.monotonic()
        needed = DEPENDS.get(name)
        if needed and not self.ok(needed):
            ok, detail, error = False, "", f"未执行：前序步骤“{STEP_LABELS[needed]}”未通过。"
        else:
            try:
                ok, detail, error = True, body(self.state), ""
            except StepFailed as failure:
                ok, detail, error = False, "", str(failure)
            except Exception as failure:  # every failure belongs in the transcript
                ok, detail, error = False, "", f"{type(failure).__name__}: {failure}"
        self.steps.append(
            {
                "name": name,
                "label": STEP_LABELS[name],
                "started_at": started.isoformat(),
                "duration_ms": round((time.monotonic() - clock) * 1000),
                "ok": ok,
                "detail": detail,
                "error": error[:1000],
            }
        )

    def as_dict(self) -> dict:
        link = upstream_link()
        return {
            "node": {
                "prefix": link.prefix if link else "",
                "name": settings.NODE_NAME,
                "role": settings.NODE_ROLE,
                "url": settings.NODE_PUBLIC_URL,
            },
            "started_at": self.started_at.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "ok": bool(self.steps) and all(step["ok"] for step in self.steps),
            "steps": self.steps,
        }


def _get_json(url: str) -> tuple[int, dict]:
    from federation.client import json_exchange

    return json_exchange(urllib.request.Request(url, headers={"Accept": "application/json"}))


# --- the steps ------------------------------------------------------------------------------------


def _enrol(upstream: str, code: str) -> Callable[[dict], str]:
    def step(state: dict) -> str:
        from federation.registry import EnrolmentRefused, node_enrol

        link = upstream_link()
        if not code:
            if link is None:
                raise StepFailed("本节点尚未接入，且没有提供接入码。")
            return f"已接入 {link.upstream_name}（{link.upstream_prefix}），本次未重新接入"
        try:
            link = node_enrol(upstream=upstream, code=code)
        except EnrolmentRefused as refused:
            raise StepFailed(f"上级节点拒绝接入：{refused.errors}") from refused
        return f"已接入 {link.upstream_name}（{link.upstream_prefix}），密钥 {link.key_id}"

    return step


def _prefix(state: dict) -> str:
    link = upstream_link()
    if not link.prefix.startswith(link.upstream_prefix + "."):
        raise StepFailed(f"分配的前缀 {link.prefix} 不在上级节点前缀 {link.upstream_prefix} 之下。")
    state["prefix"] = link.prefix
    return f"节点前缀 {link.prefix}"


def _test_provider():
    from organizations.models import Division, Organization
    from organizations.uscc import make_uscc

    from .models import Provider, Site

    province = next((part for part in state_prefix_parts() if part.isdigit()), "110000")
    city = Division.objects.filter(parent_id=province, level="city").order_by("code").first()
    city_code = city.code if city else province
    organization, _ = Organization.objects.get_or_create(
        uscc=make_uscc(division=city_code, body="LT000001"),
        defaults={
            "name": f"{settings.NODE_NAME}对接联调测试单位",
            "kind": "enterprise",
            "province_id": province,
            "city_id": city_code if city else None,
            "registered_capital": 0,
        },
    )
    provider, _ = Provider.objects.get_or_create(
        organization=organization, defaults={"onboarding_state": "certified", "is_resource_provider": True}
    )
    site, _ = Site.objects.get_or_create(
        provider=provider,
        code=TEST_EXTERNAL_ID,
        defaults={"name": "联调测试站点", "province_id": province, "city_id": city_code if city else None},
    )
    return provider, site


def state_prefix_parts() -> list[str]:
    link = upstream_link()
    return (link.prefix if link else "").split(".")


def _filing(state: dict) -> str:
    from federation.models import OutboxMessage
    from federation.services import outbox_deliver

    from . import services
    from .models import ComputeResource, Identifier

    provider, site = _test_provider()
    resource = ComputeResource.objects.create(
        provider=provider,
        site=site,
        external_id=f"{TEST_EXTERNAL_ID}-{timezone.now():%Y%m%d%H%M%S%f}",
        name="对接联调测试资源（自动清理）",
        resource_class="general",
        accelerators_per_node=0,
        node_count=1,
        price_yuan="1.00",
        listing_state="pending",
    )
    services.record_approve(record=resource, actor=None, reason="对接联调自测")
    identifier = Identifier.objects.get(resource=resource)
    state.update(resource_id=resource.pk, identifier=identifier.code)
    message = OutboxMessage.objects.filter(kind="identifier_filing", payload__identifier=identifier.code).first()
    if message is None:
        raise StepFailed(f"标识 {identifier.code} 的备案没有进入发件箱。")
    if not outbox_deliver(message=message):
        message.refresh_from_db()
        raise StepFailed(f"备案 {identifier.code} 未送达上级节点：{message.last_error}")
    message.refresh_from_db()
    receipt = (message.response or {}).get("receipt", "")
    return f"标识 {identifier.code} 已报送，上级节点回执 {receipt}"


def _acknowledgement(state: dict) -> str:
    from federation.services import acknowledgements_collect

    from .models import Identifier

    deadline = time.monotonic() + settings.FEDERATION_SELFTEST_WAIT_SECONDS
    while True:
        identifier = Identifier.objects.get(code=state["identifier"])
        if identifier.state == "active":
            return f"国家节点已确认，标识状态 {identifier.state}"
        if time.monotonic() >= deadline:
            raise StepFailed(
                f"{settings.FEDERATION_SELFTEST_WAIT_SECONDS} 秒内未收到国家节点确认（标识仍为 {identifier.state}）。"
            )
        acknowledgements_collect()
        time.sleep(1)


def _national_url() -> str:
    status, body = _get_json(upstream_url() + NETWORK_PATH)
    if status != 200:
        raise StepFailed(f"上级节点网络信息不可用（HTTP {status}）。")
    if body.get("role") == "national":
        return upstream_url()
    national = (body.get("upstream") or {}).get("url")
    if not national:
        raise StepFailed("上级节点没有登记国家节点。")
    return national.rstrip("/")


def _resolve(state: dict) -> str:
    national = _national_url()
    code = state["identifier"]
    try:
        status, body = _get_json(f"{national}/api/v1/identifiers/{urllib.parse.quote(code, safe='/.')}/")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise StepFailed(f"国家节点 {national} 无法访问：{error}") from error
    if status != 200:
        raise StepFailed(f"国家节点解析返回 HTTP {status}：{body.get('detail', '')}")
    if body.get("node_prefix") != state["prefix"] or not body.get("authoritative"):
        raise StepFailed(f"国家节点的解析结果不指向本节点：{body.get('node_prefix')}")
    return f"国家节点 {national} 解析为 {body.get('state')}，访问路径 {body.get('access_url')}"


def _in_upstream_selection(code: str, prefix: str) -> bool:
    query = urllib.parse.urlencode({"source": prefix, "page_size": 100})
    status, body = _get_json(f"{upstream_url()}/api/v1/search/resources/?{query}")
    return status == 200 and any(row.get("identifier") == code for row in body.get("results", []))


def _sync(state: dict) -> str:
    from federation.sync import sync_pass

    counts = sync_pass()
    if not _in_upstream_selection(state["identifier"], state["prefix"]):
        raise StepFailed(f"同步后上级节点的算力选择中没有 {state['identifier']}（本次发送 {counts['records']} 条）。")
    return f"已同步 {counts['records']} 条记录，上级节点算力选择中可见 {state['identifier']}"


def _report(state: dict) -> str:
    # by its command: monitoring builds the report (and imports federation; federation does not import it)
    from django.core.management import call_command

    from federation.models import OutboxMessage
    from federation.services import outbox_deliver

    call_command("metrics_report", date=timezone.localdate().isoformat(), resend=True, stdout=_Discard())
    message = OutboxMessage.objects.filter(kind=REPORT_KIND).order_by("-pk").first()
    if message is None:
        raise StepFailed("运行报告没有进入发件箱。")
    if not outbox_deliver(message=message):
        message.refresh_from_db()
        raise StepFailed(f"运行报告未送达上级节点：{message.last_error}")
    return f"运行报告（{timezone.localdate():%Y-%m-%d}）已送达上级节点"


class _Discard:
    def write(self, text: str) -> None:
        pass


def _cleanup(state: dict) -> str:
    from federation.sync import sync_pass

    from . import services
    from .models import ComputeResource

    resource = ComputeResource.objects.get(pk=state["resource_id"])
    services.record_delist(record=resource, actor=None)
    if state.get("prefix") and upstream_url():
        sync_pass()
    return "测试资源已下架，下架已同步至上级节点"


# --- the run --------------------------------------------------------------------------------------


def selftest_run(*, upstream: str = "", code: str = "") -> dict:
    """Run every step, then send the transcript upstream. Returns the transcript with ``delivered``."""
    upstream = (upstream or upstream_url()).rstrip("/")
    transcript = Transcript()
    transcript.run("enrol", _enrol(upstream, code))
    for name, body in (
        ("prefix", _prefix),
        ("filing", _filing),
        ("acknowledgement", _acknowledgement),
        ("resolve", _resolve),
        ("sync", _sync),
        ("report", _report),
        ("cleanup", _cleanup),
    ):
        transcript.run(name, body)
    answer = transcript.as_dict()
    answer["delivered"], answer["delivery_error"] = _deliver(answer)
    return answer


def _deliver(answer: dict) -> tuple[bool, str]:
    """Through the outbox: delivered now, or later by the worker's drain when the upstream is down."""
    from federation.queue import outbox_enqueue
    from federation.services import outbox_deliver

    if upstream_link() is None:
        return False, "本节点未接入上级节点，自测记录无法报送。"
    payload = {key: answer[key] for key in ("node", "started_at", "finished_at", "ok", "steps")}
    started = datetime.datetime.fromisoformat(answer["started_at"])
    message = outbox_enqueue(
        kind=TRANSCRIPT_KIND,
        idempotency_key=f"{TRANSCRIPT_KIND}:{answer['node']['prefix']}:{started:%Y%m%d%H%M%S%f}",
        path=TRANSCRIPT_PATH,
        payload=payload,
    )
    if outbox_deliver(message=message):
        return True, ""
    message.refresh_from_db()
    return False, f"已进入发件箱，上级节点恢复后自动报送（{message.last_error}）"
