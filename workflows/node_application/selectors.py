"""Reads of the node application process: who may see what, inboxes, timelines."""

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from organizations.models import AuthorityLevel, User
from organizations.roles import Role
from organizations.selectors import jurisdiction_q

from .models import (
    ApplicationEvent,
    ExpertAssignment,
    ExpertScore,
    Material,
    NodeApplication,
    ReviewTask,
    Stage,
    TaskKind,
    TaskStatus,
)

ROLE_BY_LEVEL = {
    AuthorityLevel.CITY: Role.MUNICIPAL_REVIEWER,
    AuthorityLevel.PROVINCE: Role.PROVINCIAL_REVIEWER,
    AuthorityLevel.MINISTRY: Role.MINISTRY_REVIEWER,
}


def _role_names(user: User) -> set[str]:
    cached = getattr(user, "_node_application_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._node_application_roles = cached
    return cached


def is_reviewer(user: User) -> bool:
    authority = getattr(user, "authority", None)
    return authority is not None and ROLE_BY_LEVEL[authority.level].value in _role_names(user)


def is_expert(user: User) -> bool:
    return Role.EXPERT.value in _role_names(user)


def _reviewer_application_q(user: User) -> Q:
    """Applications that reached this reviewer's level inside their jurisdiction."""
    authority = user.authority
    q = jurisdiction_q(user=user, field="division_code") & Q(submitted_at__isnull=False)
    if authority.level == AuthorityLevel.MINISTRY:
        q &= Q(ministry_submitted_at__isnull=False)
    elif authority.level == AuthorityLevel.CITY:
        # Cities are on the route only for industry nodes of campaigns with a municipal step.
        q &= Q(node_type="industry", campaign__has_municipal_review=True)
    return q


def application_list_for_user(*, user: User) -> QuerySet[NodeApplication]:
    """Every application this user may open; everything else answers 404."""
    queryset = NodeApplication.objects.select_related("campaign", "organization", "industry", "region")
    if not user.is_authenticated:
        return queryset.none()
    q = Q(pk__in=[])
    if user.organization_id:
        q |= Q(organization_id=user.organization_id)
    if is_reviewer(user):
        q |= _reviewer_application_q(user)
    if is_expert(user):
        q |= Q(expert_assignments__expert=user)
    return queryset.filter(q).distinct()


def application_get_for_user(*, user: User, reference: str) -> NodeApplication | None:
    return application_list_for_user(user=user).filter(reference=reference).first()


def application_is_owner(*, user: User, application: NodeApplication) -> bool:
    return bool(user.is_authenticated and user.organization_id and user.organization_id == application.organization_id)


def application_list_for_applicant(*, user: User) -> QuerySet[NodeApplication]:
    if not user.is_authenticated or not user.organization_id:
        return NodeApplication.objects.none()
    return (
        NodeApplication.objects.filter(organization_id=user.organization_id)
        .select_related("campaign", "industry", "region")
        .order_by("-created_at")
    )


def task_can_act(*, user: User, task: ReviewTask) -> bool:
    """The user works for an authority of the task's level and department whose jurisdiction covers it."""
    if task.status != TaskStatus.OPEN or not is_reviewer(user):
        return False
    authority = user.authority
    if authority.level != task.level:
        return False
    if task.department and authority.department != task.department:
        return False
    return authority.covers(task.division_code)


def task_list_for_user(
    *,
    user: User,
    campaign: str | None = None,
    node_type: str | None = None,
    kind: str | None = None,
    due_before=None,
    status: str = TaskStatus.OPEN,
) -> QuerySet[ReviewTask]:
    """The tasks of the user's authority only (level, department and jurisdiction): open ones by default,
    ``status=TaskStatus.DONE`` for those it has done."""
    if not is_reviewer(user):
        return ReviewTask.objects.none()
    authority = user.authority
    queryset = ReviewTask.objects.filter(
        jurisdiction_q(user=user, field="division_code"),
        status=status,
        level=authority.level,
    ).filter(Q(department="") | Q(department=authority.department))
    if campaign:
        queryset = queryset.filter(application__campaign__slug=campaign)
    if node_type:
        queryset = queryset.filter(application__node_type=node_type)
    if kind:
        queryset = queryset.filter(kind=kind)
    if due_before:
        queryset = queryset.filter(due_at__lte=due_before)
    return queryset.select_related(
        "application",
        "application__campaign",
        "application__organization",
        "application__industry",
        "application__region",
    ).order_by("due_at", "created_at")


def task_counts_for_user(*, user: User, now, soon) -> dict[str, int]:
    """In one query: the open tasks of the user's authority, those overdue at ``now`` and those due before
    ``soon`` among them, and the done ones."""
    if not is_reviewer(user):
        return {"open": 0, "overdue": 0, "soon": 0, "done": 0}
    authority = user.authority
    open_ = Q(status=TaskStatus.OPEN)
    return ReviewTask.objects.filter(
        jurisdiction_q(user=user, field="division_code"),
        Q(department="") | Q(department=authority.department),
        level=authority.level,
        status__in=[TaskStatus.OPEN, TaskStatus.DONE],
    ).aggregate(
        open=Count("pk", filter=open_),
        overdue=Count("pk", filter=open_ & Q(due_at__lte=now)),
        soon=Count("pk", filter=open_ & Q(due_at__gt=now, due_at__lte=soon)),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
    )


def task_get_for_user(*, user: User, pk: int) -> ReviewTask | None:
    return task_list_for_user(user=user).filter(pk=pk).first()


def done_task_get_for_user(*, user: User, pk: int) -> ReviewTask | None:
    """A task the user's authority has done: readable, never actionable again."""
    return task_list_for_user(user=user, status=TaskStatus.DONE).select_related("acted_by").filter(pk=pk).first()


def campaigns_for_reviewer(*, user: User) -> QuerySet:
    """The campaigns whose applications can reach this reviewer: their own province's (all for the ministry)."""
    from .models import Campaign

    if not is_reviewer(user):
        return Campaign.objects.none()
    prefix = user.authority.jurisdiction_prefix
    queryset = Campaign.objects.order_by("-year", "name")
    if prefix:
        queryset = queryset.filter(province_id=prefix[:2] + "0000")
    if user.authority.level == AuthorityLevel.CITY:
        queryset = queryset.filter(has_municipal_review=True, accepts_industry=True)
    return queryset


def application_partner_tasks(*, task: ReviewTask) -> list[ReviewTask]:
    """The other department's task of the same joint-review round (open, or its latest done one)."""
    if task.kind != TaskKind.PROVINCIAL_REVIEW:
        return []
    others = (
        ReviewTask.objects.filter(application_id=task.application_id, kind=task.kind)
        .exclude(department=task.department)
        .exclude(status=TaskStatus.CANCELLED)
        .select_related("acted_by")
        .order_by("-created_at", "-pk")
    )
    return list(others[:1])


def application_earlier_opinions(*, application: NodeApplication, before: ReviewTask | None = None) -> list:
    """The done review tasks of an application, oldest first, each with its decision label and opinion."""
    queryset = application.tasks.filter(status=TaskStatus.DONE).select_related("acted_by").order_by("acted_at", "pk")
    if before is not None:
        queryset = queryset.exclude(pk=before.pk)
    return list(queryset)


def scores_visible_to(*, user: User, application: NodeApplication) -> bool:
    """Experts score blind: the scores and comments of others are shown to the ministry at any time and to
    anyone else (other reviewers, an assigned expert) only once every assigned expert has scored."""
    if is_reviewer(user) and user.authority.level == AuthorityLevel.MINISTRY:
        return True
    assigned = {a.expert_id for a in application.expert_assignments.all()}
    scored = {s.expert_id for s in application.expert_scores.all()}
    return bool(assigned) and assigned <= scored


def material_get_for_user(*, user: User, pk: int) -> Material | None:
    material = Material.objects.select_related("application").filter(pk=pk).first()
    if material is None:
        return None
    if not application_list_for_user(user=user).filter(pk=material.application_id).exists():
        return None
    return material


def application_events(*, application: NodeApplication, for_applicant: bool) -> QuerySet[ApplicationEvent]:
    queryset = application.events.select_related("actor")
    if for_applicant:
        queryset = queryset.filter(visible_to_applicant=True)
    return queryset.order_by("at", "pk")


def expert_assignment_list(*, user: User) -> QuerySet[ExpertAssignment]:
    """The expert's own assignments, those still to score first (in expert review, no score yet), then the rest;
    each carries ``my_score`` (None until scored) and ``to_score``."""
    if not is_expert(user):
        return ExpertAssignment.objects.none()
    mine = ExpertScore.objects.filter(application=OuterRef("application"), expert=user)
    return (
        ExpertAssignment.objects.filter(expert=user)
        .annotate(
            my_score=Subquery(mine.values("score")[:1]),
            scored=Exists(mine),
            to_score=Case(
                When(Q(application__stage=Stage.EXPERT_REVIEW) & ~Exists(mine), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .select_related(
            "application",
            "application__campaign",
            "application__organization",
            "application__industry",
            "application__region",
        )
        .order_by("-to_score", "-assigned_at", "-pk")
    )


def experts_available() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.EXPERT.value, is_active=True).order_by("full_name", "pk")


def application_detail_prefetch(queryset: QuerySet[NodeApplication]) -> QuerySet[NodeApplication]:
    return queryset.select_related("construction_entity", "operating_entity", "rules_version").prefetch_related(
        "materials",
        Prefetch("events", queryset=ApplicationEvent.objects.select_related("actor").order_by("at", "pk")),
        Prefetch("tasks", queryset=ReviewTask.objects.order_by("created_at")),
        "expert_scores__expert",
        "expert_assignments__expert",
        "objections",
    )


def campaigns_for_organization(*, organization, now) -> tuple[list, list]:
    """The campaigns of the organisation's province: (open ones, the others), each other one with
    ``status`` "closed" or "upcoming", so that a page can say why it offers no "new" button."""
    from .models import Campaign

    if organization is None:
        return [], []
    open_, others = [], []
    for campaign in Campaign.objects.filter(province_id=organization.province_id).select_related("province"):
        if campaign.opens_at <= now < campaign.materials_deadline:
            open_.append(campaign)
        else:
            campaign.status = "closed" if now >= campaign.materials_deadline else "upcoming"
            others.append(campaign)
    others.sort(key=lambda c: c.materials_deadline, reverse=True)
    return open_, others
