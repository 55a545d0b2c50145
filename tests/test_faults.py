"""Faults on the production engine: a worker killed mid-batch, consent revoked mid-batch, the
broker restarted, storage unreachable. Each promise is checked on rows and on the bucket."""

import os
from collections import Counter

import pytest
from django.conf import settings
from django.urls import reverse

from suggestions.feed.services import suggestions_refresh
from suggestions.library import registry
from suggestions.models import Face, MediaItem, Person, ProcessingRecord, Suggestion, user_prefix

from . import flows, services
from .conftest import grant
from .factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BATCH = 30


def analysed(ids):
    return MediaItem.objects.filter(pk__in=ids, status=MediaItem.Status.ANALYZED).count()


@pytest.fixture
def batch(corpus):
    """30 different 8-MP photos with a capture time and GPS coordinates."""
    return flows.photo_batch(corpus / "exif" / "iphone_hdr_YES.jpg", BATCH)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(client, worker, bucket, batch):
    person = UserFactory()
    client.force_login(person)
    flows.consent_onboard(client, "library", "time", "location")
    ids = flows.upload_many(client, batch)
    services.wait_until(lambda: analysed(ids) >= 2, 120, "the first photos to be analysed", interval=0.02)

    worker.current.kill()
    done_at_kill = analysed(ids)
    in_flight = MediaItem.objects.filter(pk__in=ids, status=MediaItem.Status.PROCESSING).count()
    assert done_at_kill < BATCH, "the batch finished before the kill, so nothing was tested"

    worker.ensure()  # a new worker: redelivery (acks late) and the sweeper bring back the rest
    items = flows.wait_terminal(ids, timeout=180)
    assert [item.status for item in items] == ["analyzed"] * BATCH
    assert all(item.latitude is not None and item.captured_at is not None for item in items)
    stores = ProcessingRecord.objects.filter(media__in=ids, stage="store").values_list("media", flat=True)
    assert sorted(stores) == sorted(ids)  # one stored original each, never two
    referenced = {name for item in items for name in item.stored_files()}
    assert len(referenced) == 3 * BATCH
    stored = set(bucket.keys(user_prefix(person.pk)))
    assert referenced <= stored
    # A preview written by the killed worker just before it died is not referenced; erasure
    # sweeps the person's whole prefix, so none outlives the library.
    assert len(stored - referenced) <= 2 * in_flight
    flows.consent_revoke(client, "library")
    assert bucket.keys(user_prefix(person.pk)) == []


# kit_with_rose.jpg (501 × 700): two faces, of two different people, found in ~0.25 s.
FACES_PHOTO = "faces/kit_with_rose.jpg"
FACES_PER_PHOTO = 2
IDENTITIES = 2  # every copy shows the same two people: clustering makes exactly two persons


def test_a_worker_killed_mid_batch_duplicates_no_face_person_or_suggestion(client, worker, corpus):
    person = UserFactory()
    client.force_login(person)
    flows.consent_onboard(client, "library", "time", "location", "themes", "faces")
    ids = flows.upload_many(client, flows.photo_batch(corpus / FACES_PHOTO, BATCH, tag="faces"))
    services.wait_until(lambda: analysed(ids) >= 2, 120, "the first photos to be analysed", interval=0.02)

    worker.current.kill()
    assert analysed(ids) < BATCH, "the batch finished before the kill, so nothing was tested"

    worker.ensure()
    items = flows.wait_terminal(ids, timeout=240)
    assert [item.status for item in items] == ["analyzed"] * BATCH, [item.failure_reason for item in items]

    faces = Face.objects.filter(media__owner=person)
    assert faces.count() == BATCH * FACES_PER_PHOTO
    assert Counter(faces.values_list("media", flat=True)) == {pk: FACES_PER_PHOTO for pk in ids}
    people = set(Person.objects.filter(owner=person).values_list("pk", flat=True))
    assert len(people) == IDENTITIES
    # Each photo shows each of the two people exactly once; no face is left without a person.
    per_item = {pk: Counter() for pk in ids}
    for media, who in faces.values_list("media", "person"):
        per_item[media][who] += 1
    assert all(found == {pk: 1 for pk in people} for found in per_item.values()), per_item

    # The ledger: the upload is stored once and each pass finished once per item. A stage is
    # recorded done once per claim that ran it: an item the killed worker had in flight runs that
    # pass again from its start, so its stages are done at least once; every other item's exactly once.
    done = Counter(
        ProcessingRecord.objects.filter(media__in=ids, outcome=ProcessingRecord.Outcome.DONE)
        .values_list("media", "stage")
    )
    assert {stage for _, stage in done} <= {stage.name for stage in registry.stages_for(MediaItem.Kind.PHOTO)} | {
        "store", "pass_ingest", "pass_analysis"}
    repeated = 0
    for item in items:
        assert [done[(item.pk, once)] for once in ("store", "pass_ingest", "pass_analysis")] == [1, 1, 1], item.pk
        runs = {stage: done[(item.pk, stage)] for stage in ("display", "themes", "faces")}
        assert all(n >= 1 for n in runs.values()), (item.pk, runs)
        repeated += any(n > 1 for n in runs.values())
    assert repeated < BATCH // 2, repeated  # the kill cut off only the claims in flight

    suggestions_refresh(person.pk)
    again = suggestions_refresh(person.pk)
    assert again.created == []  # a refresh of an unchanged library makes nothing new
    rows = list(Suggestion.objects.filter(owner=person).values_list("fingerprint", "topic"))
    assert rows, "the batch made no suggestion, so none could be duplicated"
    fingerprints = Counter(fingerprint for fingerprint, _ in rows)
    assert [f for f, n in fingerprints.items() if n > 1] == []
    topics = Counter(topic for _, topic in rows if topic)
    assert [t for t, n in topics.items() if n > 1] == []


