"""Deleting an account erases everything, storage included, and signs out everywhere; only the
pseudonymous consent record remains, ending with an account-erasure event and its counts."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from consent.export import export_build, export_request
from consent.models import ConsentEvent, ConsentRecord, Grant
from rollweb.tokens import token_issue

from .conftest import grant, upload_and_analyze
from .derived import add_person_and_face, add_suggestion
from .leftovers import erasure_leftovers

PASSWORD = "correct horse battery staple"


def table_counts():
    return {model._meta.label_lower: model._default_manager.count() for model in apps.get_models()}


def make_library(user, corpus):
    grant(user, "library", "time", "location", "faces")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    add_person_and_face(item)
    add_suggestion(user, [item], "faces")
    export_build(export_request(user)[0].pk)
    token_issue(user, "phone")


def test_account_deletion_leaves_no_file_and_no_row(client, user, other_user, corpus, stored_files):
    make_library(other_user, corpus)
    before = table_counts()
    make_library(user, corpus)
    record_id = user.consent_record.pk
    phone = Client()
    phone.force_login(user)
    client.force_login(user)

    page = client.get(reverse("consent:account_delete"))
    assert page.status_code == 200 and "Delete my account and all my data" in page.content.decode()
    response = client.post(reverse("consent:account_delete"), {"password": PASSWORD})

    assert response.status_code == 200
    text = response.content.decode()
    assert "Your account is deleted" in text and "1 media" in text and str(record_id) in text
    assert not [name for name in stored_files() if name.startswith(f"users/{user.pk}/")]
    assert [name for name in stored_files() if name.startswith(f"users/{other_user.pk}/")]
    assert not get_user_model().objects.filter(pk=user.pk).exists()

    # Every table is back to what it held before this person had any data, less the account
    # itself, plus the consent log.
    after = table_counts()
    changed = {label: after[label] - before[label] for label in after if after[label] != before[label]}
    events = ConsentEvent.objects.filter(record_id=record_id).count()
    assert changed == {"auth.user": -1, "consent.consentrecord": 1, "consent.consentevent": events}
    assert not Grant.objects.filter(record_id=record_id).exists()
    assert ConsentRecord.objects.get(pk=record_id).user is None
    last = ConsentEvent.objects.filter(record_id=record_id).first()
    assert last.kind == "account_erasure" and last.method == "web"
    assert last.counts["media"] == 1 and last.counts["faces"] == 1 and last.counts["exports"] == 1
    assert last.counts["sessions"] == 2  # this browser and the phone
    assert erasure_leftovers(user.pk, scopes=["library"], account=True) == []

    # Signed out here and on the other device.
    assert client.get(reverse("consent:privacy")).status_code == 302
    assert phone.get(reverse("consent:privacy")).status_code == 302
    assert not Session.objects.exists() or all(
        s.get_decoded().get("_auth_user_id") != str(user.pk) for s in Session.objects.all()
    )


def test_a_wrong_password_deletes_nothing(client, user, corpus):
    make_library(user, corpus)
    client.force_login(user)
    response = client.post(reverse("consent:account_delete"), {"password": "not it"})
    assert response.status_code == 200
    assert "That is not your password; nothing was deleted." in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()
    assert not ConsentEvent.objects.filter(kind="account_erasure").exists()


def test_operators_log_forgets_the_name(client, user, corpus):
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from consent.account import account_erase

    from .factories import UserFactory

    operator = UserFactory(is_staff=True)
    LogEntry.objects.log_action(
        operator.pk, ContentType.objects.get_for_model(user).pk, user.pk, user.username, CHANGE, "Deactivated."
    )
    account_erase(user, method="web")
    entry = LogEntry.objects.get(user=operator)
    assert entry.object_repr == "erased account" and user.username not in entry.object_repr
