"""Which models of this app are in the audit trail (django-auditlog: who, when, before/after)."""

from auditlog.registry import auditlog

from .models import Hold, Order, OrderLine

auditlog.register(Hold)
auditlog.register(Order)
auditlog.register(OrderLine)
