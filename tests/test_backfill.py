"""Granting a scope later runs just that scope's stages over what is already stored."""

from django.urls import reverse

from consent.services import scopes_revoke
from suggestions.library import backfill, registry
from suggestions.models import Backfill, Face, MediaItem, Person, ProcessingRecord
from suggestions.people import stages as people_stages

from .conftest import grant, upload_and_analyze

FACES = ["faces/obama.jpg", "faces/obama2.jpg", "faces/biden.jpg"]


def test_granting_faces_later_finds_faces_in_stored_photos(user, corpus, django_capture_on_commit_callbacks):
    grant(user, "library")
    items = [upload_and_analyze(user, corpus / path) for path in FACES]
    assert not Face.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        grant(user, "faces")
    assert Face.objects.filter(media__owner=user).count() == 3
    assert Person.objects.filter(owner=user).count() == 1  # the same man twice
    run = Backfill.objects.get(owner=user, scope="faces")
    assert (run.state, run.done, run.total) == ("done", 3, 3)
    for item in items:
        records = ProcessingRecord.objects.filter(media=item, stage="faces").order_by("started_at")
        assert [r.outcome for r in records] == ["skipped", "done"]
        # Only the granted scope's stage ran again.
        assert ProcessingRecord.objects.filter(media=item, stage="themes").count() == 1


def test_granting_location_later_reads_gps_then_places(user, corpus, django_capture_on_commit_callbacks):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif/DSCN0010.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        grant(user, "location")
    item.refresh_from_db()
    assert item.latitude is not None and item.place == "Arezzo"
    assert MediaItem.objects.get(pk=item.pk).captured_at is None  # time was not granted


def test_backfill_walks_in_batches_and_a_second_delivery_does_no_work_twice(user, corpus, monkeypatch):
    grant(user, "library")
    for path in FACES:
        upload_and_analyze(user, corpus / path)
    grant(user, "themes")  # no on-commit callbacks here: the task is run by hand
    run = backfill.backfill_start(user.pk, "themes")
    backfill.backfill_step(run.pk, batch=2)
    run.refresh_from_db()
    assert (run.state, run.done) == ("running", 2)
    backfill.backfill_step(run.pk, batch=2)
    backfill.backfill_step(run.pk, batch=2)  # delivered twice
    run.refresh_from_db()
    assert (run.state, run.done) == ("done", 3)
    assert ProcessingRecord.objects.filter(media__owner=user, stage="themes", outcome="done").count() == 3


def test_revoking_during_a_backfill_stops_it_and_keeps_nothing(user, corpus, monkeypatch, django_capture_on_commit_callbacks):
    grant(user, "library")
    for path in FACES:
        upload_and_analyze(user, corpus / path)
    compute = people_stages.compute_faces
    calls = []

    def compute_then_revoke(source):
        calls.append(source.item.pk)
        result = compute(source)
        scopes_revoke(user, ["faces"], method="web")
        return result

    stages = [s if s.name != "faces" else registry.Stage(**{**s.__dict__, "compute": compute_then_revoke}) for s in registry.STAGES]
    monkeypatch.setattr(registry, "STAGES", stages)
    with django_capture_on_commit_callbacks(execute=True):
        grant(user, "faces")
    assert len(calls) == 1  # it stopped at the first item
    assert not Face.objects.exists() and not Person.objects.exists()
    assert not Backfill.objects.filter(owner=user, scope="faces").exists()


def test_the_library_shows_backfill_progress(client, user, other_user):
    grant(user, "library")
    mine = Backfill.objects.create(owner=user, scope="faces", total=40, done=12)
    theirs = Backfill.objects.create(owner=other_user, scope="faces", total=5, done=1)
    client.force_login(user)
    page = client.get(reverse("library:index")).content.decode()
    assert "Finding faces and grouping people" in page
    assert 'max="40" value="12"' in page and "12 of 40" in page
    answer = client.get(reverse("library:status"), {"backfills": f"{mine.pk},{theirs.pk}"}).json()
    assert answer["backfills"] == [
        {"id": mine.pk, "scope": "faces", "label": "Finding faces and grouping people", "done": 12, "total": 40, "state": "running"}
    ]


def test_nothing_stored_means_no_backfill(user, django_capture_on_commit_callbacks):
    grant(user, "library")
    with django_capture_on_commit_callbacks(execute=True):
        grant(user, "faces", "themes", "location", "time")
    assert not Backfill.objects.exists()


def test_a_lost_backfill_task_is_queued_again(user, corpus, monkeypatch, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    grant(user, "library")
    upload_and_analyze(user, corpus / "exif/DSCN0010.jpg")
    grant(user, "themes")  # without on-commit callbacks, its backfill task is never queued: "lost"
    run = backfill.backfill_start(user.pk, "themes")
    assert run.state == "running" and run.done == 0
    assert backfill.backfill_requeue_stalled() == []  # not quiet for long yet
    later = timezone.now() + timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert backfill.backfill_requeue_stalled(now=later) == [run.pk]  # eager: it ran now
    run.refresh_from_db()
    assert (run.state, run.done) == ("done", 1)
