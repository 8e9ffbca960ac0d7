"""The "support" staff group: works the disputes desk and moderates reviews, never edits money or settings.

Permissions are created here first (Django only creates them after all migrations ran),
so the group gets them on a fresh database too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from disputes.roles import SUPPORT_GROUP, ensure_support_group

def create_support_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_support_group(apps)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=SUPPORT_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("reviews", "0001_initial"),
        ("bookings", "0002_booking_exclusion_constraint"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
