"""The operators' admin: counts, states and queue health; no user media; no acting for anyone."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from consent import scopes
from consent.export import export_build, export_request
from consent.models import ConsentEvent, ConsentRecord, Export, Grant
from rollweb.operators import queue_health
from rollweb.workers import heartbeat_record
from suggestions.models import MediaItem

from .conftest import grant, jpeg_bytes, upload_and_analyze, upload_file
from .derived import add_person_and_face, add_suggestion
from .factories import UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def customer(user, corpus):
    grant(user, "library", "time", "location", "faces")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    add_person_and_face(item, name="Ada Lovelace")
    add_suggestion(user, [item], "faces", title="Ada's birthday")
    data = jpeg_bytes(size=(300, 200))
    upload_and_analyze(user, data[: len(data) // 2], name="broken.jpg")
    export_build(export_request(user)[0].pk)
    return user


def admin_pages(customer):
    """Every admin changelist, and the change page of the customer's first row of each model."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:%s_%s_changelist" % info))
        row = model._default_manager.first()
        if row is not None:
            pages.append(reverse("admin:%s_%s_change" % info, args=[row.pk]))
    pages.append(reverse("admin:auth_user_change", args=[customer.pk]))
    pages += [reverse("admin:suggestions_mediaitem_change", args=[pk]) for pk in customer.media_items.values_list("pk", flat=True)]
    return pages


def test_no_admin_page_shows_user_media(client, operator, customer):
    client.force_login(operator)
    item = MediaItem.objects.filter(owner=customer).first()
    private = [*item.stored_files(), Export.objects.get(user=customer).file.name]
    for url in admin_pages(customer):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for src in re.findall(r"<img[^>]*\bsrc=\"([^\"]*)\"", html):
            assert src.startswith(settings.STATIC_URL), f"{url} shows an image: {src}"
        for path in ("/library/", "/privacy/export/", "/api/v1/", "/download/"):
            assert path not in html, (url, path)
        for name in private:
            assert name not in html, url
        for secret in ("Ada Lovelace", "Arezzo", "43.46", "DSCN0010"):
            assert secret not in html, (url, secret)


