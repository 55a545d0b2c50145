"""Large erasures: a durable request, chunks on the erase queue, the promise kept from the revoke on."""

import logging
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consent import erasing
from consent.account import account_erase
from consent.erasure import _chunked
from consent.models import ConsentEvent, ConsentRecord, Erasure
from consent.services import active_grants, scopes_revoke
from rollweb.storage import files_under, save_bytes, user_prefix
from suggestions import erasure as suggestions_erasure
from suggestions.models import Face, MediaItem, Person, Suggestion

from .conftest import grant, jpeg_bytes
from .derived import add_person_and_face, add_suggestion
from .factories import MediaItemFactory, UserFactory
from .leftovers import erasure_leftovers

ITEMS = 7


@pytest.fixture(autouse=True)
def small_chunks(settings):
    """Anything above 3 items is a large erasure, erased 2 items to a chunk (with time to spare)."""
    settings.ERASE_INLINE_ITEMS = 3
    settings.ERASE_CHUNK_ITEMS = 2
    settings.ERASE_CHUNK_MS = 60_000


@pytest.fixture
def library(user):
    """Items with stored previews, a face each (one named person), and a face suggestion."""
    grant(user, "library", "time", "location", "faces")
    items = []
    for _ in range(ITEMS):
        item = MediaItemFactory(owner=user, taken=timezone.now().replace(tzinfo=None), latitude=43.46, longitude=11.88,
                                place="Arezzo")
        for field in ("original", "thumb_small", "thumb_large"):
            save_bytes(getattr(item, field).name, jpeg_bytes(size=(40, 30)))
        items.append(item)
    person, _ = add_person_and_face(items[0], name="Ada")
    for item in items[1:]:
        Face.objects.create(media=item, person=person, x=1, y=1, w=9, h=9, encoding=bytes(512))
    add_suggestion(user, items[:2], "faces", title="Ada's day")
    return items


def test_a_large_faces_revoke_is_recorded_and_nothing_of_it_is_used_at_once(
    user, library, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        revocation = scopes_revoke(user, ["faces"], method="web")

    assert revocation.erasing == ["faces"] and revocation.erased == {}
    erasure = Erasure.objects.get(record__user=user)
    assert (erasure.scope, erasure.status) == ("faces", Erasure.Status.QUEUED)
    assert len(queued) == 1
    # The rows are still there, but the scope is out of force: even agreeing again does not bring them back.
    assert Face.objects.filter(media__owner=user).count() == ITEMS
    grant(user, "faces")
    assert "faces" not in active_grants(user.pk) and "library" in active_grants(user.pk)

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()

    erasure.refresh_from_db()
    assert erasure.status == Erasure.Status.DONE and erasure.chunks == 4  # 7 items, 2 to a chunk
    assert erasure.counts["faces"] == ITEMS and erasure.counts["people"] == 1 and erasure.counts["suggestions"] == 1
    assert not Face.objects.filter(media__owner=user).exists() and not Person.objects.filter(owner=user).exists()
    assert not Suggestion.objects.filter(owner=user).exists()
    assert erasure_leftovers(user.pk, scopes=["faces"]) == []
    event = ConsentEvent.objects.get(record__user=user, kind="erasure", scope="faces")
    assert event.counts == erasure.counts
    assert "faces" in active_grants(user.pk)  # the new grant is in force once the old data is gone


def test_the_erasure_task_is_registered_by_name(user, library, django_capture_on_commit_callbacks, monkeypatch):
    """One task per consent record, by its registered name (the routing table sends it to `erase`)."""
    from rollweb.celery import app

    sent = []
    monkeypatch.setattr(app.tasks[erasing.ERASE_TASK], "apply_async", lambda args=(), **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, ["faces"], method="web")
    assert sent == [(str(ConsentRecord.objects.get(user=user).pk),)]


def test_each_chunk_is_its_own_logged_transaction(user, library, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.INFO, logger="consent.erasing"), django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, ["location"], method="web")
    chunks = [record.getMessage() for record in caplog.records if " chunk " in record.getMessage()]
    assert len(chunks) == 4 and all(" s, " in line for line in chunks)
    assert not MediaItem.objects.filter(owner=user, latitude__isnull=False).exists()
    counts = Erasure.objects.get(record__user=user).counts
    assert (counts["locations"], counts["places"]) == (ITEMS, ITEMS)
    assert erasure_leftovers(user.pk, scopes=["location"]) == []


