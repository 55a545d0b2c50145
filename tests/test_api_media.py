"""The media endpoints: list with filters and cursors, detail, delete, thumbnail, original, ledger."""

import base64
import hashlib
import uuid
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from suggestions.models import Face, MediaItem, Person, ProcessingRecord, Tombstone

from .conftest import grant, jpeg_bytes, upload_and_analyze

MEDIA = "/api/v1/media/"
CONTRACT_FIELDS = {
    "id", "kind", "status", "failure_reason", "sha256", "original_name", "mime", "bytes", "width", "height",
    "duration_s", "captured_at", "camera", "location", "faces", "thumbnail_url", "created_at",
}


def make_items(user, count, start=None, **fields):
    """Library rows without files, for listing (nothing here reads the bytes)."""
    start = start or timezone.now() - timedelta(days=1)
    items = [
        MediaItem(
            owner=user, kind="photo", status="analyzed", original=f"users/{user.pk}/originals/{n}.jpg",
            sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(), original_name=f"IMG_{n:04d}.JPG",
            mime="image/jpeg", bytes=1000 + n,
            created_at=start + timedelta(seconds=n), **fields,
        )
        for n in range(count)
    ]
    return MediaItem.objects.bulk_create(items)


def add_faces(items, person, per_item=2):
    Face.objects.bulk_create(
        [
            Face(media=item, person=person, x=1, y=2, w=3, h=4, encoding=b"\0" * 512)
            for item in items
            for _ in range(per_item)
        ]
    )


@pytest.fixture
def analyzed(user, corpus):
    grant(user, "library", "time", "location")
    return upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")


@pytest.fixture
def theirs(other_user):
    grant(other_user, "library")
    return upload_and_analyze(other_user, jpeg_bytes(size=(80, 60)))


# -- list -----------------------------------------------------------------------------------------


def test_list_has_the_contract_fields_newest_first(user, api, analyzed):
    make_items(user, 3)
    response = api.get(MEDIA)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"results", "next"}
    ids = [entry["id"] for entry in body["results"]]
    assert ids[0] == analyzed.pk and len(ids) == 4
    assert CONTRACT_FIELDS <= set(body["results"][0])


def test_item_representation(user, api, analyzed):
    entry = api.get(MEDIA).json()["results"][0]
    assert (entry["kind"], entry["status"], entry["mime"]) == ("photo", "analyzed", "image/jpeg")
    assert entry["width"] and entry["height"]
    assert entry["captured_at"] == analyzed.captured_local.isoformat()
    assert set(entry["location"]) == {"lat", "lon", "place", "country_code"}
    assert entry["location"]["lat"] == pytest.approx(analyzed.latitude)
    assert entry["thumbnail_url"] == f"http://testserver/api/v1/media/{analyzed.pk}/thumbnail/"
    assert entry["faces"] == []


def test_without_time_and_location_those_fields_are_null(user, api, corpus):
    grant(user, "library")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    entry = api.get(MEDIA).json()["results"][0]
    assert entry["captured_at"] is None and entry["location"] is None and entry["camera"] == ""


def test_faces_in_the_representation(user, api):
    [item] = make_items(user, 1)
    person = Person.objects.create(owner=user, name="Ada")
    face = Face.objects.create(media=item, person=person, x=10, y=20, w=30, h=40, encoding=b"\0" * 512)
    entry = api.get(f"{MEDIA}{item.pk}/").json()
    assert entry["faces"] == [{"id": face.pk, "box": [10, 20, 30, 40], "person": person.pk}]


def test_list_shows_only_ones_own_items(user, api, theirs):
    assert api.get(MEDIA).json()["results"] == []


def test_cursor_pages_through_everything_once(user, api):
    made = make_items(user, 25)
    seen, url = [], f"{MEDIA}?page_size=10"
    while url:
        body = api.get(url).json()
        seen += [entry["id"] for entry in body["results"]]
        url = body["next"]
    assert seen == [item.pk for item in reversed(made)]


def test_page_size_is_capped(user, api):
    make_items(user, 210)
    assert len(api.get(MEDIA, {"page_size": 1000}).json()["results"]) == 200
    assert len(api.get(MEDIA, {"page_size": "lots"}).json()["results"]) == 50


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"o=-5&p=2020-01-01").decode(),
        base64.b64encode(b"o=99999999999999999999999&r=1").decode(),
        base64.b64encode(b"p=\x00").decode(),
        "é",
    ],
)
def test_bad_cursor_is_400(user, api, cursor):
    make_items(user, 3)
    response = api.get(MEDIA, {"cursor": cursor})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "cursor" in response.json()


def test_a_cursor_with_an_impossible_position_is_400(user, api):
    make_items(user, 3)
    response = api.get(MEDIA, {"cursor": base64.b64encode(b"p=not-a-date").decode()})
    assert response.status_code == 400 and "cursor" in response.json()


