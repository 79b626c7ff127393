from django.db import migrations

from organizations.reference_data import load_all


def forwards(apps, schema_editor):
    load_all(
        Division=apps.get_model("organizations", "Division"),
        IndustryCategory=apps.get_model("organizations", "IndustryCategory"),
        Group=apps.get_model("auth", "Group"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
