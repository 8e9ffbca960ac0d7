"""Give payments and payouts a UUID to derive Stripe idempotency keys from (ids can be reused after a rollback)."""

import uuid

from django.db import migrations, models


def fill_uids(apps, schema_editor):
    for name in ("Payment", "Payout"):
        model = apps.get_model("payments", name)
        for row in model.objects.filter(uid__isnull=True).only("pk"):
            row.uid = uuid.uuid4()
            row.save(update_fields=["uid"])


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        migrations.AddField(model_name="payment", name="uid", field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(model_name="payout", name="uid", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payment",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="payout",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
