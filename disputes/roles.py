"""The "support" staff group: works the disputes desk and moderates reviews, never edits money or settings.

Created by the data migration `0002_support_group` and kept in place after every `migrate` or `flush`
(post_migrate, see apps.py), so a database emptied by a test run or a restore still has it.
"""

from __future__ import annotations

SUPPORT_GROUP = "support"
# (app label, codename). Nothing from payments (ledger, payments, payouts) and nothing on users,
# groups or settings: support reads money only through the dispute page's money trail.
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
    ("listings", "view_listing"),
    ("listings", "view_listingreport"),
    ("listings", "change_listingreport"),
    # Reports on people and messages (accounts.safety): the queue holds the reported context.
    ("accounts", "view_personreport"),
    ("accounts", "change_personreport"),
]


def ensure_support_group(apps) -> None:
    """Create the group if missing and give it exactly SUPPORT_PERMISSIONS (idempotent).

    `apps` is a migration's historical registry or django.apps.apps.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    wanted = []
    for app_label, codename in SUPPORT_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            wanted.append(permission)
    group.permissions.set(wanted)
