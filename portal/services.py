"""Writes of the public portal: the site's sections and who may edit and approve them."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from organizations.roles import Role
from portal.models import HomePage, NoticeIndexPage, PolicyIndexPage

SECTIONS = [
    (NoticeIndexPage, "notices", "通知公告", "<p>本节点及各级主管部门发布的节点建设、申报与运行通知。</p>"),
    (PolicyIndexPage, "policies", "政策文件", "<p>算力互联互通相关的政策文件、标准规范与政策解读。</p>"),
]

# Wagtail page permissions on the notice and policy sections (and everything below them).
PAGE_PERMISSIONS = {
    Role.EDITOR: ["add_page", "change_page"],
    Role.APPROVER: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
DOCUMENT_PERMISSIONS = ["add_document", "change_document", "choose_document"]
WORKFLOW_NAME = "通知公告与政策文件审核"
TASK_NAME = "审核并发布"


def _page_permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)


@transaction.atomic
def portal_sections_ensure() -> list[Page]:
    """The notice and policy sections under the home page, created and published once."""
    home = HomePage.objects.first()
    if home is None:
        return []
    sections = []
    for model, slug, title, intro in SECTIONS:
        section = model.objects.child_of(home).first()
        if section is None:
            section = home.add_child(instance=model(title=title, slug=slug, intro=intro))
            section.save_revision().publish()
        sections.append(section)
    return sections


@transaction.atomic
def editorial_permissions_ensure(*, sections: list[Page]) -> None:
    """Editors draft, approvers approve and publish, in the given sections only; both may upload documents."""
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    root_collection = Collection.get_first_root_node()
    for role, codenames in PAGE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.add(access_admin)
        for section in sections:
            for codename in codenames:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=section, permission=_page_permission(codename)
                )
        for codename in DOCUMENT_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=root_collection,
                permission=Permission.objects.get(content_type__app_label="wagtaildocs", codename=codename),
            )


@transaction.atomic
def editorial_workflow_ensure(*, sections: list[Page]) -> Workflow:
    """One moderation workflow on the sections: an editor submits, an approver's approval publishes."""
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(Group.objects.get_or_create(name=Role.APPROVER.value)[0])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for section in sections:
        WorkflowPage.objects.get_or_create(page=section, defaults={"workflow": workflow})
    return workflow


def portal_setup() -> list[Page]:
    """Everything the portal needs besides content: sections, editor and approver rights, workflow."""
    with transaction.atomic():
        sections = portal_sections_ensure()
        if sections:
            editorial_permissions_ensure(sections=sections)
            editorial_workflow_ensure(sections=sections)
    return sections
