"""The main flows on the production engine: PostgreSQL, Redis, S3 (SeaweedFS) and a separate
Celery worker process. Asserts on the objects in the bucket, not only on rows."""

import hashlib
import io
import os
import re
import time
import zipfile
from datetime import date
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from PIL import Image

from consent.export import export_request
from consent.models import Export
from suggestions.feed import services as feed
from suggestions.models import Face, MediaItem, Person, ProcessingRecord, Suggestion, user_prefix

from . import flows, services
from .conftest import grant, jpeg_bytes
from .factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_engine_is_the_production_one(bucket):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert type(storages["default"]).__module__ == "storages.backends.s3"
    assert not settings.CELERY_TASK_ALWAYS_EAGER


def test_consent_upload_analysis_and_erasure(client, worker, bucket, corpus):
    person = UserFactory()
    client.force_login(person)
    flows.consent_onboard(client, "library", "time", "location")
    files = [(path.name, path.read_bytes()) for path in (
        corpus / "exif" / "DSCN0010.jpg", corpus / "exif" / "iphone_hdr_YES.jpg", corpus / "orientation" / "portrait_6.jpg",
    )]
    ids = flows.upload_many(client, files)
    prefix = user_prefix(person.pk)
    originals = bucket.keys(prefix + "originals/")
    assert len(originals) == 3
    assert sorted(hashlib.sha256(bucket.read(key)).hexdigest() for key in originals) == sorted(
        hashlib.sha256(data).hexdigest() for _, data in files
    )

    items = flows.wait_terminal(ids)
    assert [item.status for item in items] == ["analyzed"] * 3
    by_name = {item.original_name: item for item in items}
    assert by_name["DSCN0010.jpg"].latitude == pytest.approx(43.46745, abs=1e-4)
    assert by_name["iphone_hdr_YES.jpg"].captured_at is not None
    assert (by_name["portrait_6.jpg"].width, by_name["portrait_6.jpg"].height) == (450, 600)  # turned upright
    stored = set(bucket.keys(prefix))
    for item in items:
        assert set(item.stored_files()) <= stored and len(item.stored_files()) == 3
        assert set(ProcessingRecord.objects.filter(media=item).values_list("stage", flat=True)) >= {
            "store", "display", "capture_time", "gps"}
    assert len(stored) == 9  # three originals, six previews: nothing else

    flows.consent_revoke(client, "location")
    assert not MediaItem.objects.filter(owner=person, latitude__isnull=False).exists()
    assert set(bucket.keys(prefix)) == stored  # revoking location keeps the photos

    flows.consent_revoke(client, "library")
    assert not MediaItem.objects.filter(owner=person).exists()
    assert bucket.keys(prefix) == []


TUSCANY = ["DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg", "DSCN0025.jpg"]  # 22 Oct 2008, 15 minutes, GPS


