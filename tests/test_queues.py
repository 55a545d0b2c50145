"""Queues by kind of work, the two passes, and the order in which items are started."""

import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from consent.services import active_grants
from rollweb import queue
from rollweb.celery import app
from suggestions import tasks
from suggestions.feed import selectors as feed_selectors
from suggestions.library import pipeline, registry, services
from suggestions.models import MediaItem, SuggestionRefresh

from .conftest import grant, upload_file
from .factories import MediaItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def route_of(task_name):
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_task_goes_to_its_kinds_queue_prefixed_by_celery_queue(settings):
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if name.startswith(("suggestions.", "consent."))]
    assert ours and not set(ours) - set(queue.TASK_KINDS), "a task without a kind"
    assert route_of("suggestions.tasks.ingest_next") == f"{settings.CELERY_TASK_DEFAULT_QUEUE}.ingest"
    assert route_of("suggestions.tasks.analyze_next") == f"{settings.CELERY_TASK_DEFAULT_QUEUE}.analysis"
    for name in ("suggestions.tasks.render_suggestion", "suggestions.tasks.render_rendition", "consent.tasks.build_export"):
        assert route_of(name) == f"{settings.CELERY_TASK_DEFAULT_QUEUE}.render"


def test_a_worker_told_no_queues_consumes_every_kind(settings):
    assert set(app.amqp.queues) == set(queue.worker_queues())
    assert {f"{settings.CELERY_TASK_DEFAULT_QUEUE}.{kind}" for kind in queue.QUEUE_KINDS} <= set(app.amqp.queues)
    procfile = dict(line.split(": ", 1) for line in open("Procfile").read().splitlines() if line and line[0] != "#")
    assert " -Q" not in procfile["worker"] and "--queues" not in procfile["worker"]


