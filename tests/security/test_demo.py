from auditlog.models import LogEntry

from security import demo
from security.models import RiskAssessment


def test_demo_risk_register_is_idempotent(make_user):
    assert "no demo operator" in demo.seed()[0]
    make_user("node_operator", username="operator")
    demo.seed()
    assert RiskAssessment.objects.count() == len(demo.RISKS)
    entries = LogEntry.objects.count()
    demo.seed()
    assert RiskAssessment.objects.count() == len(demo.RISKS)
    assert LogEntry.objects.count() == entries
