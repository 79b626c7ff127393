"""Permissions of the node application process (autodiscovered by django-rules).

Object checks delegate to selectors, the one place that knows who may see an application.
"""

import rules

from organizations.predicates import is_applicant, is_expert, is_government_reviewer

from . import selectors


@rules.predicate
def can_view_application(user, application) -> bool:
    if application is None:
        return False
    return selectors.application_list_for_user(user=user).filter(pk=application.pk).exists()


@rules.predicate
def owns_application(user, application) -> bool:
    return application is not None and selectors.application_is_owner(user=user, application=application)


@rules.predicate
def can_act_on_task(user, task) -> bool:
    return task is not None and selectors.task_can_act(user=user, task=task)


rules.add_perm("node_application.view_nodeapplication", can_view_application)
rules.add_perm("node_application.change_nodeapplication", is_applicant & owns_application)
rules.add_perm("node_application.act_reviewtask", is_government_reviewer & can_act_on_task)
rules.add_perm("node_application.score_nodeapplication", is_expert & can_view_application)