# What each scope derives. Revoking the scope while 30 photos are analysed by two workers must
# leave none of it, then or later.
DERIVED_UNDER = {
    "faces": lambda person: Face.objects.filter(media__owner=person),
    "location": lambda person: MediaItem.objects.filter(owner=person, latitude__isnull=False),
    "time": lambda person: MediaItem.objects.filter(owner=person, captured_at__isnull=False),
}
# The batch each revoke runs on: a photo that yields what the scope derives (obama.jpg: one
# face and a capture time; the iPhone photo: a capture time and GPS, no face).
REVOKE_BATCH = {"faces": "faces/obama.jpg"}
# A scope that the revoke must leave alone, checked to hold for every photo afterwards.
UNTOUCHED_BY = {"location": "time", "time": "location", "faces": "time"}


def queue_drained():
    from rollweb.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0


def face_crops(bucket, person):
    return bucket.keys(f"{user_prefix(person.pk)}faces/")


@pytest.mark.parametrize("scope", sorted(DERIVED_UNDER))
def test_revoking_during_a_batch_leaves_nothing_derived(scope, client, worker, worker_pool, bucket, corpus):
    batch = flows.photo_batch(corpus / REVOKE_BATCH.get(scope, "exif/iphone_hdr_YES.jpg"), BATCH)
    # Started here rather than by worker_pool.start, so that it is stopped even if it never gets ready.
    second = services.celery_worker(worker_pool.env, services.LOGS, name=f"second-worker-{scope}", concurrency=1).start()
    try:
        services.wait_until(lambda: "ready." in second.log_tail(200) or not second.alive(), 120, "the second worker")
        assert second.alive(), second.log_tail()
        person = UserFactory()
        client.force_login(person)
        flows.consent_onboard(client, "library", "time", "location", "themes", *(["faces"] if scope == "faces" else []))
        ids = flows.upload_many(client, batch)
        derived = DERIVED_UNDER[scope]
        services.wait_until(lambda: derived(person).exists(), 120, f"something derived under {scope}", interval=0.02)

        flows.consent_revoke(client, scope)
        assert not derived(person).exists()
        assert analysed(ids) < BATCH, "the batch finished before the revoke, so nothing was tested"
        if scope == "faces":
            assert not Person.objects.filter(owner=person).exists()
            assert face_crops(bucket, person) == []

        items = flows.wait_terminal(ids, timeout=240)
        assert [item.status for item in items] == ["analyzed"] * BATCH
        services.wait_until(queue_drained, 60, "the queue to drain")
        assert not derived(person).exists()
        if scope == "faces":
            assert not Person.objects.filter(owner=person).exists()
            assert face_crops(bucket, person) == []
        assert derived_count(UNTOUCHED_BY[scope], person) == BATCH  # only the revoked scope was erased
        assert second.alive(), second.log_tail()
    finally:
        second.stop()


