"""Number the notifications stored so far in id order (the order they committed in under the old lock).

Plain SQL that PostgreSQL and SQLite (>= 3.33, UPDATE ... FROM) both run, one statement per
table rather than a Python loop, so a large table is numbered in one pass.
"""

from django.db import migrations

NUMBER_NOTIFICATIONS = """
UPDATE realtime_notification SET seq = numbered.seq
FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY recipient_id ORDER BY id) AS seq FROM realtime_notification
) AS numbered
WHERE realtime_notification.id = numbered.id
"""

COUNT_PER_PERSON = """
INSERT INTO realtime_notificationsequence (user_id, last_seq)
SELECT recipient_id, MAX(seq) FROM realtime_notification GROUP BY recipient_id
"""


class Migration(migrations.Migration):
    dependencies = [("realtime", "0003_notification_seq")]

    operations = [
        migrations.RunSQL(NUMBER_NOTIFICATIONS, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(COUNT_PER_PERSON, reverse_sql="DELETE FROM realtime_notificationsequence"),
    ]