def test_users_list_shows_consent_state_and_counts(client, operator, customer, other_user):
    client.force_login(operator)
    html = client.get(reverse("admin:auth_user_changelist")).content.decode()
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*>{customer.username}<(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
    assert "library, time, location, faces" in cells
    assert cells[-5:] == ["2", "1", "1", "1", "1"]  # media, failed, faces, people, suggestions
    assert "nothing granted" in html  # the other user


def test_paused_scopes_are_shown_as_such(client, operator, user, monkeypatch):
    grant(user, "library", "location")
    location = scopes.SCOPES["location"]
    monkeypatch.setitem(scopes.SCOPES, "location", scopes.Scope(**{**location.__dict__, "allows": "changed"}))
    client.force_login(operator)
    assert "location (paused)" in client.get(reverse("admin:auth_user_changelist")).content.decode()


def test_queue_health_on_the_admin_index(client, operator, user):
    grant(user, "library")
    waiting, _ = upload_file(user, jpeg_bytes(color=(1, 2, 3)))
    running, _ = upload_file(user, jpeg_bytes(color=(4, 5, 6)))
    failed, _ = upload_file(user, jpeg_bytes(color=(7, 8, 9)))
    old_failure, _ = upload_file(user, jpeg_bytes(color=(9, 9, 9)))
    now = timezone.now()
    MediaItem.objects.filter(pk=running.pk).update(status="processing", lease_expires_at=now + timedelta(minutes=5))
    MediaItem.objects.filter(pk=failed.pk).update(status="failed", analyzed_at=now - timedelta(minutes=10))
    MediaItem.objects.filter(pk=old_failure.pk).update(status="failed", analyzed_at=now - timedelta(hours=2))
    export_request(user)
    health = queue_health()
    assert {k: health["media"][k] for k in ("waiting", "running", "stuck", "failed_last_hour")} == {
        "waiting": 1, "running": 1, "stuck": 0, "failed_last_hour": 1
    }
    assert health["exports"]["waiting"] == 1
    client.force_login(operator)
    html = client.get(reverse("admin:index")).content.decode()
    assert "Queue health" in html
    media_row = re.search(r"Media analysis</th>(.*?)</tr>", html, re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", media_row, re.S)][:4] == [
        "1", "1", "0", "1"
    ]


def test_operators_cannot_grant_revoke_or_act_as_someone(client, operator, customer):
    client.force_login(operator)
    record = ConsentRecord.objects.get(user=customer)
    grant_row = Grant.objects.filter(record=record).first()
    for model in ("grant", "consentrecord", "consentevent", "export"):
        assert client.get(reverse(f"admin:consent_{model}_add")).status_code == 403
    assert client.post(reverse("admin:consent_grant_change", args=[grant_row.pk]), {"ended_at_0": "2020-01-01"}).status_code == 403
    assert client.post(reverse("admin:consent_grant_delete", args=[grant_row.pk]), {"post": "yes"}).status_code == 403
    assert Grant.objects.filter(pk=grant_row.pk, ended_at__isnull=True).exists()
    # No way to become them: no password setting, no API tokens, no deleting around the erasure.
    assert client.get(reverse("admin:auth_user_password_change", args=[customer.pk])).status_code == 403
    assert client.post(reverse("admin:auth_user_delete", args=[customer.pk]), {"post": "yes"}).status_code == 403
    from rollweb.models import ApiToken

    assert not admin.site.is_registered(ApiToken)
    assert MediaItem.objects.filter(owner=customer).exists()
    # An operator can still manage another operator's password.
    other_operator = UserFactory(is_staff=True)
    assert client.get(reverse("admin:auth_user_password_change", args=[other_operator.pk])).status_code == 200


def test_the_only_admin_actions_are_logged_ones(client, operator):
    """Every action an operator can run on rows is listed here and is logged: retry by its own
    log_change (test_admin), deleting operator groups and sign-in lockouts by Django's
    delete_selected."""
    client.force_login(operator)
    request = client.get(reverse("admin:index")).wsgi_request
    actions = {
        (model._meta.label_lower, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }
    assert actions == {
        ("suggestions.mediaitem", "retry"),
        ("consent.erasure", "retry"),
        ("auth.group", "delete_selected"),
        *{(f"axes.{model}", "delete_selected") for model in ("accessattempt", "accessfailurelog", "accesslog")},
    }


def test_deactivating_an_account_is_logged_and_nothing_else_changes(client, operator, customer):
    client.force_login(operator)
    url = reverse("admin:auth_user_change", args=[customer.pk])
    form = client.get(url).content.decode()
    assert 'name="is_active"' in form and 'name="username"' not in form and 'name="email"' not in form
    response = client.post(url, {"is_active": "", "username": "hijacked", "email": "op@example.org"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert not customer.is_active and customer.username != "hijacked" and customer.email != "op@example.org"
    entry = LogEntry.objects.get(object_id=str(customer.pk))
    assert entry.user == operator and "Active" in entry.get_change_message()
    assert ConsentEvent.objects.filter(record__user=customer, method="web").exists()
    assert not ConsentEvent.objects.filter(record__user=customer).exclude(method="web").exists()


def test_workers_and_set_aside_messages_on_the_admin_index(client, operator, settings, tmp_path):
    settings.BROKER_DIR = tmp_path
    client.force_login(operator)
    html = client.get(reverse("admin:index")).content.decode()
    assert "No worker has sent a heartbeat. Uploads, exports and renders are kept and wait" in html
    (tmp_path / "bad").mkdir()
    for name in ("1_a.celery.msg", "2_b.celery.msg", "3_c.celery.msg"):
        (tmp_path / "bad" / name).write_bytes(b"")
    now = timezone.now()
    heartbeat_record("celery@gone", now - timedelta(hours=1), now=now - timedelta(minutes=2))
    html = client.get(reverse("admin:index")).content.decode()
    assert re.search(r"No worker has sent a heartbeat for 12\d s\.", html)
    row = re.search(r"celery@gone</th>(.*?)</tr>", html, re.S).group(1)
    assert "silent" in row
    set_aside = re.search(r"Unreadable messages set aside by the broker</th><td>(\d+)</td>", html).group(1)
    assert set_aside == "3"
    heartbeat_record("celery@here", now)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="no-worker"' not in html
    assert "running" in re.search(r"celery@here</th>(.*?)</tr>", html, re.S).group(1)
