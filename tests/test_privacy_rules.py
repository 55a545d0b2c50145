"""Rules on a clock: changed notices pause scopes, faces consent lapses, face data retention."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from consent import scopes
from consent.models import ConsentEvent, Grant, Method
from consent.retention import faces_retention_enforce, grants_expire, notices_pause_stale, schedule
from consent.services import active_grants, consent_state, scopes_grant
from suggestions.models import Face, MediaItem, Person, ProcessingRecord

from .conftest import grant, upload_and_analyze
from .derived import add_person_and_face, add_suggestion
from .factories import UserFactory
from .leftovers import erasure_leftovers


def grant_at(user, moment, *keys):
    return scopes_grant(
        user, list(keys), notice_version=scopes.notice_version(), method=Method.WEB,
        biometric_confirmed=scopes.FACES in keys, now=moment,
    )


@pytest.fixture
def changed_location_notice(monkeypatch):
    def change():
        location = scopes.SCOPES["location"]
        changed = scopes.Scope(**{**location.__dict__, "allows": location.allows + " Place names now include streets."})
        monkeypatch.setitem(scopes.SCOPES, "location", changed)
        return changed

    return change


# -- notices -------------------------------------------------------------------------------


def test_a_changed_notice_pauses_the_scope_for_everyone_and_nothing_runs_under_it(
    user, other_user, corpus, changed_location_notice, client
):
    grant(user, "library", "time", "location")
    grant(other_user, "library", "location")
    changed_location_notice()
    for person in (user, other_user):
        assert set(active_grants(person.pk)) == ({"library", "time"} if person == user else {"library"})

    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    assert item.latitude is None and item.captured_at is not None
    gps = ProcessingRecord.objects.get(media=item, stage="gps")
    assert gps.outcome == "skipped"

    assert notices_pause_stale() == 2
    assert notices_pause_stale() == 0  # logged once per grant
    pause = ConsentEvent.objects.get(record__user=user, kind="pause")
    assert pause.scope == "location" and pause.method == "system"

    client.force_login(user)
    page = client.get(reverse("consent:privacy")).content.decode()
    assert "Paused: rollweb asks you again." in page and "Place names now include streets." in page
    assert "What rollweb tells you changed for: Use where photos were taken" in client.get(
        reverse("library:index")
    ).content.decode()

    client.post(reverse("consent:grant"), {"scope": "location", "notice_version": scopes.notice_version()})
    assert "location" in active_grants(user.pk)
    assert "location" not in active_grants(other_user.pk)


def test_a_grant_under_the_new_notice_is_not_paused(user, changed_location_notice):
    changed_location_notice()
    grant(user, "library", "location")
    assert not any(state.paused for state in consent_state(user))
    assert notices_pause_stale() == 0


def test_a_changed_library_notice_pauses_everything(user, monkeypatch):
    grant(user, "library", "time")
    library = scopes.SCOPES["library"]
    monkeypatch.setitem(scopes.SCOPES, "library", scopes.Scope(**{**library.__dict__, "erases": "all of it."}))
    assert active_grants(user.pk) == {}
    assert {state.key for state in consent_state(user) if state.paused} == {"library", "time"}


# -- faces consent lapses after 12 months --------------------------------------------------


def test_faces_grant_lapses_after_12_months_and_erases_like_a_revoke(user, corpus, stored_files):
    year_ago = timezone.now() - timedelta(days=366)
    grant_at(user, year_ago, "library", "faces")
    item = upload_and_analyze(user, corpus / "faces" / "obama.jpg")
    add_person_and_face(item)
    add_suggestion(user, [item], "faces", title="Ada's birthday")
    assert "faces" not in active_grants(user.pk)  # lapsed: nothing runs under it any more

    assert grants_expire() == 1
    faces = Grant.objects.get(record__user=user, scope="faces")
    assert faces.end_reason == "expired" and faces.ended_at is not None
    events = list(ConsentEvent.objects.filter(record__user=user, scope="faces").order_by("id"))
    assert [e.kind for e in events] == ["grant", "expire", "erasure"]
    assert "12 months" in events[1].detail
    assert events[2].counts == {"faces": 1, "people": 1, "names": 1, "suggestions": 1, "files": 1}
    assert not Face.objects.exists() and not Person.objects.exists()
    assert erasure_leftovers(user.pk, scopes=["faces"]) == []
    assert MediaItem.objects.filter(pk=item.pk).exists() and "library" in active_grants(user.pk)
    assert grants_expire() == 0


def test_faces_grant_within_its_12_months_is_kept(user):
    grant_at(user, timezone.now() - timedelta(days=300), "library", "faces")
    assert grants_expire() == 0
    assert "faces" in active_grants(user.pk)


def test_renewal_is_asked_before_faces_consent_lapses(client, user):
    grant_at(user, timezone.now() - timedelta(days=340), "library", "faces")
    old = Grant.objects.get(record__user=user, scope="faces")
    client.force_login(user)
    page = client.get(reverse("consent:privacy")).content.decode()
    assert "Renew for 12 months" in page
    assert "ends soon" in client.get(reverse("library:index")).content.decode()

    client.post(reverse("consent:faces"), {"notice_version": scopes.notice_version(), "understood": "on"})
    renewed = active_grants(user.pk)["faces"]
    assert renewed.pk != old.pk
    assert renewed.expires_at - timezone.now() > timedelta(days=364)
    old.refresh_from_db()
    assert old.end_reason == "superseded"
    assert ConsentEvent.objects.filter(record__user=user, kind="grant", detail="renewed before it lapsed").count() == 1
    assert "Renew for 12 months" not in client.get(reverse("consent:privacy")).content.decode()


def test_renewal_is_not_asked_early(client, user):
    grant(user, "library", "faces")
    client.force_login(user)
    assert "Renew for 12 months" not in client.get(reverse("consent:privacy")).content.decode()


# -- face data retention -------------------------------------------------------------------


@pytest.fixture
def faces_long_ago(db, corpus, settings):
    settings.FACE_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=40)

    def person_with_faces(**activity):
        person = UserFactory(date_joined=long_ago, last_login=activity.get("last_login", long_ago))
        grant_at(person, long_ago, "library", "faces")
        item = upload_and_analyze(person, corpus / "faces" / "obama.jpg")
        MediaItem.objects.filter(pk=item.pk).update(created_at=activity.get("uploaded", long_ago))
        add_person_and_face(item)
        return person

    return person_with_faces


def test_face_data_of_an_inactive_person_is_destroyed(faces_long_ago):
    inactive = faces_long_ago()
    signed_in = faces_long_ago(last_login=timezone.now() - timedelta(days=2))
    uploading = faces_long_ago(uploaded=timezone.now() - timedelta(days=1))

    assert faces_retention_enforce() == 1
    assert not Face.objects.filter(media__owner=inactive).exists()
    assert not Person.objects.filter(owner=inactive).exists()
    assert erasure_leftovers(inactive.pk, scopes=["faces"]) == []
    expire = ConsentEvent.objects.get(record__user=inactive, kind="expire")
    assert "30 days without activity" in expire.detail
    for active in (signed_in, uploading):
        assert Face.objects.filter(media__owner=active).exists() and "faces" in active_grants(active.pk)
    assert faces_retention_enforce() == 0


def test_a_recent_privacy_choice_counts_as_activity(faces_long_ago):
    person = faces_long_ago()
    grant(person, "time")
    assert faces_retention_enforce() == 0


def test_the_schedule_is_published_on_the_privacy_page(client, user, settings):
    settings.FACE_RETENTION_DAYS = 200
    grant(user, "library", "faces")
    client.force_login(user)
    page = client.get(reverse("consent:privacy")).content.decode()
    assert "for 200 days is destroyed" in page
    assert "every day at 03:30 UTC" in page and "every hour at 05 minutes past" in page
    assert "your face data would be destroyed after" in page
    assert [rule["when"] for rule in schedule()] == [
        "every day at 03:30 UTC", "every hour at 05 minutes past", "every hour at 10 minutes past", "every 15 minutes",
    ]


def test_the_beat_schedule_names_real_tasks(settings):
    from rollweb.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_clock_tasks_run(user):
    from consent import tasks

    grant_at(user, timezone.now() - timedelta(days=400), "library", "faces")
    assert tasks.expire_lapsed_grants.delay().get() == 1
    assert tasks.enforce_face_retention.delay().get() == 0
    assert tasks.pause_stale_notices.delay().get() == 0
    assert tasks.sweep_exports.delay().get() == {"expired": 0, "requeued": 0}


# -- append-only, down to the database -----------------------------------------------------


@pytest.mark.integration
def test_plain_sql_cannot_change_consent_events_on_postgresql(user):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only: run in the integration tier")
    grant(user, "library")
    event = ConsentEvent.objects.get(record__user=user)
    for statement in (
        "UPDATE consent_consentevent SET detail = 'changed' WHERE id = %s",
        "DELETE FROM consent_consentevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
    assert ConsentEvent.objects.get(pk=event.pk).detail == ""