def derived_count(scope, person):
    return DERIVED_UNDER[scope](person).count()


@pytest.fixture
def private_broker(tmp_path):
    """A Redis of this test's own, so that restarting it disturbs nobody else."""
    port = int(os.environ.get("ROLLWEB_TEST_REDIS_PORT") or services.free_port())
    redis = services.redis_server(port, tmp_path).start()
    services.wait_until(lambda: services.listening(port), 30, "the private Redis")
    yield redis, port
    redis.stop()


def test_a_broker_restart_loses_no_upload_and_the_site_keeps_answering(
    transactional_db, service_env, static_root, private_broker, corpus, bucket
):
    redis, port = private_broker
    env = {**service_env, "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0", "STATIC_ROOT": str(static_root),
           "ALLOWED_HOSTS": "127.0.0.1"}
    web_port = services.free_port()
    web = services.gunicorn(env, web_port, services.LOGS).start()
    worker = services.celery_worker(env, services.LOGS, name="private-broker-worker", beat=True).start()
    try:
        person = UserFactory()
        grant(person, "library")
        services.wait_until(lambda: services.listening(web_port), 60, "gunicorn")
        site = flows.Browserless(f"http://127.0.0.1:{web_port}", person)
        photos = flows.photo_batch(corpus / "exif" / "DSCN0021.jpg", 6)

        before = [site.upload(name, data) for name, data in photos[:3]]
        assert [response.status_code for response in before] == [201] * 3
        flows.wait_terminal([response.json()["id"] for response in before], timeout=120)

        redis.stop()
        health = site.get("/healthz")
        assert health.status_code == 503 and health.json()["broker"].startswith("unreachable")
        during = [site.upload(name, data) for name, data in photos[3:]]
        assert [response.status_code for response in during] == [201] * 3, [r.text for r in during]
        assert site.get(reverse("library:index")).status_code == 200
        during_ids = [response.json()["id"] for response in during]
        assert set(MediaItem.objects.filter(pk__in=during_ids).values_list("status", flat=True)) == {"uploaded"}

        redis.start()
        services.wait_until(lambda: site.get("/healthz").status_code == 200, 60, "/healthz to see the broker again")
        items = flows.wait_terminal(during_ids, timeout=120)
        assert [item.status for item in items] == ["analyzed"] * 3
        assert worker.alive(), worker.log_tail()
    finally:
        worker.stop()
        web.stop()


@pytest.fixture(params=["refuse", "reset", "stall"])
def broken_storage(request, settings):
    """Storage that refuses connections, drops them mid-request, or never answers."""
    from botocore.config import Config

    endpoint = services.BrokenEndpoint(request.param)
    working = settings.STORAGES["default"]
    options = {**working["OPTIONS"], "endpoint_url": endpoint.url,
               "client_config": Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 1, "mode": "standard"},
                                       s3={"addressing_style": "path"}, signature_version="s3v4")}
    settings.STORAGES = {**settings.STORAGES, "default": {**working, "OPTIONS": options}}
    yield working
    settings.STORAGES = {**settings.STORAGES, "default": working}
    endpoint.close()


def test_storage_down_during_an_upload_answers_503_and_keeps_nothing(
    client, settings, broken_storage, bucket, corpus, worker
):
    # `worker`: the upload that succeeds at the end is analysed before the database is emptied for
    # the next test (a live worker still reading it would deadlock with that TRUNCATE).
    person = UserFactory()
    grant(person, "library")
    client.force_login(person)
    photo = (corpus / "exif" / "Nikon_D70.jpg").read_bytes()

    response = flows.upload(client, photo, "Nikon_D70.jpg")
    assert response.status_code == 503
    assert "Storage is unavailable" in response.json()["detail"]
    response = client.post(reverse("library:index"), {"files": [flows.uploaded("Nikon_D70.jpg", photo)]}, follow=True)
    assert "Storage is unavailable" in response.content.decode()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["storage"].startswith("unreachable")
    assert not MediaItem.objects.filter(owner=person).exists()
    assert bucket.keys(user_prefix(person.pk)) == []

    settings.STORAGES = {**settings.STORAGES, "default": broken_storage}  # storage is back
    assert flows.upload(client, photo, "Nikon_D70.jpg").status_code == 201
    assert len(bucket.keys(user_prefix(person.pk))) == 1
