"""What the admin says after an action ("2 disputes marked as looked at.") reads in the staff member's language,
with that language's plural, not "dispute(s)" in English.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from tests.disputes.helpers import open_as_guest, paid_booking, support_user

# Each message of an admin action that counts, as the code asks for it (singular, plural).
COUNTED = [
    ("%(count)d document verified.", "%(count)d documents verified."),
    ("%(count)d transition will be tried again at the next sweep.",
     "%(count)d transitions will be tried again at the next sweep."),
    ("%(count)d dispute marked as looked at.", "%(count)d disputes marked as looked at."),
    ("%(count)d payout sent.", "%(count)d payouts sent."),
    ("%(count)d event processed.", "%(count)d events processed."),
    ("%(count)d operation went through.", "%(count)d operations went through."),
]  # fmt: skip


@pytest.mark.parametrize("language", ["es", "fr", "de", "ja", "zh-hans"])
@pytest.mark.parametrize(("singular", "plural"), COUNTED)
def test_each_counted_admin_message_is_translated_with_its_plural(language, singular, plural):
    with translation.override(language):
        one, three = ngettext(singular, plural, 1) % {"count": 1}, ngettext(singular, plural, 3) % {"count": 3}
    assert one != singular % {"count": 1} and three != plural % {"count": 3}
    assert "1" in one and "3" in three


@pytest.mark.django_db
def test_marking_disputes_as_looked_at_says_so_in_german_with_the_plural(client):
    disputes = []
    for _ in range(2):
        disputes.append(open_as_guest(paid_booking()))
    client.force_login(support_user())
    response = client.post(
        reverse("admin:disputes_dispute_changelist"),
        {"action": "mark_reviewed", "_selected_action": [d.pk for d in disputes]},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == ["2 Streitfälle als angesehen markiert."]
