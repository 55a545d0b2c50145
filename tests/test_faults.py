"""Faults on the production engine: a worker killed mid-batch, consent revoked mid-batch, the
broker restarted, storage unreachable. Each promise is checked on rows and on the bucket."""

import os

import pytest
from django.conf import settings
from django.urls import reverse

from suggestions.models import MediaItem, ProcessingRecord, user_prefix

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


# What each scope derives. Revoking the scope while 30 photos are analysed by two workers must
# leave none of it, then or later. (faces: add `"faces": lambda person: Face.objects.filter(media__owner=person)`.)
DERIVED_UNDER = {
    "location": lambda person: MediaItem.objects.filter(owner=person, latitude__isnull=False),
    "time": lambda person: MediaItem.objects.filter(owner=person, captured_at__isnull=False),
}


def queue_drained():
    from rollweb.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0


@pytest.mark.parametrize("scope", sorted(DERIVED_UNDER))
def test_revoking_during_a_batch_leaves_nothing_derived(scope, client, worker, worker_pool, batch):
    second = worker_pool.start(name=f"second-worker-{scope}", beat=False, concurrency=1)
    try:
        person = UserFactory()
        client.force_login(person)
        flows.consent_onboard(client, "library", "time", "location", "themes")
        ids = flows.upload_many(client, batch)
        derived = DERIVED_UNDER[scope]
        services.wait_until(lambda: derived(person).exists(), 120, f"something derived under {scope}", interval=0.02)

        flows.consent_revoke(client, scope)
        assert not derived(person).exists()
        assert analysed(ids) < BATCH, "the batch finished before the revoke, so nothing was tested"

        items = flows.wait_terminal(ids, timeout=180)
        assert [item.status for item in items] == ["analyzed"] * BATCH
        services.wait_until(queue_drained, 60, "the queue to drain")
        assert not derived(person).exists()
        other = {"location": "time", "time": "location"}[scope]
        assert derived_count(other, person) == BATCH  # only the revoked scope was erased
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


def test_storage_down_during_an_upload_answers_503_and_keeps_nothing(client, settings, broken_storage, bucket, corpus):
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
