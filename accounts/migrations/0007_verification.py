"""Driving licences become one kind of Verification (with identity documents): the rows and grants carry over."""

from django.db import migrations


def rename_permission(apps, schema_editor):
    # Staff who could review driving licences keep that right under its new name.
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="accounts", codename="review_drivinglicence").update(
        codename="review_verification", name="Can view and decide identity documents and driving licences"
    )


def name_back(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="accounts", codename="review_verification").update(
        codename="review_drivinglicence", name="Can view and decide driving licences"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_driving_licence"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameModel("DrivingLicence", "Verification"),
        migrations.RunPython(rename_permission, name_back),
    ]
