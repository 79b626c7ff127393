"""make bench-review: the reviewers' and applicants' pages of the node application process with 10,000 applications.

Seeds the demo people and campaigns, then bulk-creates ``--size`` applications across campaigns (Sichuan and
Hebei 2024–2026, regional and industry, at every stage, each with its Viewflow process, its open tasks, its
trail and its materials) into a throwaway SQLite database, and requests through the Django test client:

- a municipal reviewer's inbox (``/review/``; Chengdu, the busiest jurisdiction),
- an application page as that reviewer sees it (``/applications/<ref>/``),
- the applicant's status page of their application (the same URL as the applicant).

It prints p50/p95/max in ms and the number of SQL queries per page. Target: p95 ≤ 200 ms on 2 cores.

    .venv/bin/python bench/review.py [--size 10000] [--requests 200]
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from common import percentile  # run as a script: bench/ is on sys.path
except ImportError:  # loaded from its file by the query-count tests, with the project root on sys.path
    from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260325

# stage -> open task kinds (with department) the application has in that stage
OPEN_TASKS = {
    "draft": [],
    "municipal_review": [("municipal_review", "")],
    "provincial_review": [
        ("provincial_review", "communications_administration"),
        ("provincial_review", "industry_it"),
    ],
    "ministry_submission": [("ministry_submission", "")],
    "expert_review": [("expert_review", "")],
    "publicity": [("publicity", "")],
    "construction": [("construction", "")],
    "accepted": [],
}
TRAIL = {
    "draft": ["draft"],
    "municipal_review": ["draft", "municipal_review"],
    "provincial_review": ["draft", "municipal_review", "provincial_review"],
    "ministry_submission": ["draft", "municipal_review", "provincial_review", "ministry_submission"],
    "expert_review": ["draft", "municipal_review", "provincial_review", "ministry_submission", "expert_review"],
    "publicity": ["draft", "provincial_review", "ministry_submission", "expert_review", "publicity"],
    "construction": ["draft", "provincial_review", "ministry_submission", "expert_review", "publicity", "construction"],
    "accepted": ["draft", "provincial_review", "ministry_submission", "expert_review", "publicity", "accepted"],
}
NODE_OF = {
    ("municipal_review", ""): "municipal_review",
    ("provincial_review", "communications_administration"): "review_by_communications",
    ("provincial_review", "industry_it"): "review_by_industry_it",
    ("ministry_submission", ""): "ministry_submission",
    ("expert_review", ""): "expert_review",
    ("publicity", ""): "publicity",
    ("construction", ""): "construction",
}


def _campaigns() -> list:
    """The demo campaigns plus the same calls one and two years earlier."""
    from workflows.node_application.models import Campaign
    from workflows.node_application.services import campaign_upsert

    campaigns = list(Campaign.objects.all())
    for campaign in list(campaigns):
        for years in (1, 2):
            year = campaign.year - years
            defaults = {}
            for field in Campaign._meta.concrete_fields:
                if field.name in ("id", "slug"):
                    continue
                value = getattr(campaign, field.attname)
                if isinstance(value, datetime.datetime):
                    value = value.replace(year=value.year - years)
                defaults[field.attname] = value
            defaults.update(year=year, name=f"{year}年{campaign.name.removeprefix(str(campaign.year) + '年')}")
            copy, _ = campaign_upsert(slug=f"{campaign.slug.split('-')[0]}-{year}", defaults=defaults)
            campaigns.append(copy)
    return campaigns


def seed(size: int, rng: random.Random) -> dict:
    """Demo people and campaigns, then ``size`` applications in bulk (processes, tasks, trail, materials)."""
    from django.contrib.auth.models import Group
    from viewflow.workflow.models import Task
    from viewflow.workflow.token import Token

    from organizations import demo as organizations_demo
    from organizations.models import Division, IndustryCategory, Organization, User
    from organizations.reference_data import load_all
    from organizations.uscc import ALPHABET, make_uscc
    from workflows.node_application import demo as applications_demo
    from workflows.node_application.flows import NodeApplicationFlow
    from workflows.node_application.models import (
        ApplicationEvent,
        Material,
        NodeApplication,
        NodeApplicationProcess,
        ReviewTask,
    )
    from workflows.node_application.services.campaigns import rules_version_for_submission
    from workflows.node_application.services.process import TASK_SPECS

    if not Division.objects.exists():  # tables made without migrations: load the reference data
        load_all(Division=Division, IndustryCategory=IndustryCategory, Group=Group)
    organizations_demo.seed()
    applications_demo.seed()
    campaigns = _campaigns()
    sichuan = next(c for c in campaigns if c.slug == "sc-2026")
    # every submitted application carries the rules version it was submitted under (as application_submit does)
    versions = {c.pk: rules_version_for_submission(campaign=c) for c in campaigns}
    industries = list(IndustryCategory.objects.values_list("code", flat=True))
    applicant = User.objects.get(username="applicant")

    def body(n: int) -> str:
        digits = []
        for _ in range(6):
            n, remainder = divmod(n, len(ALPHABET))
            digits.append(ALPHABET[remainder])
        return "RK" + "".join(reversed(digits))

    cities = {
        p: list(Division.objects.filter(level="city", code__startswith=p[:2]).values_list("code", flat=True))
        for p in {c.province_id for c in campaigns}
    }
    cities = {p: codes for p, codes in cities.items() if codes}  # the reference data has the cities of some provinces
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"基准申报单位{i}有限公司",
            kind="enterprise",
            city_id=(city := rng.choice(cities[province])),
            province_id=province,
            uscc=make_uscc(division=city, body=body(i)),
            registered_capital=100_000_000,
            address="基准路1号",
        )
        for i, province in enumerate(rng.choice(sorted(cities)) for _ in range(max(10, size // 40)))
    )
    organizations.append(applicant.organization)
    stages = list(OPEN_TASKS)
    processes = NodeApplicationProcess.objects.bulk_create(
        NodeApplicationProcess(flow_class=NodeApplicationFlow, status="NEW", data={}) for _ in range(size)
    )
    counters: dict = {}
    applications = []
    for n, process in enumerate(processes):
        campaign = rng.choice(campaigns)
        candidates = [o for o in organizations if o.province_id == campaign.province_id] or organizations
        organization = applicant.organization if n % 50 == 0 else rng.choice(candidates)
        node_type = "industry" if rng.random() < 0.8 else "regional"
        stage = rng.choice(stages)
        if n == 0:  # the one the pages open: the demo applicant's (Chengdu) industry node in municipal review
            campaign, organization, node_type, stage = sichuan, applicant.organization, "industry", "municipal_review"
        if node_type == "regional" and stage == "municipal_review":
            stage = "provincial_review"
        key = (campaign.pk, node_type)
        counters[key] = counters.get(key, 0) + 1
        letter = "R" if node_type == "regional" else "I"
        submitted = campaign.opens_at + datetime.timedelta(days=3)
        applications.append(
            NodeApplication(
                reference=f"JD{campaign.year}-{campaign.province_id[:2]}-{letter}{counters[key] + 100:04d}",
                campaign=campaign,
                node_type=node_type,
                organization=organization,
                created_by=applicant,
                division_code=(organization.city_id or campaign.province_id)
                if node_type == "industry"
                else campaign.province_id,
                stage=stage,
                region_id=campaign.province_id if node_type == "regional" else None,
                industry_id=rng.choice(industries) if node_type == "industry" else None,
                lead_name=organization.name,
                lead_address=organization.address,
                lead_uscc=organization.uscc,
                contact_name="基准联系人",
                contact_phone="028-12345678",
                contact_email="bench@example.invalid",
                policy_environment="政策环境。" * 20,
                basis="区位基础。" * 20,
                construction_plan="建设方案。" * 40,
                application_promotion="应用推广。" * 20,
                safeguard_measures="保障措施。" * 20,
                construction_entity=organization,
                operating_entity=organization,
                submitted_at=submitted if stage != "draft" else None,
                rules_version=versions[campaign.pk] if stage != "draft" else None,
                ministry_submitted_at=submitted + datetime.timedelta(days=20)
                if stage in ("expert_review", "publicity", "construction", "accepted")
                else None,
                process=process,
            )
        )
    NodeApplication.objects.bulk_create(applications, batch_size=500)
    # the applicant's own ones, for the status page
    workflow_tasks, review_tasks, events, materials = [], [], [], []
    for application in applications:
        for kind, department in OPEN_TASKS[application.stage]:
            workflow_tasks.append(
                Task(
                    process_id=application.process_id,
                    flow_task=getattr(NodeApplicationFlow, NODE_OF[(kind, department)]),
                    flow_task_type="FUNCTION",
                    status="NEW",
                    token=Token("start"),
                )
            )
            spec = TASK_SPECS[kind]
            division = {
                "province": application.division_code[:2] + "0000",
                "application": application.division_code,
                "country": "",
            }[spec.where]
            review_tasks.append(
                ReviewTask(
                    application=application,
                    kind=kind,
                    level=spec.level,
                    department=department or spec.department,
                    division_code=division,
                    due_at=getattr(application.campaign, spec.due)
                    if spec.due and spec.due != "publicity_ends_at"
                    else None,
                )
            )
        if application.stage == "draft":
            workflow_tasks.append(
                Task(
                    process_id=application.process_id,
                    flow_task=NodeApplicationFlow.prepare,
                    flow_task_type="FUNCTION",
                    status="NEW",
                    token=Token("start"),
                )
            )
            review_tasks.append(None)
        previous = ""
        for step, stage in enumerate(TRAIL[application.stage]):
            events.append(
                ApplicationEvent(
                    application=application,
                    action="bench",
                    action_label=f"基准步骤 {stage}",
                    actor=applicant,
                    from_stage=previous,
                    to_stage=stage,
                    opinion="同意。" if step else "",
                    at=application.campaign.opens_at + datetime.timedelta(days=step),
                )
            )
            previous = stage
        for kind in ("application_form", "construction_plan", "legal_person_proof", "proof_of_funds"):
            materials.append(
                Material(
                    application=application,
                    kind=kind,
                    format="pdf",
                    file=f"node_application/materials/bench/{application.reference}-{kind}.pdf",
                    original_name=f"{kind}.pdf",
                    detected_type="pdf",
                    size=1024,
                    sha256="0" * 64,
                    uploaded_by=applicant,
                )
            )
    created = Task.objects.bulk_create(workflow_tasks, batch_size=500)
    for task, review_task in zip(created, review_tasks, strict=True):
        if review_task is not None:
            review_task.workflow_task = task
    ReviewTask.objects.bulk_create([t for t in review_tasks if t is not None], batch_size=500)
    ApplicationEvent.objects.bulk_create(events, batch_size=1000)
    Material.objects.bulk_create(materials, batch_size=1000)
    return {
        "applications": size,
        "review_tasks": sum(t is not None for t in review_tasks),
        "events": len(events),
        "reviewer": "reviewer_chengdu",
        "applicant": "applicant",
        "reviewed": applications[0].reference,
        "own": applications[0].reference,
    }


def measure(data: dict, requests: int) -> dict:
    """p50/p95/max (ms) and queries per page, through the Django test client."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from organizations.models import User

    reviewer = User.objects.get(username=data["reviewer"])
    applicant = User.objects.get(username=data["applicant"])
    pages = {
        "inbox (reviewer)": (reviewer, reverse("node_application:inbox")),
        "application (reviewer)": (reviewer, reverse("node_application:detail", args=[data["reviewed"]])),
        "status (applicant)": (applicant, reverse("node_application:detail", args=[data["own"]])),
    }
    results = {}
    for label, (user, url) in pages.items():
        client = Client()
        client.force_login(user)
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {response.status_code}")
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        results[label] = {
            "url": url,
            "queries": len(executed),
            "p50": statistics.median(timings),
            "p95": percentile(timings, 0.95),
            "max": timings[-1],
        }
    return results


