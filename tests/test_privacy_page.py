"""The privacy centre as a page: scopes with their details, data section, export from the web."""

import re
from html import unescape

from django.urls import reverse

from consent import scopes
from consent.models import Export
from consent.services import active_grants

from .conftest import grant


def test_each_scope_says_what_it_allows_erases_and_when_it_was_granted(client, user):
    [library] = grant(user, "library")
    client.force_login(user)
    page = unescape(client.get(reverse("consent:privacy")).content.decode())
    for scope in scopes.SCOPES.values():
        assert scope.allows in page and scope.erases in page
    assert f"under notice {library.notice_version[:8]}" in page
    assert page.count('aria-checked="true"') == 1 and page.count('aria-checked="false"') == 5
    for words in ("Consent receipt", "Prepare an export", "Delete my account", "What rollweb does on a schedule"):
        assert words in page


def test_empty_history_explains_itself(client, user):
    client.force_login(user)
    assert "No choices made yet." in client.get(reverse("consent:privacy")).content.decode()


def test_revoking_takes_no_more_steps_than_granting(client, user):
    """Granting from the page is one form; withdrawing is one form and, when it erases, one
    confirmation. Face recognition takes a confirmation both ways."""
    grant(user, "library")
    client.force_login(user)
    notice = scopes.notice_version()

    assert client.post(reverse("consent:grant"), {"scope": "time", "notice_version": notice}).status_code == 302
    assert "time" in active_grants(user.pk)
    client.post(reverse("consent:revoke", args=["time"]))
    client.post(reverse("consent:revoke", args=["time"]), {"confirm": "yes"})
    assert "time" not in active_grants(user.pk)

    client.post(reverse("consent:grant"), {"scope": "faces", "notice_version": notice})
    client.post(reverse("consent:faces"), {"notice_version": notice, "understood": "on"})
    assert "faces" in active_grants(user.pk)
    client.post(reverse("consent:revoke", args=["faces"]))
    client.post(reverse("consent:revoke", args=["faces"]), {"confirm": "yes"})
    assert "faces" not in active_grants(user.pk)


def test_export_from_the_page_shows_progress_then_the_link(client, user):
    client.force_login(user)
    response = client.post(reverse("consent:export_start"))
    export = Export.objects.get(user=user)
    assert response["Location"] == reverse("consent:export", args=[export.pk])
    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' in page and "<progress" in page  # works without JavaScript
    again = client.post(reverse("consent:export_start"), follow=True)
    assert "already being prepared" in again.content.decode() and Export.objects.filter(user=user).count() == 1

    from consent.export import export_build

    export_build(export.pk)
    page = client.get(reverse("consent:export", args=[export.pk])).content.decode()
    assert "refresh" not in page and reverse("consent:export_download", args=[export.pk]) in page
    privacy = client.get(reverse("consent:privacy")).content.decode()
    assert re.search(r"Export of .*?download", privacy, re.S)


def test_export_start_needs_post(client, user):
    client.force_login(user)
    assert client.get(reverse("consent:export_start")).status_code == 405
