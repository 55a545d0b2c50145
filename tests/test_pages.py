"""The browser pages: accounts, consent onboarding, privacy switches, library and item pages."""

import re

from django.core import mail
import pytest
from django.urls import reverse

from consent import scopes
from consent.models import ConsentEvent
from consent.services import active_grants

from .conftest import grant, upload_and_analyze
from .factories import UserFactory


def test_landing_page_for_visitors(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create an account" in response.content


def test_signup_signs_in_and_starts_onboarding(client, db):
    response = client.post(
        reverse("signup"),
        {"username": "ada", "email": "ada@example.org", "password1": "a long passphrase 42", "password2": "a long passphrase 42"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("consent:onboarding")
    assert client.get("/").url == reverse("consent:onboarding")


def test_signup_errors_are_shown(client, db):
    response = client.post(reverse("signup"), {"username": "ada", "password1": "x", "password2": "y"})
    assert response.status_code == 200
    assert b"didn\xe2\x80\x99t match" in response.content or b"didn't match" in response.content


def test_login_and_logout(client, db):
    UserFactory(username="bea")
    response = client.post(reverse("login"), {"username": "bea", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.get(reverse("library:index")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("library:index")).status_code == 302


def test_password_reset_by_email(client, db):
    UserFactory(username="cy", email="cy@example.org")
    response = client.post(reverse("password_reset"), {"email": "cy@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "another long phrase 7", "new_password2": "another long phrase 7"})
    assert response.status_code == 302
    assert client.login(username="cy", password="another long phrase 7")


def test_onboarding_shows_every_scope_off(client, user):
    client.force_login(user)
    response = client.get(reverse("consent:onboarding"))
    text = response.content.decode()
    assert text.count('name="scopes"') == 6
    assert " checked" not in text
    for scope in scopes.SCOPES.values():
        assert scope.title in text


def test_onboarding_grants_a_subset_and_asks_again_for_faces(client, user):
    client.force_login(user)
    response = client.post(
        reverse("consent:onboarding"),
        {"scopes": ["library", "time", "faces"], "notice_version": scopes.notice_version()},
    )
    assert response["Location"] == reverse("consent:faces")
    assert set(active_grants(user.pk)) == {"library", "time"}
    page = client.get(reverse("consent:faces")).content.decode()
    for words in ("Purpose", "How long", "How to withdraw", "365 days"):
        assert words in page
    response = client.post(reverse("consent:faces"), {"notice_version": scopes.notice_version()})
    assert response.status_code == 200 and "faces" not in active_grants(user.pk)  # the box must be ticked
    client.post(reverse("consent:faces"), {"notice_version": scopes.notice_version(), "understood": "on"})
    assert set(active_grants(user.pk)) == {"library", "time", "faces"}
    assert b"Suggestions for you" in client.get("/").content  # the feed


def test_onboarding_refusing_everything_is_respected(client, user):
    client.force_login(user)
    response = client.post(reverse("consent:onboarding"), {"notice_version": scopes.notice_version()})
    assert response["Location"] == reverse("home")
    assert active_grants(user.pk) == {}
    assert b"Suggestions for you" in client.get("/").content  # the feed: not asked again


def test_onboarding_refuses_scopes_without_library(client, user):
    client.force_login(user)
    response = client.post(reverse("consent:onboarding"), {"scopes": ["time"], "notice_version": scopes.notice_version()})
    assert response.status_code == 200
    assert "Every other choice needs" in response.content.decode()
    assert active_grants(user.pk) == {}


def test_privacy_switches_grant_and_revoke_with_confirmation(client, user, corpus):
    grant(user, "library")
    client.force_login(user)
    client.post(reverse("consent:grant"), {"scope": "location", "notice_version": scopes.notice_version()})
    assert "location" in active_grants(user.pk)
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    assert item.latitude is not None

    confirm = client.post(reverse("consent:revoke", args=["location"]))
    assert confirm.status_code == 200 and b"Turn off and erase" in confirm.content
    assert "location" in active_grants(user.pk)  # nothing happens before the confirmation

    response = client.post(reverse("consent:revoke", args=["location"]), {"confirm": "yes"}, follow=True)
    assert "Erased: 1 homes, 1 locations, 1 places." in response.content.decode()
    assert "location" not in active_grants(user.pk)
    item.refresh_from_db()
    assert item.latitude is None


def test_privacy_switch_for_sync_needs_no_confirmation(client, user):
    grant(user, "library", "sync")
    client.force_login(user)
    client.post(reverse("consent:revoke", args=["sync"]))
    assert "sync" not in active_grants(user.pk)


def test_privacy_faces_switch_goes_through_confirmation(client, user):
    grant(user, "library")
    client.force_login(user)
    response = client.post(reverse("consent:grant"), {"scope": "faces", "notice_version": scopes.notice_version()})
    assert response["Location"] == reverse("consent:faces")
    assert "faces" not in active_grants(user.pk)


def test_stale_notice_on_a_switch_is_refused(client, user):
    grant(user, "library")
    client.force_login(user)
    response = client.post(reverse("consent:grant"), {"scope": "time", "notice_version": "old"}, follow=True)
    assert "changed" in response.content.decode()
    assert "time" not in active_grants(user.pk)


def test_privacy_page_lists_history_with_counts(client, user, corpus):
    grant(user, "library", "location")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    client.force_login(user)
    client.post(reverse("consent:revoke", args=["location"]), {"confirm": "yes"})
    page = client.get(reverse("consent:privacy")).content.decode()
    assert "erasure completed" in page and "1 locations" in page
    assert ConsentEvent.objects.filter(record__user=user).count() == 4


def test_unknown_scope_is_404(client, user):
    client.force_login(user)
    assert client.get(reverse("consent:revoke", args=["ads"])).status_code == 404


def test_library_without_consent_explains_why(client, user):
    client.force_login(user)
    page = client.get(reverse("library:index")).content.decode()
    assert "Uploading is off" in page and 'type="file"' not in page


def test_library_and_item_pages(client, user, corpus):
    grant(user, "library", "time")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    client.force_login(user)
    page = client.get(reverse("library:index")).content.decode()
    assert 'type="file"' in page and "multiple" in page
    assert reverse("library:thumbnail", args=[item.pk, "small"]) in page
    detail = client.get(reverse("library:detail", args=[item.pk])).content.decode()
    assert "22 Oct 2008, 16:28:39" in detail
    assert "Skipped: no consent to “Use where photos were taken”." in detail
    assert "Read the capture time" in detail


def test_status_endpoint_reports_states(client, user, corpus):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    client.force_login(user)
    data = client.get(reverse("library:status"), {"ids": f"{item.pk},x,999999"}).json()
    assert data["items"][0]["status"] == "analyzed"
    assert data["items"][0]["thumbnail_url"].endswith("/thumbnail/small/")


def test_delete_item_page(client, user, corpus, stored_files, django_capture_on_commit_callbacks):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    client.force_login(user)
    assert client.get(reverse("library:delete", args=[item.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library:delete", args=[item.pk]))
    assert response["Location"] == reverse("library:index")
    assert stored_files() == []


def test_unknown_page_is_a_friendly_404(client, user, settings):
    client.force_login(user)
    response = client.get("/no/such/page/")
    assert response.status_code == 404 and b"Not found" in response.content


@pytest.mark.parametrize("ids", ["²", "99999999999999999999999", "1,,x,-3", ""])
def test_the_live_status_ignores_ids_it_cannot_read(client, user, ids):
    client.force_login(user)
    response = client.get(reverse("library:status"), {"ids": ids})
    assert response.status_code == 200