def run(args) -> dict:
    """In the child process: a throwaway SQLite database made from the models, seeded, then measured."""
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = str(Path(args.workdir) / "bench-review.sqlite3")
    connection.settings_dict["TEST"]["MIGRATE"] = False  # tables straight from the models: seconds, not minutes
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    data = seed(args.size, random.Random(SEED))
    seed_s = time.perf_counter() - started
    return {"setup_s": setup_s, "seed_s": seed_s, "data": data, "pages": measure(data, args.requests)}


def report(result: dict, size: int) -> None:
    data = result["data"]
    print(
        f"   seeded {data['applications']:,} applications, {data['review_tasks']:,} open review tasks, "
        f"{data['events']:,} trail entries (tables {result['setup_s']:.1f} s, seed {result['seed_s']:.1f} s)"
    )
    print(f"   {'page':<24} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for label, page in result["pages"].items():
        worst = max(worst, page["p95"])
        print(f"   {label:<24} {page['queries']:>7} {page['p50']:>8.1f} {page['p95']:>8.1f} {page['max']:>8.1f}")
    print(f"   worst p95 {worst:.1f} ms — target ≤ 200 ms: {'met' if worst <= 200 else 'NOT met'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        Path(args.json).write_text(json.dumps(run(args)))
        return 0
    print(
        f"bench-review: {args.size:,} applications, {args.requests} requests per page, seed {SEED}; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-review-") as workdir:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(workdir) / "unused.sqlite3")
        env["MEDIA_ROOT"] = str(Path(workdir) / "media")
        env["PRIVATE_MEDIA_ROOT"] = str(Path(workdir) / "private")
        out = Path(workdir) / "result.json"
        command = [sys.executable, __file__, "--child", "--workdir", workdir, "--json", str(out)]
        command += ["--size", str(args.size), "--requests", str(args.requests)]
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if completed.returncode or not out.exists():
            print(f"FAILED (exit {completed.returncode})")
            return 1
        report(json.loads(out.read_text()), args.size)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
