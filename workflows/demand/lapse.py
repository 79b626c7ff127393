"""A plan whose hold expired before its providers confirmed lapses, and the demand moves on.

Holds expire in ``orders`` (the periodic ``holds_expire``: the cards go back to the market); ``orders``
sits below the demand process and does not know it. This module, run by the worker right after
(``workflows.demand.tasks.demand_plans_lapse``), finds each accepted match with a provider still to
confirm whose hold expired, and, under the process lock in one transaction:

- cancels the match's scheduling records that were pending or confirmed, releases the holds other
  providers still had and cancels the orders already confirmed for it (a plan is taken whole or not at all);
- marks the match 预留已过期 (lapsed);
- re-plans when no other offer is left: matching runs again on what is available now, the new offers
  numbered after the old ones;
- completes the providers' open confirmation task, so DemandFlow's switch takes the demand back to the
  user's choice (offers left) or ends it (none: status 方案预留已过期).

The demand's user sees the lapsed plan (its state and the demand's summary) and picks again.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from orders.models import Hold, HoldState
from orders.services import holds_release, orders_cancel_for

from . import selectors, services
from .models import Demand, DemandMatch, DemandStatus, MatchState, SchedulingStatus

logger = logging.getLogger(__name__)


def lapsed_match_ids() -> list[int]:
    """Accepted matches with a pending provider whose hold on the match expired (cheap: few matches are
    accepted and waiting at any time)."""
    waiting = DemandMatch.objects.filter(
        state=MatchState.ACCEPTED, scheduling_records__status=SchedulingStatus.PENDING
    ).distinct()
    found = []
    for match in waiting.order_by("pk"):
        providers = match.scheduling_records.filter(status=SchedulingStatus.PENDING).values("provider_id")
        expired = Hold.objects.filter(
            reference=services._hold_reference(match), state=HoldState.EXPIRED, provider_id__in=providers
        )
        if expired.exists():
            found.append(match.pk)
    return found


def demand_plans_lapse() -> int:
    """Lapse every accepted plan whose hold expired before confirmation; returns how many lapsed."""
    count = 0
    for match_id in lapsed_match_ids():
        try:
            if match_lapse(match_id=match_id):
                count += 1
        except Exception:  # one demand's failure must not stop the others (the next run tries again)
            logger.exception("lapsing match %s failed", match_id)
    return count


def match_lapse(*, match_id: int) -> bool:
    """Lapse one accepted match (see the module doc); False if it is no longer waiting."""
    demand = Demand.objects.get(matches__pk=match_id)
    flow = services._flow()
    with flow.lock(demand.process_id), transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=demand.pk)
        match = DemandMatch.objects.select_for_update().get(pk=match_id)
        if match.state != MatchState.ACCEPTED:
            return False
        task = selectors.demand_active_task(demand=demand, node=flow.confirm)
        if task is None:
            return False
        now = timezone.now()
        match.scheduling_records.filter(status__in=[SchedulingStatus.PENDING, SchedulingStatus.CONFIRMED]).update(
            status=SchedulingStatus.CANCELLED, cancelled_at=now
        )
        reference = services._hold_reference(match)
        holds_release(reference=reference)
        orders_cancel_for(reference=reference, reason=_("方案的资源预留已过期，服务商未在时限内全部确认。"))
        match.state = MatchState.LAPSED
        match.save(update_fields=["state"])
        note = _("方案 %(rank)s 的资源预留已于 %(at)s 过期（服务商未在时限内确认），已释放。") % {
            "rank": match.rank,
            "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        }
        if demand.matches.filter(state=MatchState.OFFERED).exists():
            demand.status = DemandStatus.MATCHED
            demand.match_summary = note + _("请选择其他方案。")
        else:
            offers = services.demand_match(demand=demand)  # re-plan on what is available now
            demand.refresh_from_db()
            if offers:
                demand.match_summary = note + _("已按当前余量重新匹配，请选择新的方案。")
            else:
                demand.status = DemandStatus.LAPSED
                demand.match_summary = note + _("按当前余量暂无可满足的方案，请调整需求后重新提交。")
        demand.save(update_fields=["status", "match_summary", "updated_at"])
        # The providers' confirmation task ends here: DemandFlow's switch returns to the user's choice
        # (offers left) or ends the process. The task is completed in the demand user's name (the node
        # acts for nobody else; the match's state and the summary say why).
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(demand.user)
        activation.start(services._acting(task.owner or demand.user))
        activation.execute()
    return True
