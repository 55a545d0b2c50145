"""The consent and account API: success, field errors, 401 anonymous, 404 for others' exports."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from consent import scopes
from consent.models import ConsentEvent, Export
from consent.services import active_grants
from rollweb.tokens import token_issue
from suggestions.models import MediaItem

from .conftest import grant, upload_and_analyze
from .leftovers import erasure_leftovers
from .test_receipt import validate

API = "/api/v1"


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_401_everywhere(db):
    client = APIClient()
    for method, path in [
        ("get", "/consent/"), ("post", "/consent/grant/"), ("post", "/consent/revoke/"), ("get", "/consent/events/"),
        ("get", "/consent/receipt/"), ("post", "/account/export/"), ("get", f"/account/export/{Export().pk}/"),
        ("delete", "/account/"),
    ]:
        assert getattr(client, method)(API + path).status_code == 401, path


def test_consent_state(api, user):
    grant(user, "library", "faces")
    data = api.get(f"{API}/consent/").json()
    assert data["notice_version"] == scopes.notice_version()
    by_scope = {s["scope"]: s for s in data["scopes"]}
    assert list(by_scope) == scopes.ORDER
    assert by_scope["library"]["granted"] and by_scope["library"]["expires_at"] is None
    assert by_scope["faces"]["granted"] and by_scope["faces"]["expires_at"] and by_scope["faces"]["sensitive"]
    assert not by_scope["time"]["granted"] and by_scope["time"]["granted_at"] is None
    assert set(by_scope["time"]) >= {"scope", "title", "description", "granted", "granted_at", "expires_at", "paused"}


def test_grant(api, user):
    response = api.post(
        f"{API}/consent/grant/", {"scopes": ["library", "time"], "notice_version": scopes.notice_version()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["granted"] == ["library", "time"]
    assert set(active_grants(user.pk)) == {"library", "time"}
    assert ConsentEvent.objects.filter(record__user=user, kind="grant", method="api").count() == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"scopes": ["library", "advertising"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["time"]}, "scopes"),  # without library
        ({"scopes": ["library"], "notice_version": "0" * 16}, "notice_version"),
        ({"scopes": ["library", "faces"]}, "biometric_confirmed"),
        ({"notice_version": "x"}, "scopes"),
    ],
)
def test_grant_refusals_are_field_errors(api, user, body, field):
    body = {"notice_version": scopes.notice_version(), **body}
    response = api.post(f"{API}/consent/grant/", body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert active_grants(user.pk) == {}


def test_faces_with_its_confirmation(api, user):
    response = api.post(
        f"{API}/consent/grant/",
        {"scopes": ["library", "faces"], "notice_version": scopes.notice_version(), "biometric_confirmed": True},
        format="json",
    )
    assert response.status_code == 200 and "faces" in active_grants(user.pk)


def test_revoke_reports_what_was_erased(api, user, corpus, stored_files):
    grant(user, "library", "location")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    response = api.post(f"{API}/consent/revoke/", {"scopes": ["location"]}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "revoked": ["location"], "erased": {"locations": 1, "places": 1, "homes": 1}, "erasing": []
    }
    response = api.post(f"{API}/consent/revoke/", {"scopes": ["library"]}, format="json")
    assert response.json()["revoked"] == ["library"]
    assert response.json()["erased"]["media"] == 1 and response.json()["erased"]["files"] == 3
    assert stored_files() == [] and erasure_leftovers(user.pk, scopes=["library"]) == []


def test_revoke_refusals(api):
    assert "scopes" in api.post(f"{API}/consent/revoke/", {"scopes": ["ads"]}, format="json").json()
    assert api.post(f"{API}/consent/revoke/", {}, format="json").status_code == 400


def test_events_are_newest_first_and_paginated(api, user):
    grant(user, "library", "time")
    api.post(f"{API}/consent/revoke/", {"scopes": ["time"]}, format="json")
    data = api.get(f"{API}/consent/events/").json()
    assert [(e["kind"], e["scope"]) for e in data["results"]] == [
        ("erasure", "time"), ("revoke", "time"), ("grant", "time"), ("grant", "library"),
    ]
    page = api.get(f"{API}/consent/events/", {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = api.get(page["next"]).json()
    assert [e["id"] for e in rest["results"]] == [e["id"] for e in data["results"][2:]]


def test_events_are_only_ones_own(api, user, other_user):
    grant(other_user, "library")
    assert api.get(f"{API}/consent/events/").json()["results"] == []


def test_receipt(api, user):
    grant(user, "library", "faces")
    receipt = api.get(f"{API}/consent/receipt/").json()
    validate(receipt)
    assert receipt["privacy_notice"]["location"].endswith("/privacy/")


def test_export_flow(api, user, other_user, corpus, django_capture_on_commit_callbacks):
    grant(user, "library")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{API}/account/export/")
    assert response.status_code == 202
    export_id = response.json()["id"]
    detail = api.get(f"{API}/account/export/{export_id}/").json()
    assert detail["status"] == "ready" and detail["progress"] == 100
    download = api.get(detail["download_url"])
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.read("originals/DSCN0010.jpg") == (corpus / "exif" / "DSCN0010.jpg").read_bytes()

    theirs = APIClient()
    theirs.force_authenticate(other_user)
    assert theirs.get(f"{API}/account/export/{export_id}/").status_code == 404
    assert theirs.get(f"{API}/account/export/{export_id}/download/").status_code == 404

    Export.objects.filter(pk=export_id).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert api.get(f"{API}/account/export/{export_id}/").json()["download_url"] is None
    assert api.get(f"{API}/account/export/{export_id}/download/").status_code == 410


def test_export_under_way_is_returned_again(api):
    first = api.post(f"{API}/account/export/")
    again = api.post(f"{API}/account/export/")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["status"] == "queued"


def test_unknown_export_is_404(api):
    assert api.get(f"{API}/account/export/{Export().pk}/").status_code == 404
    assert api.get(f"{API}/account/export/not-a-uuid/").status_code == 404


def test_delete_account_needs_the_password(api, user):
    response = api.delete(f"{API}/account/", {}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    response = api.delete(f"{API}/account/", {"password": "wrong"}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_delete_account_with_a_token(user, corpus, stored_files):
    grant(user, "library")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    _, key = token_issue(user, "phone")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    record_id = str(user.consent_record.pk)
    response = client.delete(f"{API}/account/", {"password": "correct horse battery staple"}, format="json")
    assert response.status_code == 200
    assert response.json()["consent_record"] == record_id and response.json()["erased"]["media"] == 1
    assert stored_files() == [] and not MediaItem.objects.exists()
    assert client.get(f"{API}/consent/").status_code == 401  # the token went with the account
    assert ConsentEvent.objects.filter(record_id=record_id).first().method == "api"


def test_schema_documents_the_paths(client, db):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/consent/grant/", "/api/v1/consent/revoke/", "/api/v1/account/export/{id}/", "/api/v1/account/"):
        assert path in schema