def test_a_lost_erasure_is_queued_again_by_the_sweeper(user, library, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        scopes_revoke(user, ["faces"], method="web")  # the task never reaches a worker
    assert erasing.erasures_sweep() == 0  # not lost yet: it was asked for a moment ago

    Erasure.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert erasing.erasures_sweep() == 1

    assert Erasure.objects.get(record__user=user).status == Erasure.Status.DONE
    assert not Face.objects.filter(media__owner=user).exists()
    assert erasure_leftovers(user.pk, scopes=["faces"]) == []


def test_an_erasure_resumes_where_a_crash_stopped_it(user, library, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    real = suggestions_erasure.faces_chunk

    def crash_on_third(user, ids):
        calls.append(list(ids))
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real(user, ids)

    monkeypatch.setitem(_chunked, "faces", [(suggestions_erasure.media_batches, crash_on_third)])
    with pytest.raises(SystemExit), django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, ["faces"], method="web")

    erasure = Erasure.objects.get(record__user=user)
    assert erasure.status == Erasure.Status.RUNNING and erasure.chunks == 2
    assert Face.objects.filter(media__owner=user).count() == ITEMS - 4
    Erasure.objects.filter(pk=erasure.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert erasing.erasures_sweep() == 1

    erasure.refresh_from_db()
    assert erasure.status == Erasure.Status.DONE and erasure.counts["faces"] == ITEMS  # nothing counted twice
    assert calls[3][0] == calls[2][0]  # the crashed chunk ran again, then the rest
    assert erasure_leftovers(user.pk, scopes=["faces"]) == []


def test_an_erasure_that_gave_up_is_queued_again_by_an_operator(user, library, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        scopes_revoke(user, ["faces"], method="web")
    erasure = Erasure.objects.get(record__user=user)
    Erasure.objects.filter(pk=erasure.pk).update(status=Erasure.Status.FAILED, attempts=erasing.MAX_ATTEMPTS)
    grant(user, "faces")
    assert "faces" not in active_grants(user.pk)  # a failed erasure still keeps the scope out of force
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    changelist = reverse("admin:consent_erasure_changelist")
    assert client.get(changelist).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "retry", "_selected_action": [erasure.pk]})
    erasure.refresh_from_db()
    assert erasure.status == Erasure.Status.DONE
    assert not Face.objects.filter(media__owner=user).exists()


def test_a_large_account_deletion_closes_the_account_at_once_and_erases_it_in_chunks(
    user, library, client, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        record_id, counts = account_erase(user, method="web")

    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert client.get(reverse("library:index")).status_code == 302  # signed out everywhere
    assert list(Erasure.objects.filter(record_id=record_id).values_list("scope", flat=True)) == [
        "library", "time", "location", "faces", "themes", "account"
    ]
    assert files_under(user_prefix(user.pk))

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()

    assert not Erasure.objects.filter(record_id=record_id).exclude(status=Erasure.Status.DONE).exists()
    assert erasure_leftovers(user.pk, scopes=["library", "faces"], account=True) == []
    event = ConsentEvent.objects.get(record_id=record_id, kind="account_erasure")
    assert event.counts["media"] == ITEMS and event.counts["faces"] == ITEMS and event.counts["files"] >= 3 * ITEMS


def test_the_privacy_centre_shows_an_erasure_in_progress(user, library, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        scopes_revoke(user, ["faces"], method="web")
    client.force_login(user)
    html = client.get(reverse("consent:privacy")).content.decode()
    assert 'id="erasures"' in html and "Being erased" in html and "in progress" in html
    section = html[html.index('id="scope-faces"'):]
    assert "being erased" in section[: section.index("</article>")]


def test_the_api_says_which_scopes_are_still_being_erased(user, library, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=False):
        answer = api.post("/api/v1/consent/revoke/", {"scopes": ["faces"]}, format="json")
    assert answer.status_code == 200
    assert answer.json()["erasing"] == ["faces"] and answer.json()["erased"] == {}


def test_a_small_erasure_still_happens_in_the_request(user, library, settings):
    settings.ERASE_INLINE_ITEMS = ITEMS
    revocation = scopes_revoke(user, ["faces"], method="web")
    assert revocation.erasing == [] and revocation.erased["faces"] == ITEMS
    assert not Erasure.objects.exists()
    assert erasure_leftovers(user.pk, scopes=["faces"]) == []


@pytest.mark.parametrize(
    ("size", "held", "limit", "expected"),
    [
        (20, 0.010, 500, 40),  # cheap: twice as many, no more at once
        (400, 0.100, 500, 500),  # never above the count limit
        (100, 0.500, 500, 50),  # twice the aim: half as many
        (100, 2.400, 500, 10),  # a slow chunk: as many as fit in the aim at its cost
        (3, 9.000, 500, 1),  # at least one id
        (20, 0.0, 500, 40),  # a clock that did not move
    ],
)
def test_the_next_chunk_takes_as_many_ids_as_fit_in_its_time(size, held, limit, expected):
    assert erasing.chunk_size_next(size, held, aim=0.25, limit=limit) == expected


def _chunks_logged(caplog):
    found = (re.search(r"chunk \d+: (\d+) ids in ([0-9.]+) s", record.getMessage()) for record in caplog.records)
    return [(int(match.group(1)), float(match.group(2))) for match in found if match]


@pytest.fixture
def many_faces(user):
    """60 items with a face each, no stored files."""
    grant(user, "library", "time", "location", "faces")
    items = MediaItemFactory.create_batch(60, owner=user)
    Face.objects.bulk_create([Face(media=item, x=1, y=1, w=9, h=9, encoding=bytes(512)) for item in items])
    return items


def _costing(monkeypatch, seconds_per_id):
    """Faces chunks that cost `seconds_per_id` on the erasure's clock for each id they erase."""
    now = [0.0]
    monkeypatch.setattr(erasing, "clock", lambda: now[0])
    real = suggestions_erasure.faces_chunk

    def faces_chunk(user, ids):
        now[0] += seconds_per_id * len(ids)
        return real(user, ids)

    monkeypatch.setitem(_chunked, "faces", [(suggestions_erasure.media_batches, faces_chunk)])


def test_costly_chunks_take_fewer_ids_so_each_transaction_stays_within_its_time(
    user, many_faces, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.ERASE_CHUNK_ITEMS, settings.ERASE_CHUNK_MS = 500, 52
    _costing(monkeypatch, 0.010)  # 10 ms an id: 5 ids fit in 52 ms
    with caplog.at_level(logging.INFO, logger="consent.erasing"), django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, ["faces"], method="web")

    chunks = _chunks_logged(caplog)
    assert chunks[0] == (erasing.FIRST_CHUNK_ITEMS, pytest.approx(0.2))  # the first is sized before any cost is known
    assert [size for size, _ in chunks[1:-1]] == [5] * 8 and all(held <= 0.052 for _, held in chunks[1:])
    assert sum(size for size, _ in chunks) == 60
    erasure = Erasure.objects.get(record__user=user)
    assert erasure.status == Erasure.Status.DONE and erasure.counts["faces"] == 60 and erasure.chunks == len(chunks)
    assert not Face.objects.filter(media__owner=user).exists()
    assert erasure_leftovers(user.pk, scopes=["faces"]) == []


def test_cheap_chunks_grow_to_the_count_limit(
    user, many_faces, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.ERASE_CHUNK_ITEMS, settings.ERASE_CHUNK_MS = 30, 50
    _costing(monkeypatch, 0.001)
    with caplog.at_level(logging.INFO, logger="consent.erasing"), django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, ["faces"], method="web")

    assert [size for size, _ in _chunks_logged(caplog)] == [20, 30, 10]
    assert not Face.objects.filter(media__owner=user).exists()
    assert Erasure.objects.get(record__user=user).counts["faces"] == 60


def test_a_resumed_erasure_sizes_its_chunks_again_from_where_it_stopped(
    user, many_faces, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.ERASE_CHUNK_ITEMS, settings.ERASE_CHUNK_MS = 500, 52
    _costing(monkeypatch, 0.010)
    calls = []
    costly = _chunked["faces"][0][1]

    def crash_on_third(user, ids):
        calls.append(len(ids))
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return costly(user, ids)

    monkeypatch.setitem(_chunked, "faces", [(suggestions_erasure.media_batches, crash_on_third)])
    with pytest.raises(SystemExit), django_capture_on_commit_callbacks(execute=True):
        scopes_revoke(user, ["faces"], method="web")
    assert Face.objects.filter(media__owner=user).count() == 60 - 20 - 5  # two chunks committed, the third not

    Erasure.objects.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with caplog.at_level(logging.INFO, logger="consent.erasing"), django_capture_on_commit_callbacks(execute=True):
        assert erasing.erasures_sweep() == 1

    erasure = Erasure.objects.get(record__user=user)
    assert erasure.status == Erasure.Status.DONE and erasure.counts["faces"] == 60  # nothing counted twice
    assert calls[3] == erasing.FIRST_CHUNK_ITEMS  # sized afresh: no cost known in the new run
    assert not Face.objects.filter(media__owner=user).exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_large_account_erasure_on_the_production_engine_empties_the_bucket(worker, bucket, settings):
    """PostgreSQL, Redis and S3: the worker erases in chunks and the person's objects leave the bucket."""
    from . import services

    settings.ERASE_INLINE_ITEMS = 3
    user = UserFactory()
    grant(user, "library", "time", "location", "faces")
    for _ in range(ITEMS):
        item = MediaItemFactory(owner=user, taken=timezone.now().replace(tzinfo=None), place="Arezzo")
        for field in ("original", "thumb_small", "thumb_large"):
            save_bytes(getattr(item, field).name, jpeg_bytes(size=(40, 30)))
        Face.objects.create(media=item, x=1, y=1, w=9, h=9, encoding=bytes(512))
    prefix = user_prefix(user.pk)
    assert len(bucket.keys(prefix)) == 3 * ITEMS

    record_id, _ = account_erase(user, method="web")

    done = lambda: not Erasure.objects.filter(record_id=record_id).exclude(status=Erasure.Status.DONE).exists()  # noqa: E731
    services.wait_until(done, 60, "the erasure to finish on the worker", interval=0.3)
    assert bucket.keys(prefix) == []
    assert erasure_leftovers(user.pk, scopes=["library", "faces"], account=True) == []
    event = ConsentEvent.objects.get(record_id=record_id, kind="account_erasure")
    assert event.counts["media"] == ITEMS and event.counts["faces"] == ITEMS
