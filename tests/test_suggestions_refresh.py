"""The refresh service: stores new suggestions, keeps saved ones, never brings back a dismissed one,
renders in the worker, is debounced after analysis and runs daily; deleted photos leave suggestions."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from suggestions import tasks
from suggestions.feed import render as feed_render, selectors as feed_selectors, services as feed
from suggestions.library import services
from suggestions.models import Suggestion, SuggestionItem, SuggestionRefresh

from .conftest import grant, jpeg_bytes, upload_and_analyze
from .crafted import pictured
from .factories import FaceFactory, PersonFactory, SuggestionFactory

TODAY = date(2024, 6, 20)


@pytest.fixture
def consenting(user):
    grant(user, "library", "time", "location")
    return user


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what is queued after commit (the worker's renders, eager in tests)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def outing(user, count=8, start=datetime(2024, 6, 15, 14, 0), where="brighton"):
    return [pictured(user, start + timedelta(minutes=20 * i), where=where) for i in range(count)]


def test_a_refresh_stores_suggestions_and_the_worker_renders_them(consenting, run_on_commit, private_storage):
    items = outing(consenting)
    result = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY)
    [suggestion] = result.created
    suggestion.refresh_from_db()
    assert (suggestion.kind, suggestion.title, suggestion.state) == ("event", "Brighton, 15 Jun 2024", "new")
    assert suggestion.reason.startswith("8 photos taken in Brighton within 2 hours")
    assert suggestion.scopes_used == ",library,location,time,"
    assert suggestion.occasion_date == date(2024, 6, 15)
    assert suggestion.topic == f"event:{items[0].pk}"
    assert list(SuggestionItem.objects.filter(suggestion=suggestion).values_list("position", flat=True)) == list(range(8))
    assert suggestion.asset.name.startswith(f"users/{consenting.pk}/suggestions/") and suggestion.asset_mime == "image/jpeg"
    image = Image.open(private_storage / suggestion.asset.name)
    assert image.format == "JPEG" and max(image.size) == 2048 and not image.getexif()
    assert SuggestionRefresh.objects.get(owner=consenting).refreshed_at is not None


def test_refreshing_again_changes_nothing(consenting, run_on_commit):
    outing(consenting)
    run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY)
    before = list(Suggestion.objects.values_list("pk", "updated_at", "asset"))
    again = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY)
    assert (again.created, again.removed) == ([], 0)
    assert list(Suggestion.objects.values_list("pk", "updated_at", "asset")) == before


def test_new_photos_replace_an_unsaved_suggestion_about_the_same_event(consenting, run_on_commit, private_storage):
    items = outing(consenting)
    [old] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    old.refresh_from_db()
    more = outing(consenting, count=2, start=datetime(2024, 6, 15, 17, 0))
    [new] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    assert not Suggestion.objects.filter(pk=old.pk).exists()
    assert not (private_storage / old.asset.name).exists()
    assert new.topic == old.topic
    assert more[0].pk in set(new.media.values_list("pk", flat=True)) and new.media.count() == 9
    assert items[0].pk == int(new.topic.split(":")[1])


def test_saved_suggestions_are_kept_and_not_made_again(consenting, run_on_commit):
    outing(consenting)
    [saved] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    feed.suggestion_save(saved)
    outing(consenting, count=2, start=datetime(2024, 6, 15, 17, 0))
    assert run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created == []
    # Long after the event, when it is no longer suggested, the saved one stays.
    assert run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY + timedelta(days=200)).removed == 0
    assert list(Suggestion.objects.values_list("pk", "state")) == [(saved.pk, "saved")]
    assert Suggestion.objects.get(pk=saved.pk).media.count() == 8


def test_a_dismissed_suggestion_never_returns(consenting, run_on_commit, private_storage):
    outing(consenting)
    [dismissed] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    dismissed.refresh_from_db()
    asset = dismissed.asset.name
    run_on_commit(feed.suggestion_dismiss, dismissed)
    assert not (private_storage / asset).exists()
    assert run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created == []
    # Not even with more photos of the same event.
    outing(consenting, count=3, start=datetime(2024, 6, 15, 17, 0))
    assert run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created == []
    assert list(Suggestion.objects.values_list("pk", "state", "asset")) == [(dismissed.pk, "dismissed", "")]


def test_the_occasion_of_a_day_is_gone_the_next_day(consenting, run_on_commit):
    for minute in (0, 20, 40):
        pictured(consenting, datetime(2021, 6, 20, 12, minute))
    [on_this_day] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    assert (on_this_day.kind, on_this_day.title) == ("on_this_day", "On this day in 2021")
    next_day = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY + timedelta(days=1))
    assert next_day.removed == 1 and [s.title for s in next_day.created] == ["This week, three years ago"]
    assert run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY + timedelta(days=4)).removed == 1
    assert not Suggestion.objects.exists()


def test_nothing_is_suggested_without_the_library_scope(user, run_on_commit):
    outing(user)
    assert run_on_commit(feed.suggestions_refresh, user.pk, today=TODAY).created == []
    assert not Suggestion.objects.exists()


def test_a_video_suggestion_is_rendered_as_mp4(consenting, run_on_commit, private_storage):
    outing(consenting, count=15, start=datetime(2024, 6, 15, 9, 0))
    created = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    [video] = [s for s in created if s.kind == "recap_video"]
    video.refresh_from_db()
    assert video.asset.name.endswith(".mp4") and video.asset_mime == "video/mp4"
    assert (private_storage / video.asset.name).read_bytes()[4:8] == b"ftyp"


def test_rendering_twice_stores_one_file(consenting, run_on_commit, stored_files):
    outing(consenting)
    [suggestion] = feed.suggestions_refresh(consenting.pk, today=TODAY).created  # renders not run yet
    assert feed_render.suggestion_render(suggestion.pk)
    assert feed_render.suggestion_render(suggestion.pk) is None
    assert len([name for name in stored_files() if "/suggestions/" in name]) == 1


def test_analysis_asks_for_one_debounced_refresh(user, run_on_commit, monkeypatch, settings):
    queued = []
    monkeypatch.setattr(tasks.refresh_suggestions, "apply_async", lambda args: queued.append(args))
    grant(user, "library")
    run_on_commit(upload_and_analyze, user, jpeg_bytes(color=(1, 2, 3)), "a.jpg")
    asked = SuggestionRefresh.objects.get(owner=user).due_at
    run_on_commit(upload_and_analyze, user, jpeg_bytes(color=(4, 5, 6)), "b.jpg")
    assert SuggestionRefresh.objects.get(owner=user).due_at == asked  # one refresh for the batch
    assert queued == []  # nothing is queued before it is due
    assert run_on_commit(feed.suggestions_queue_due, asked - timedelta(seconds=1)) == []
    assert run_on_commit(feed.suggestions_queue_due, asked) == [user.pk]
    assert queued == [(user.pk,)]
    assert feed.suggestions_refresh_due(user.pk) is not None  # the queued task's work, once
    assert feed.suggestions_refresh_due(user.pk) is None
    assert SuggestionRefresh.objects.get(owner=user).due_at is None
    assert run_on_commit(feed.suggestions_queue_due, asked + timedelta(hours=1)) == []
    run_on_commit(feed.suggestions_refresh_soon, user.pk)  # the next batch asks again
    assert SuggestionRefresh.objects.get(owner=user).due_at is not None


def test_a_lost_refresh_stays_due_and_is_queued_again(user, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.refresh_suggestions, "apply_async", lambda args: queued.append(args))
    SuggestionRefresh.objects.create(owner=user, due_at=timezone.now() - timedelta(minutes=30))
    assert feed.suggestions_queue_due() == [user.pk]


def test_the_daily_run_refreshes_everyone_whose_library_is_kept(user, other_user, run_on_commit, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.refresh_suggestions, "apply_async", lambda args: queued.append(args))
    grant(user, "library")
    assert run_on_commit(tasks.refresh_everyones_suggestions) == 1
    assert queued == [(user.pk, False)]


def test_deleting_a_photo_takes_it_out_of_every_suggestion(consenting, run_on_commit, private_storage):
    items = outing(consenting)
    [unsaved] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    unsaved.refresh_from_db()
    saved = SuggestionFactory(owner=consenting, state="saved", kind="trip")
    dismissed = SuggestionFactory(owner=consenting, state="dismissed")
    for position, item in enumerate(items[:3]):
        SuggestionItem.objects.create(suggestion=saved, media=item, position=position)
        SuggestionItem.objects.create(suggestion=dismissed, media=item, position=position)
    run_on_commit(feed_render.suggestion_render, saved.pk)
    saved.refresh_from_db()
    first_render = saved.asset.name

    run_on_commit(services.media_delete, items[0])

    assert not Suggestion.objects.filter(pk=unsaved.pk).exists()
    assert not (private_storage / unsaved.asset.name).exists()
    saved.refresh_from_db()
    assert list(SuggestionItem.objects.filter(suggestion=saved).values_list("media_id", flat=True)) == [
        items[1].pk, items[2].pk,
    ]
    assert saved.asset and saved.asset.name != first_render and not (private_storage / first_render).exists()
    assert Suggestion.objects.get(pk=dismissed.pk).state == "dismissed"
    # The next refresh suggests the event again without the deleted photo.
    [again] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    assert items[0].pk not in set(again.media.values_list("pk", flat=True))


def test_hiding_someone_takes_their_suggestions_out_of_the_feed(consenting, run_on_commit):
    items = outing(consenting)
    [suggestion] = run_on_commit(feed.suggestions_refresh, consenting.pk, today=TODAY).created
    person = PersonFactory(owner=consenting)
    FaceFactory(media=items[3], person=person)
    assert list(feed_selectors.feed_queryset(consenting)) == [suggestion]
    person.hidden = True
    person.save()
    assert list(feed_selectors.feed_queryset(consenting)) == []


def test_save_dismiss_and_seen_services(consenting):
    suggestion = SuggestionFactory(owner=consenting)
    assert feed.suggestion_seen(suggestion).state == "seen"
    assert Suggestion.objects.get(pk=suggestion.pk).state == "seen"
    assert feed.suggestion_save(suggestion).state == "saved"
    assert feed.suggestion_seen(suggestion).state == "saved"  # seen never demotes a saved one
    assert Suggestion.objects.get(pk=suggestion.pk).state == "saved"
    assert feed.suggestion_dismiss(suggestion).state == "dismissed"
    assert Suggestion.objects.get(pk=suggestion.pk).state == "dismissed"
