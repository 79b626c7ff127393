"""``Review``: a Viewflow ``Handle`` whose task is, at the same time, a ``ReviewTask`` for one authority.

The flow creates the Viewflow task; the activation opens the reviewers' ``ReviewTask`` for it (level,
department, place, due date from ``services.process.TASK_SPECS``); ``services.task_act`` completes both in
one transaction under the process lock.
"""

from viewflow.workflow import flow

from .services.process import review_task_open


class ReviewActivation(flow.Handle.activation_class):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        activation = super().create(flow_task, prev_activation, token, data=data, seed=seed)
        review_task_open(workflow_task=activation.task, kind=flow_task.kind, department=flow_task.department)
        return activation


class Review(flow.Handle):
    """A reviewers' step of ``kind`` (a ``TaskKind``), optionally for one provincial department."""

    activation_class = ReviewActivation

    def __init__(self, func, *, kind: str, department: str = "", **kwargs):
        super().__init__(func, **kwargs)
        self.kind = kind
        self.department = department