def test_make_worker_queues_names_the_prefixed_queues_and_refuses_a_typo():
    env = {"DEBUG": "true", "CELERY_QUEUE": "site", "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "rollweb.queue"]
    named = subprocess.run([*run, "analysis,render"], env=env, capture_output=True, text=True, check=True)
    assert named.stdout.strip() == "site.analysis,site.render"
    ingest = subprocess.run([*run, "ingest"], env=env, capture_output=True, text=True, check=True)
    assert ingest.stdout.strip() == "site,site.ingest"
    every = subprocess.run([*run, "all"], env=env, capture_output=True, text=True, check=True)
    assert every.stdout.strip() == "site,site.ingest,site.analysis,site.render,site.erase"
    typo = subprocess.run([*run, "analyse"], env=env, capture_output=True, text=True)
    assert typo.returncode != 0 and "ingest, analysis, render, erase" in typo.stderr


def waiting_items(owner, count, start, **fields):
    """Items uploaded and not yet ingested, one a day from `start` (newest last)."""
    return [
        MediaItemFactory(
            owner=owner, status=MediaItem.Status.UPLOADED, analysis_pass=MediaItem.Pass.NONE, width=None,
            taken=start + timedelta(days=n), **fields,
        ).pk
        for n in range(count)
    ]


@pytest.fixture
def started(monkeypatch):
    """The items the pipeline starts, in order, by the tasks the workers run (stages not run)."""
    order = []

    def record(item, pass_name):
        order.append(item.pk)
        MediaItem.objects.filter(pk=item.pk).update(status=MediaItem.Status.PROCESSING, analysis_pass=pass_name,
                                                    lease_expires_at=None)
        return item

    monkeypatch.setattr(pipeline, "media_pass", record)
    monkeypatch.setattr(pipeline, "enqueue", lambda *args: None)
    return order


def test_a_backfill_never_delays_another_persons_new_photos_beyond_the_items_in_flight(started):
    backfiller, newcomer = UserFactory(), UserFactory()
    grant(backfiller, "library", "time")
    grant(newcomer, "library", "time")
    old = waiting_items(backfiller, 40, datetime(2020, 1, 1))
    for _ in range(5):
        tasks.ingest_next()
    assert started == old[::-1][:5]  # a person's newest first
    new = waiting_items(newcomer, 10, datetime(2024, 5, 1))
    for _ in range(12):
        tasks.ingest_next()
    assert started[5:15] == new[::-1]  # every one of the newcomer's ten before any more of the backfill
    assert started[15:17] == old[::-1][5:7]


def test_an_analysis_turn_gives_way_to_waiting_ingest_work_and_is_queued_again(monkeypatch):
    owner = UserFactory()
    grant(owner, "library")
    ingested = MediaItemFactory(owner=owner, status=MediaItem.Status.PROCESSING, analysis_pass=MediaItem.Pass.INGEST)
    [waiting] = waiting_items(owner, 1, datetime(2020, 1, 1))
    done, queued = [], []
    monkeypatch.setattr(pipeline, "media_pass", lambda item, pass_name: done.append((item.pk, pass_name)))
    monkeypatch.setattr(pipeline, "enqueue", lambda *args: queued.append(args))
    monkeypatch.setattr(queue, "backlog", lambda kind=None: 1)  # the ingest turn is queued
    tasks.analyze_next()
    assert done == [] and queued == [(pipeline.ANALYZE_NEXT,)]
    monkeypatch.setattr(queue, "backlog", lambda kind=None: 0)  # its message was lost: take its work
    tasks.analyze_next()
    assert done == [(waiting, registry.INGEST)] and len(queued) == 2
    monkeypatch.setattr(queue, "consumes", lambda kind: kind != registry.INGEST)  # `make worker QUEUES=analysis`
    MediaItem.objects.filter(pk=waiting).update(status=MediaItem.Status.UPLOADED, lease_expires_at=None)
    tasks.analyze_next()
    assert done[-1] == (ingested.pk, registry.ANALYSIS) and len(queued) == 2


def test_an_item_is_used_for_time_and_place_after_the_first_pass_and_analysed_after_the_second(user, corpus):
    grant(user, "library", "time", "location", "faces", "themes")
    item, _ = upload_file(user, corpus / "exif" / "DSCN0010.jpg")
    someone = UserFactory()
    grant(someone, "library")
    waiting_items(someone, 1, datetime(2020, 1, 1))  # other work waits, so the second pass takes a turn of its own
    first = pipeline.media_pass(pipeline.media_claim(item.pk), registry.INGEST)
    assert (first.status, first.analysis_pass) == ("processing", "ingest")
    assert first.captured_at is not None and first.place and first.quality is None
    assert first.thumb_large.name and not first.faces.exists()
    [photo] = feed_selectors.library_snapshot(user.pk, active_grants(user.pk), timezone.localdate()).photos
    assert photo.taken is not None and photo.place == first.place
    assert [r.stage for r in first.ledger.all()][-1] == "pass_ingest"
    second = pipeline.media_pass(pipeline.media_claim(item.pk), registry.ANALYSIS)
    assert (second.status, second.analysis_pass) == ("analyzed", "analysis")
    assert second.quality is not None
    assert [r.stage for r in second.ledger.all()][-3:] == ["themes", "faces", "pass_analysis"]


def test_the_feed_refreshes_when_a_batch_has_done_each_pass(user, monkeypatch, settings):
    settings.SUGGESTIONS_DEBOUNCE_SECONDS = 300
    grant(user, "library", "time", "themes")  # themes: the second pass has work, so it is a turn of its own
    first, second = waiting_items(user, 2, datetime(2021, 3, 1))
    monkeypatch.setattr(pipeline, "enqueue", lambda *args: None)
    monkeypatch.setattr(registry, "stages_for", lambda *args, **kwargs: [])

    def due_in():
        return (SuggestionRefresh.objects.get(owner=user).due_at - timezone.now()).total_seconds()

    pipeline.media_pass(pipeline.media_claim(second), registry.INGEST)
    assert due_in() > 200  # more of the batch to come: debounced
    SuggestionRefresh.objects.filter(owner=user).update(due_at=None)
    pipeline.media_pass(pipeline.media_claim(first), registry.INGEST)
    assert due_in() <= 1  # the batch's first pass is done: at once
    SuggestionRefresh.objects.filter(owner=user).update(due_at=None)
    pipeline.media_pass(pipeline.media_claim(first), registry.ANALYSIS)
    assert due_in() > 200
    SuggestionRefresh.objects.filter(owner=user).update(due_at=None)
    pipeline.media_pass(pipeline.media_claim(second), registry.ANALYSIS)
    assert due_in() <= 1
    assert set(MediaItem.objects.filter(owner=user).values_list("status", flat=True)) == {"analyzed"}


def test_without_faces_or_themes_the_first_turn_also_does_the_second_pass(user, corpus, monkeypatch):
    grant(user, "library", "time", "location")
    queued = []
    monkeypatch.setattr(pipeline, "enqueue", lambda *args: queued.append(args[0]))
    item, _ = upload_file(user, corpus / "exif" / "DSCN0010.jpg")
    done = pipeline.media_pass(pipeline.media_claim(item.pk), registry.INGEST)
    assert (done.status, done.analysis_pass, done.lease_expires_at) == ("analyzed", "analysis", None)
    assert done.place and done.quality is None and not done.faces.exists()
    assert pipeline.ANALYZE_NEXT not in queued
    assert [(r.stage, r.outcome) for r in done.ledger.all()][-4:] == [
        ("pass_ingest", "done"), ("themes", "skipped"), ("faces", "skipped"), ("pass_analysis", "done"),
    ]


def test_when_nothing_else_waits_one_turn_does_both_passes_and_finds_every_face(user, corpus, manifest, monkeypatch):
    grant(user, "library", "time", "location", "faces", "themes")
    queued = []
    monkeypatch.setattr(pipeline, "enqueue", lambda *args: queued.append(args[0]))
    item, _ = upload_file(user, corpus / "faces" / "two_people.jpg")
    done = pipeline.media_pass(pipeline.media_claim(item.pk), registry.INGEST)
    assert (done.status, done.analysis_pass, done.lease_expires_at) == ("analyzed", "analysis", None)
    assert done.faces.count() == manifest["faces/two_people.jpg"]["faces"]
    assert done.quality is not None and done.thumb_large.name
    assert pipeline.ANALYZE_NEXT not in queued
    assert [(r.stage, r.outcome) for r in done.ledger.all()][-4:] == [
        ("pass_ingest", "done"), ("themes", "done"), ("faces", "done"), ("pass_analysis", "done"),
    ]


def test_the_sweeper_queues_lost_turns_of_each_pass(user, monkeypatch):
    grant(user, "library")
    now = timezone.now()
    [lost_ingest, lost_analysis, waiting_analysis] = waiting_items(user, 3, datetime(2022, 1, 1))
    MediaItem.objects.filter(pk=lost_ingest).update(status="processing", lease_expires_at=now - timedelta(seconds=1))
    MediaItem.objects.filter(pk=lost_analysis).update(
        status="processing", analysis_pass="ingest", lease_expires_at=now - timedelta(seconds=1)
    )
    MediaItem.objects.filter(pk=waiting_analysis).update(
        status="processing", analysis_pass="ingest", updated_at=now - timedelta(minutes=5)
    )
    queued = []
    monkeypatch.setattr(services, "enqueue", lambda *args: queued.append(args[0]))
    monkeypatch.setattr(queue, "backlog", lambda kind=None: 5)
    assert sorted(services.media_requeue_stuck()) == sorted([lost_ingest, lost_analysis])
    assert sorted(queued) == sorted([pipeline.INGEST_NEXT, pipeline.ANALYZE_NEXT])
    monkeypatch.setattr(queue, "backlog", lambda kind=None: 0 if kind == registry.ANALYSIS else 5)
    assert set(services.media_requeue_stuck()) == {lost_ingest, lost_analysis, waiting_analysis}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_lost_render_and_a_lost_export_are_queued_again_for_a_worker_of_the_render_queue(
    worker_pool, bucket, monkeypatch
):
    from consent import export as consent_export
    from consent.models import Export
    from suggestions.feed import services as feed
    from suggestions.models import Suggestion, user_prefix

    from .crafted import pictured
    from .services import wait_until

    owner = UserFactory()
    grant(owner, "library", "time", "location")
    for n in range(8):  # an afternoon out: analysed photos whose previews are in the bucket
        pictured(owner, datetime(2024, 6, 15, 14, 0) + timedelta(minutes=20 * n), where="brighton")
    monkeypatch.setattr(feed, "enqueue", lambda *args: None)  # the broker loses the renders' messages
    monkeypatch.setattr(consent_export, "enqueue", lambda *args: None)  # and the export's
    lost = feed.suggestions_refresh(owner.pk, today=date(2024, 6, 20)).created
    export, _ = consent_export.export_request(owner)
    monkeypatch.undo()
    assert lost and not any(suggestion.asset for suggestion in lost)

    worker_pool.stop()  # no worker of every queue: only the render queue's is running
    renderer = worker_pool.start(name="render-only", beat=False, queues=[queue.queue_name("render")])
    try:
        later = timezone.now() + timedelta(minutes=20)
        assert sorted(feed.suggestions_requeue_unrendered(now=later)) == sorted(s.pk for s in lost)
        assert consent_export.exports_sweep(now=later)["requeued"] == 1

        def done():
            rendered = Suggestion.objects.filter(pk__in=[s.pk for s in lost]).exclude(asset="").count()
            return rendered == len(lost) and Export.objects.get(pk=export.pk).status == Export.Status.READY

        wait_until(done, 180, "the render-only worker to render the suggestions and build the export")
    finally:
        renderer.stop()
    assets = set(Suggestion.objects.filter(pk__in=[s.pk for s in lost]).values_list("asset", flat=True))
    stored = set(bucket.keys(user_prefix(owner.pk)))
    assert assets <= stored
    assert Export.objects.get(pk=export.pk).file.name in set(bucket.keys(""))


def test_consent_is_checked_when_each_pass_runs(user, corpus):
    from consent.models import Method
    from consent.services import scopes_revoke

    grant(user, "library", "time", "location", "faces", "themes")
    item, _ = upload_file(user, corpus / "faces" / "kit_with_rose.jpg")
    waiting_items(user, 1, datetime(2020, 1, 1))  # other work waits, so the second pass takes a turn of its own
    pipeline.media_pass(pipeline.media_claim(item.pk), registry.INGEST)
    scopes_revoke(user, ["faces"], method=Method.WEB)  # between the two passes
    done = pipeline.media_pass(pipeline.media_claim(item.pk), registry.ANALYSIS)
    assert done.status == "analyzed" and not done.faces.exists()
    outcomes = {record.stage: record.outcome for record in done.ledger.all()}
    assert outcomes["faces"] == "skipped" and outcomes["themes"] == "done" and outcomes["places"] == "done"
