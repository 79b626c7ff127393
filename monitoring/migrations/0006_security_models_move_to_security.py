"""The security records (system F) moved to the ``security`` app: removed from this app's state only.

Their tables stay where they are (``monitoring_securityevent`` …); security/migrations/0001_initial.py
takes them over with ``db_table`` and runs first.
"""

from django.db import migrations

MOVED = ["VulnerabilityFinding", "VulnerabilityScan", "SecurityAlert", "SecurityEvent", "RiskAssessment"]


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_delete_tileversion"),
        ("security", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
            database_operations=[],
        ),
    ]