def test_filters(user, api):
    day = datetime(2023, 5, 17, 12, tzinfo=dt_timezone.utc)
    may = make_items(user, 2, captured_at=day)
    june = make_items(user, 1, captured_at=day + timedelta(days=30))
    MediaItem.objects.filter(pk=june[0].pk).update(status="failed", kind="video")
    undated = make_items(user, 1)
    person = Person.objects.create(owner=user)
    add_faces([may[0]], person)

    def ids(**query):
        response = api.get(MEDIA, query)
        assert response.status_code == 200, response.json()
        return {entry["id"] for entry in response.json()["results"]}

    assert ids(status="failed") == ids(kind="video") == {june[0].pk}
    assert ids(captured_from="2023-05-17", captured_to="2023-05-17") == {may[0].pk, may[1].pk}
    assert ids(captured_from="2023-05-18") == {june[0].pk}
    assert ids(captured_to="2023-05-16") == set()
    assert ids(captured_from="0001-01-01", captured_to="9999-12-31") == {may[0].pk, may[1].pk, june[0].pk}
    assert ids(person=person.pk) == {may[0].pk}
    assert undated[0].pk in ids()


@pytest.mark.parametrize(
    "query, field",
    [
        ({"status": "lost"}, "status"),
        ({"kind": "audio"}, "kind"),
        ({"captured_from": "17/05/2023"}, "captured_from"),
        ({"captured_to": "2023-02-30"}, "captured_to"),
        ({"captured_from": "2023-06-01", "captured_to": "2023-05-01"}, "captured_to"),
        ({"person": "ada"}, "person"),
        ({"person": "0"}, "person"),
        ({"person": str(10**30)}, "person"),
    ],
)
def test_bad_filters_are_field_errors(user, api, query, field):
    response = api.get(MEDIA, query)
    assert response.status_code == 400
    assert field in response.json()


def test_another_persons_person_is_not_a_filter(user, other_user, api):
    theirs = Person.objects.create(owner=other_user)
    response = api.get(MEDIA, {"person": theirs.pk})
    assert response.status_code == 400 and "person" in response.json()


