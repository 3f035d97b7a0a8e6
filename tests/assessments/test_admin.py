"""Back office: schemes are edited as drafts, validated on publishing, read-only once published."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from assessments.models import Scheme
from tests.assessments import helpers as h


def _admin(client):
    u = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(u)


def test_publish_action_refuses_weights_that_do_not_add_up(db, client):
    _admin(client)
    s = h.make_scheme(publish=False)
    s.indicators.filter(code="completion").update(weight=30)
    resp = client.post(
        reverse("admin:assessments_scheme_changelist"),
        {"action": "publish", "_selected_action": [s.pk]},
        follow=True,
    )
    assert "应为 100" in resp.content.decode()
    s.refresh_from_db()
    assert s.status == "draft"


def test_published_scheme_is_read_only_and_new_version_is_a_draft_copy(db, client):
    _admin(client)
    s = h.make_scheme()
    change = reverse("admin:assessments_scheme_change", args=[s.pk])
    resp = client.post(change, {"name": "改名"})
    assert resp.status_code == 403
    client.post(
        reverse("admin:assessments_scheme_changelist"), {"action": "new_version", "_selected_action": [s.pk]}
    )
    new = Scheme.objects.get(version=2)
    assert new.status == "draft" and new.indicators.count() == s.indicators.count() == 6
    assert client.get(reverse("admin:assessments_scheme_change", args=[new.pk])).status_code == 200
    assert client.get(change).status_code == 200  # still viewable