def test_suggestions_export_and_faces_on_the_production_engine(client, worker, bucket, corpus):
    """Every scope on; an afternoon in Tuscany (16 photos: an event big enough for a collage and a
    recap video) and two photos of one face, analysed by the worker; suggestions rendered by the
    worker into the bucket; an export built by the worker and downloaded through a signed URL;
    then revoking `library` leaves nothing of the person in the bucket."""
    person = UserFactory()
    client.force_login(person)
    flows.consent_onboard(client, "library", "time", "location", "themes", "faces")
    files = [(name, (corpus / "exif" / name).read_bytes()) for name in TUSCANY]
    for name in TUSCANY:  # the same views again, as a burst would give: distinct files
        files += flows.photo_batch(corpus / "exif" / name, 3, tag="burst")
    files += [(name, (corpus / "faces" / name).read_bytes()) for name in ("obama.jpg", "obama2.jpg")]
    ids = flows.upload_many(client, files)
    prefix = user_prefix(person.pk)
    assert len(bucket.keys(prefix + "originals/")) == len(files) == 18

    items = flows.wait_terminal(ids, timeout=240)
    assert [item.status for item in items] == ["analyzed"] * len(files), [item.failure_reason for item in items]
    by_name = {item.original_name: item for item in items}
    faces = {name: list(Face.objects.filter(media=by_name[name])) for name in ("obama.jpg", "obama2.jpg")}
    assert all(len(found) == 1 for found in faces.values()), faces
    assert not Face.objects.filter(media__owner=person).exclude(media__original_name__startswith="obama").exists()
    people = {face.person_id for found in faces.values() for face in found}
    assert len(people) == 1 and None not in people  # one face seen twice: one person
    assert Person.objects.filter(owner=person).count() == 1

    # The photos were taken on 22 October 2008: refresh as of the next day, as the worker would
    # have then. Saved at once, in the refresh's transaction, so that the worker's own refresh
    # (made for today's date, debounced after the analysis) keeps them: it replaces only unsaved ones.
    with transaction.atomic():
        made = feed.suggestions_refresh(person.pk, today=date(2008, 10, 23)).created
        for suggestion in made:
            feed.suggestion_save(suggestion)
    kinds = {suggestion.kind: suggestion.pk for suggestion in made}
    assert {"event", "recap_video"} <= set(kinds), kinds

    def rendered():
        wanted = Suggestion.objects.filter(pk__in=[kinds["event"], kinds["recap_video"]]).exclude(asset="")
        return wanted.count() == 2

    services.wait_until(rendered, 240, "the worker to render the collage and the recap video", interval=0.5)

    def bucket_matches_rows():
        # A render delivered twice stores twice and the loser deletes its copy: wait until the
        # bucket holds exactly the assets the rows name.
        names = set(Suggestion.objects.filter(owner=person).exclude(asset="").values_list("asset", flat=True))
        return set(bucket.keys(prefix + "suggestions/")) == names and names

    assets = services.wait_until(bucket_matches_rows, 60, "the bucket to hold exactly the rendered assets", interval=0.5)
    event = Suggestion.objects.get(pk=kinds["event"])
    recap = Suggestion.objects.get(pk=kinds["recap_video"])
    assert {event.asset.name, recap.asset.name} <= assets
    assert event.asset_mime == "image/jpeg" and recap.asset_mime == "video/mp4"

    collage = bucket.read(event.asset.name)
    picture = Image.open(io.BytesIO(collage))
    picture.load()
    assert picture.format == "JPEG" and max(picture.size) == 2048
    assert not picture.getexif() and b"Exif\x00\x00" not in collage  # no GPS leaves the server
    assert bucket.head(event.asset.name)["ContentType"] == "image/jpeg"

    import av

    video = bucket.read(recap.asset.name)
    with av.open(io.BytesIO(video)) as container:
        stream = container.streams.video[0]
        frames = [frame for _, frame in zip(range(3), container.decode(stream))]
        assert stream.codec_context.name == "h264" and float(container.duration / av.time_base) > 1
    assert len(frames) == 3 and frames[0].width >= 640 and frames[0].height >= 360
    assert bucket.head(recap.asset.name)["ContentType"] == "video/mp4"

    # The export, built by the worker into the bucket, downloaded through the app.
    export, created = export_request(person)
    assert created
    services.wait_until(
        lambda: Export.objects.get(pk=export.pk).status in ("ready", "failed"), 180, "the worker to build the export",
        interval=0.5,
    )
    export.refresh_from_db()
    assert export.status == "ready", export.failure_reason
    assert bucket.keys(prefix + "exports/") == [export.file.name]
    response = client.get(reverse("consent:export_download", args=[export.pk]))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc == urlsplit(os.environ["AWS_S3_ENDPOINT_URL"]).netloc
    download = requests.get(response["Location"], timeout=30)
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/zip"
    assert download.content == bucket.read(export.file.name) and len(download.content) == export.bytes
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {f"originals/{name}" for name, _ in files} <= names
    assert {f"items/{pk}.json" for pk in ids} <= names
    assert archive.read("originals/DSCN0010.jpg") == (corpus / "exif" / "DSCN0010.jpg").read_bytes()
    exported = [name for name in names if name.startswith("suggestions/")]
    assert any(name.endswith(".mp4") for name in exported) and any(name.endswith(".jpg") for name in exported)
    assert {"consent/history.json", "consent/receipt.json", "people.json"} <= names

    flows.consent_revoke(client, "library")
    for model in (MediaItem, Suggestion, Person):
        assert not model.objects.filter(owner=person).exists(), model
    assert not Face.objects.filter(media__owner=person).exists()
    assert not Export.objects.filter(user=person).exists()
    assert bucket.keys(prefix) == []


def test_private_files_are_short_lived_signed_redirects(client, worker, bucket, corpus):
    person = UserFactory()
    client.force_login(person)
    flows.consent_onboard(client, "library")
    [item_id] = flows.upload_many(client, [("DSCN0012.jpg", (corpus / "exif" / "DSCN0012.jpg").read_bytes())])
    [item] = flows.wait_terminal([item_id])

    response = client.get(reverse("library:thumbnail", args=[item.pk, "small"]))
    assert response.status_code == 302
    signed = requests.get(response["Location"], timeout=10)
    assert signed.status_code == 200
    assert signed.headers["Content-Type"] == "image/jpeg" and signed.content[:3] == b"\xff\xd8\xff"

    response = client.get(reverse("library:original", args=[item.pk]))
    original = requests.get(response["Location"], timeout=10)
    assert original.status_code == 200
    assert original.content == (corpus / "exif" / "DSCN0012.jpg").read_bytes()
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["Content-Disposition"].startswith("attachment")

    unsigned = response["Location"].split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403
    tampered = response["Location"].replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert requests.get(tampered, timeout=10).status_code == 403