def test_list_query_count_does_not_grow_with_the_page(user, api):
    items = make_items(user, 60)
    add_faces(items, Person.objects.create(owner=user))

    def queries(page_size):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(MEDIA, {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        return len(captured)

    assert queries(2) == queries(50) <= 4


def test_list_needs_credentials(db):
    assert APIClient().get(MEDIA).status_code == 401


# -- one item -------------------------------------------------------------------------------------


def test_detail_summarises_the_analysis(user, api, analyzed):
    response = api.get(f"{MEDIA}{analyzed.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert CONTRACT_FIELDS <= set(body)
    assert {entry["stage"]: entry["outcome"] for entry in body["analysis"]} == {
        "store": "done", "display": "done", "capture_time": "done", "gps": "done", "places": "done",
        "themes": "skipped", "faces": "skipped", "pass_ingest": "done", "pass_analysis": "done",
    }
    assert body["original_url"].endswith(f"/api/v1/media/{analyzed.pk}/original/")
    assert body["ledger_url"].endswith(f"/api/v1/media/{analyzed.pk}/ledger/")


def test_ledger_lists_records_oldest_first_with_their_consent(user, api, analyzed):
    response = api.get(f"{MEDIA}{analyzed.pk}/ledger/")
    assert response.status_code == 200
    records = response.json()["results"]
    assert [r["stage"] for r in records][:4] == ["store", "display", "capture_time", "gps"]
    assert records[0]["scopes"] == ["library"] and records[2]["scopes"] == ["library", "time"]
    assert set(records[0]) == {"stage", "outcome", "scopes", "started_at", "finished_at", "detail"}


def test_ledger_says_what_was_skipped(user, api, corpus):
    grant(user, "library")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    records = {r["stage"]: r for r in api.get(f"{MEDIA}{item.pk}/ledger/").json()["results"]}
    assert records["gps"]["outcome"] == "skipped" and "no consent" in records["gps"]["detail"]


def test_delete_removes_item_files_and_leaves_a_tombstone(
    user, api, analyzed, stored_files, django_capture_on_commit_callbacks
):
    assert stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{MEDIA}{analyzed.pk}/")
    assert response.status_code == 204
    assert not MediaItem.objects.filter(pk=analyzed.pk).exists()
    assert not ProcessingRecord.objects.filter(media_id=analyzed.pk).exists()
    assert stored_files() == []
    assert Tombstone.objects.filter(owner=user, sha256=analyzed.sha256).exists()
    assert api.get(f"{MEDIA}{analyzed.pk}/").status_code == 404


def test_thumbnail_bytes(user, api, analyzed):
    small = api.get(f"{MEDIA}{analyzed.pk}/thumbnail/")
    large = api.get(f"{MEDIA}{analyzed.pk}/thumbnail/", {"size": "large"}, HTTP_ACCEPT="image/jpeg")
    for response in (small, large):
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    small_bytes, large_bytes = b"".join(small.streaming_content), b"".join(large.streaming_content)
    assert small_bytes[:3] == large_bytes[:3] == b"\xff\xd8\xff"
    assert len(large_bytes) > len(small_bytes)
    assert api.get(f"{MEDIA}{analyzed.pk}/thumbnail/", {"size": "huge"}).status_code == 400


def test_thumbnail_of_an_item_without_preview_is_404(user, api):
    [item] = make_items(user, 1)
    response = api.get(f"{MEDIA}{item.pk}/thumbnail/")
    assert response.status_code == 404 and "preview" in response.json()["detail"]


def test_original_bytes_as_an_attachment(user, api, analyzed, corpus):
    response = api.get(f"{MEDIA}{analyzed.pk}/original/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="DSCN0010.jpg"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == (corpus / "exif" / "DSCN0010.jpg").read_bytes()


class SignedURLStorage(FileSystemStorage):
    """Stands in for S3: `url` answers a signed, expiring URL as django-storages' S3Storage does."""

    def url(self, name, parameters=None, expire=None):
        disposition = (parameters or {}).get("ResponseContentDisposition", "")
        return f"https://bucket.example/{name}?X-Amz-Expires=300&X-Amz-Signature=abc&disposition={disposition}"


def test_on_s3_files_are_a_redirect_to_a_signed_url(user, api, analyzed, settings, private_storage):
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.SignedURLStorage", "OPTIONS": {"location": str(private_storage)}},
    }
    for path in ("original/", "thumbnail/"):
        response = api.get(f"{MEDIA}{analyzed.pk}/{path}")
        assert response.status_code == 302
        assert "X-Amz-Expires=300" in response["Location"] and "X-Amz-Signature" in response["Location"]


ITEM_PATHS = ["", "thumbnail/", "original/", "ledger/"]


@pytest.mark.parametrize("path", ITEM_PATHS)
def test_another_persons_item_is_404(user, api, theirs, path):
    response = api.get(f"{MEDIA}{theirs.pk}/{path}")
    assert response.status_code == 404 and "detail" in response.json()


def test_another_persons_item_cannot_be_deleted(user, api, theirs, stored_files):
    files = stored_files()
    assert api.delete(f"{MEDIA}{theirs.pk}/").status_code == 404
    assert MediaItem.objects.filter(pk=theirs.pk).exists() and stored_files() == files
    assert not Tombstone.objects.exists()


@pytest.mark.parametrize("path", ITEM_PATHS)
@pytest.mark.parametrize("pk", ["999999", str(2**63), str(10**40)])
def test_unknown_or_huge_ids_are_404(user, api, path, pk):
    assert api.get(f"{MEDIA}{pk}/{path}").status_code == 404


@pytest.mark.parametrize("path", ITEM_PATHS)
def test_anonymous_is_401(theirs, path):
    assert APIClient().get(f"{MEDIA}{theirs.pk}/{path}").status_code == 401
    assert APIClient().delete(f"{MEDIA}{theirs.pk}/").status_code == 401


def test_hand_built_representation_matches_the_declared_fields(user, rf, analyzed):
    """The fast path writes what DRF would write from the fields the schema is made from."""
    from rest_framework import serializers as drf

    from suggestions.api.serializers import MediaDetailSerializer, MediaItemSerializer, StageSummarySerializer

    person = Person.objects.create(owner=user)
    Face.objects.create(media=analyzed, person=person, x=1, y=2, w=3, h=4, encoding=b"\0" * 512)
    Face.objects.create(media=analyzed, x=5, y=6, w=7, h=8, encoding=b"\0" * 512)
    MediaItem.objects.filter(pk=analyzed.pk).update(place="Arezzo", country_code="IT", device_asset_id="A1")
    item = MediaItem.objects.get(pk=analyzed.pk)
    context = {"request": rf.get("/")}
    for serializer_class in (MediaItemSerializer, MediaDetailSerializer):
        fast = serializer_class(item, context=context).data
        declared = drf.ModelSerializer.to_representation(serializer_class(item, context=context), item)
        assert fast == declared
        assert list(fast) == serializer_class.Meta.fields
    assert fast["faces"][0]["person"] == person.pk and fast["location"]["place"] == "Arezzo"
    latest = {record.stage: record for record in item.ledger.all()}
    assert fast["analysis"] == StageSummarySerializer(latest.values(), many=True).data and len(fast["analysis"]) > 2
