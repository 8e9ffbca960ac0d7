"""The "support" staff group: works the disputes desk and moderates reviews, never edits money or settings.

Permissions are created here first (Django only creates them after all migrations ran),
so the group gets them on a fresh database too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_GROUP = "support"
SUPPORT_PERMISSIONS = [
    ("disputes", "view_dispute"),
    ("disputes", "change_dispute"),
    ("disputes", "view_disputeevidence"),
    ("disputes", "add_disputeevidence"),
    ("disputes", "view_admindecision"),
    ("reviews", "view_review"),
    ("reviews", "view_reviewreport"),
    ("reviews", "change_reviewreport"),
    ("bookings", "view_booking"),
]


def create_support_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    for app_label, codename in SUPPORT_PERMISSIONS:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        group.permissions.add(permission)


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
