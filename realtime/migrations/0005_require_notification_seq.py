"""Every notification has its place in its recipient's sequence, once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("realtime", "0004_backfill_notification_seq")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="seq",
            field=models.PositiveBigIntegerField(help_text="1, 2, 3... per recipient, in commit order"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("recipient", "seq"), name="realtime_notification_one_seq_per_recipient"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(condition=models.Q(seq__gte=1), name="realtime_notification_seq_from_one"),
        ),
    ]
