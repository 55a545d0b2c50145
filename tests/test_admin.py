"""Operators see counts, states and failures; never pictures, faces or places."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from consent.models import ConsentEvent
from suggestions.models import MediaItem

from .conftest import grant, jpeg_bytes, upload_and_analyze, upload_file
from .factories import UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def library(user, corpus):
    grant(user, "library", "time", "location")
    good = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    data = jpeg_bytes(size=(300, 200))
    bad = upload_and_analyze(user, data[: len(data) // 2], name="broken.jpg")
    return good, bad


def test_admin_pages_show_no_user_media(client, operator, library, user):
    good, bad = library
    client.force_login(operator)
    pages = [
        reverse("admin:index"),
        reverse("admin:suggestions_mediaitem_changelist"),
        reverse("admin:suggestions_mediaitem_change", args=[good.pk]),
        reverse("admin:suggestions_mediaitem_change", args=[bad.pk]),
        reverse("admin:consent_consentevent_changelist"),
        reverse("admin:auth_user_change", args=[user.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "/library/" not in html and "thumb" not in html, url
        assert "DSCN0010" not in html and "Arezzo" not in html and "43.46" not in html, url
    changelist = client.get(reverse("admin:suggestions_mediaitem_changelist")).content.decode()
    assert "damaged or incomplete" in changelist


def test_consent_events_are_read_only_in_admin(client, operator, library, user):
    client.force_login(operator)
    event = ConsentEvent.objects.filter(record__user=user).first()
    page = client.get(reverse("admin:consent_consentevent_change", args=[event.pk])).content.decode()
    assert 'name="_save"' not in page
    assert client.post(reverse("admin:consent_consentevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:consent_consentevent_add")).status_code == 403
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_retry_action_requeues_a_failed_item_and_is_logged(client, operator, user):
    grant(user, "library")
    item, _ = upload_file(user, jpeg_bytes())
    MediaItem.objects.filter(pk=item.pk).update(status="failed", failure_reason="storage was down")
    client.force_login(operator)
    response = client.post(
        reverse("admin:suggestions_mediaitem_changelist"),
        {"action": "retry", "_selected_action": [item.pk]},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status in ("uploaded", "analyzed")  # queued (eager in tests: already analysed)
    assert item.failure_reason == ""
    assert LogEntry.objects.filter(object_id=str(item.pk), change_message="Retried analysis.").exists()
