"""Number each person's notifications (seq) so that only notifications to the same person are ordered.

Three steps in three migrations, so that PostgreSQL never alters a table in the transaction that
updated its rows: add the columns (nullable), backfill them, then require them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("realtime", "0002_threads_and_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="seq",
            field=models.PositiveBigIntegerField(help_text="1, 2, 3... per recipient, in commit order", null=True),
        ),
        migrations.CreateModel(
            name="NotificationSequence",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("last_seq", models.PositiveBigIntegerField(default=0)),
            ],
        ),
    ]