def test_signed_urls_expire(bucket):
    storage = storages.create_storage(
        {**settings.STORAGES["default"], "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "querystring_expire": 1}}
    )
    name = storage.save("expiry-check/probe.jpg", ContentFile(jpeg_bytes()))
    url = storage.url(name)
    assert "X-Amz-Expires=1" in url
    assert requests.get(url, timeout=10).status_code == 200
    time.sleep(2.5)  # let the one-second signature lapse; what is asserted is the server's refusal
    assert requests.get(url, timeout=10).status_code == 403
    storage.delete(name)


def test_stored_objects_carry_no_runnable_content_type(client, worker, bucket, corpus):
    person = UserFactory()
    client.force_login(person)
    flows.consent_onboard(client, "library")
    ids = flows.upload_many(client, [
        ("a.jpg", (corpus / "exif" / "Canon_40D.jpg").read_bytes()),
        ("b.heic", (corpus / "heic" / "IMG_5195.HEIC").read_bytes()),
        ("c.mp4", (corpus / "video" / "short_hamilton_clip.mp4").read_bytes()),
    ])
    flows.wait_terminal(ids)
    keys = bucket.keys(user_prefix(person.pk))
    assert len(keys) >= 3
    for key in keys:
        content_type = bucket.head(key)["ContentType"]
        assert content_type.split("/")[0] in ("image", "video"), (key, content_type)


def test_gunicorn_serves_pages_static_files_and_health(service_env, static_root, bucket):
    port = int(services.free_port())
    env = {**service_env, "STATIC_ROOT": str(static_root), "ALLOWED_HOSTS": "127.0.0.1"}
    web = services.gunicorn(env, port, services.LOGS).start()
    try:
        base = f"http://127.0.0.1:{port}"
        services.wait_until(lambda: services.listening(port), 60, "gunicorn to listen")
        health = requests.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}
        page = requests.get(f"{base}/accounts/login/", timeout=10)
        assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text).group(1)
        assert re.fullmatch(r"/static/css/rollweb\.[0-9a-f]{12}\.css", stylesheet)  # the manifest's hashed name
        css = requests.get(base + stylesheet, headers={"Accept-Encoding": "br"}, timeout=10)
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        assert css.headers.get("Content-Encoding") == "br"
        assert "immutable" in css.headers["Cache-Control"]
    finally:
        web.stop()


def test_rabbitmq_works_as_the_broker_too(transactional_db, service_env, static_root, bucket, corpus):
    """The same code with amqp:// (RabbitMQ) instead of Redis: uploads are analysed, /healthz is ok."""
    amqp = os.environ.get("ROLLWEB_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
    host = urlsplit(amqp)
    assert services.listening(host.port or 5672, host.hostname), f"RabbitMQ is not answering at {host.netloc}"
    env = {**service_env, "CELERY_BROKER_URL": amqp, "STATIC_ROOT": str(static_root), "ALLOWED_HOSTS": "127.0.0.1"}
    port = services.free_port()
    web = services.gunicorn(env, port, services.LOGS).start()
    worker = services.celery_worker(env, services.LOGS, name="rabbitmq-worker").start()
    try:
        person = UserFactory()
        grant(person, "library", "time")
        services.wait_until(lambda: services.listening(port), 60, "gunicorn")
        site = flows.Browserless(f"http://127.0.0.1:{port}", person)
        assert site.get("/healthz").json()["broker"] == "ok"
        uploads = [site.upload(name, data) for name, data in flows.photo_batch(corpus / "exif" / "DSCN0025.jpg", 3)]
        assert [response.status_code for response in uploads] == [201] * 3
        items = flows.wait_terminal([response.json()["id"] for response in uploads], timeout=120)
        assert [item.status for item in items] == ["analyzed"] * 3 and all(item.captured_at for item in items)
        assert len(bucket.keys(user_prefix(person.pk))) == 9
    finally:
        worker.stop()
        web.stop()


@pytest.mark.django_db
def test_consent_events_refuse_update_and_delete_even_in_sql(user):
    """The trigger of consent's migration 0002: the log is append-only below the ORM too."""
    from django.db import DatabaseError, connection, transaction

    from consent.models import ConsentEvent

    grant(user, "library")
    event = ConsentEvent.objects.filter(record__user=user).first()
    for statement in ("UPDATE consent_consentevent SET scope = 'time' WHERE id = %s",
                      "DELETE FROM consent_consentevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert ConsentEvent.objects.get(pk=event.pk).scope == "library"


def test_the_same_file_uploaded_at_once_is_kept_once(worker, bucket, corpus):
    """Four simultaneous uploads of one file on PostgreSQL: one item, one object, every answer
    names it (the losers of the race delete what they stored)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    person = UserFactory()
    grant(person, "library")
    data = (corpus / "exif" / "DSCN0021.jpg").read_bytes()

    def send(_):
        try:
            client = Client()
            client.force_login(person)
            response = flows.upload(client, data, "DSCN0021.jpg")
            return response.status_code, response.json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201], answers
    assert len({item for _, item in answers}) == 1
    assert MediaItem.objects.filter(owner=person).count() == 1
    assert len(bucket.keys(user_prefix(person.pk) + "originals/")) == 1
    flows.wait_terminal([answers[0][1]])
