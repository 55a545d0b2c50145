"""Suggestion operations shared by the pages, the API and the workers: refresh, save, dismiss,
seen, and what happens to suggestions when a photo is deleted (rendering is in render.py).

A refresh runs the generators over the person's library as loaded once (only those whose photos
changed since the last refresh: drafts.py), stores the drafts it
has not stored before, and removes unsaved suggestions it no longer makes. A suggestion is
identified by its fingerprint (kind + items + occasion) and belongs to a topic (the event, day or
birthday it is about): a dismissed fingerprint never comes back, and neither does a new version of
a dismissed or saved topic. Rendering runs in the worker, once per suggestion, as soon as it is made (whether it enters the
feed at once or waits its turn), so that it is ready when it is shown.
"""

import gc
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from consent.models import Grant
from consent.scopes import FACES, LIBRARY
from consent.services import ScopeNotGranted, active_grants, scope_guard
from rollweb import metrics
from rollweb.queue import enqueue
from rollweb.storage import delete_files

from ..models import Suggestion, SuggestionItem, SuggestionRefresh, YearReviewRequest
from .drafts import library_drafts
from .rank import RENDER_SUGGESTION, feed_rerank
from .render import VIDEO_KINDS
from .selectors import hidden_ranges_of, library_snapshot, media_withheld, people_rows
from .signals import suggestion_dismissed

logger = logging.getLogger(__name__)

REPLACEABLE = (Suggestion.State.NEW, Suggestion.State.SEEN)
REFRESH_SUGGESTIONS = "suggestions.tasks.refresh_suggestions"
# A suggestion still without its visual this long after it was made (or last queued) is queued
# again; one still without after RENDER_GIVE_UP is left as it is (its photos may be unreadable).
RENDER_RETRY = timedelta(minutes=10)
RENDER_GIVE_UP = timedelta(days=1)


@dataclass
class Refresh:
    created: list
    removed: int
    drafts: int


def _discard(queryset):
    """Delete suggestions, and their rendered files once the deletion is committed."""
    names = list(queryset.exclude(asset="").values_list("asset", flat=True))
    count = queryset.delete()[1].get(Suggestion._meta.label, 0)
    if names:
        transaction.on_commit(lambda: delete_files(names))
    return count


def suggestions_refresh(user_id, today=None):
    """Bring a person's suggestions up to date with their library, consent, controls and the date,
    then rank the feed (new suggestions wait their turn there: feed/rank.py)."""
    today = today or timezone.localdate()
    grants = active_grants(user_id)
    with _collector_paused():
        library = library_snapshot(user_id, grants.keys(), today) if LIBRARY in grants else None
        drafts = library_drafts(library) if library is not None else []
    try:
        with scope_guard(user_id):
            # Consent is held from here to commit: keep only drafts whose every scope is still in force.
            in_force = set(active_grants(user_id))
            drafts = _within_controls(user_id, library, [draft for draft in drafts if draft.scopes <= in_force])
            existing = list(
                Suggestion.objects.filter(owner_id=user_id).values_list("fingerprint", "topic", "state", "retired_at")
            )
            known = {fingerprint for fingerprint, _, _, _ in existing}
            closed = {topic for _, topic, state, retired in existing if topic and (state not in REPLACEABLE or retired)}
            current = {draft.fingerprint for draft in drafts}
            removed = _discard(
                Suggestion.objects.filter(owner_id=user_id, state__in=REPLACEABLE).exclude(fingerprint__in=current)
            )
            fresh = [draft for draft in drafts if draft.fingerprint not in known and draft.topic not in closed]
            created = _store(user_id, fresh, library)
            SuggestionRefresh.objects.update_or_create(owner_id=user_id, defaults={"refreshed_at": timezone.now()})
            feed_rerank(user_id, today, render=False)
            for suggestion in created:
                enqueue(RENDER_SUGGESTION, suggestion.pk)
    except ScopeNotGranted:
        return Refresh(created=[], removed=0, drafts=0)
    metrics.suggestions_refreshed()
    return Refresh(created=created, removed=removed, drafts=len(drafts))


@contextmanager
def _collector_paused():
    """Reading a library makes tens of thousands of small objects and no reference cycles; the
    garbage collector, woken again and again by so many allocations, would walk them each time
    (a third of the read). It runs as usual afterwards."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _within_controls(user_id, library, drafts):
    """Drafts showing nothing the person withheld after their library was read (a control set
    while this refresh ran); the snapshot already left out what was withheld before."""
    if library is None or not drafts:
        return drafts
    now_hidden = {pk for pk, row in people_rows(user_id).items() if row.hidden}
    then_hidden = {pid for pid, person in library.people.items() if person.hidden}
    ranges = tuple((r.start, r.end) for r in hidden_ranges_of(user_id))
    if (FACES in library.scopes and now_hidden != then_hidden) or ranges != library.hidden_ranges:
        withheld = media_withheld(user_id, {media_id for draft in drafts for media_id in draft.items})
        drafts = [draft for draft in drafts if not withheld.intersection(draft.items)]
    return drafts


def _quality(library, items):
    """The mean quality of a draft's photos, 0.5 where it is unknown."""
    values = [library.by_id[pk].quality for pk in items if pk in library.by_id]
    values = [0.5 if value is None else value for value in values]
    return sum(values) / len(values) if values else 0.5


def _store(user_id, drafts, library):
    now = timezone.now()
    created = Suggestion.objects.bulk_create(
        [
            Suggestion(
                owner_id=user_id, kind=draft.kind, title=draft.title[:200], reason=draft.reason,
                fingerprint=draft.fingerprint, topic=draft.topic[:100], scopes_used=Suggestion.scopes_value(draft.scopes),
                occasion_date=draft.occasion, created_at=now, quality=_quality(library, draft.items), released_at=None,
            )
            for draft in drafts
        ]
    )
    SuggestionItem.objects.bulk_create(
        [
            SuggestionItem(suggestion=suggestion, media_id=media_id, position=position)
            for suggestion, draft in zip(created, drafts)
            for position, media_id in enumerate(draft.items)
        ]
    )
    return created


def suggestions_refresh_soon(user_id, now=None, wait=None):
    """Ask for a refresh SUGGESTIONS_DEBOUNCE_SECONDS from now, unless one is already waiting: a
    batch of analysed photos leads to one refresh, not one per photo.

    Only the due time is stored; suggestions_queue_due (on a beat) queues the refresh once it
    is due. No delayed message waits in a worker: a Redis broker redelivers those after its
    visibility timeout and can lose them when the connection drops.
    """
    now = now or timezone.now()
    due = now + timedelta(seconds=settings.SUGGESTIONS_DEBOUNCE_SECONDS if wait is None else wait)
    row = SuggestionRefresh.objects.filter(owner_id=user_id).values_list("due_at").first()
    if row is None:
        try:
            with transaction.atomic():
                SuggestionRefresh.objects.create(owner_id=user_id)
        except IntegrityError:
            pass
    elif row[0] is not None and row[0] <= due:
        return False  # one is due sooner already (the read saves an UPDATE for each photo of a batch)
    # A running refresh's lease ends later than `due`: it may have read the library before this
    # change, so the next refresh is due as usual rather than when the lease ends.
    waiting = SuggestionRefresh.objects.filter(Q(due_at__isnull=True) | Q(due_at__gt=due), owner_id=user_id)
    return bool(waiting.update(due_at=due))


def refresh_lease():
    """How long a refresh holds its claim; always longer than the debounce (see refresh_soon)."""
    return timedelta(seconds=max(600, 2 * settings.SUGGESTIONS_DEBOUNCE_SECONDS))


def suggestions_refresh_due(user_id, now=None):
    """Run the refresh that suggestions_refresh_soon asked for, once, whichever task gets here first.

    It claims the refresh with a lease rather than clearing it: if its worker dies mid-way (a
    redelivered task then finds it claimed), the refresh is due again when the lease ends and
    suggestions_queue_due queues it."""
    now = now or timezone.now()
    lease = now + refresh_lease()
    if not SuggestionRefresh.objects.filter(owner_id=user_id, due_at__lte=now).update(due_at=lease):
        return None
    try:
        result = suggestions_refresh(user_id)
    except Exception:
        SuggestionRefresh.objects.filter(owner_id=user_id, due_at=lease).update(due_at=timezone.now())
        raise
    SuggestionRefresh.objects.filter(owner_id=user_id, due_at=lease).update(due_at=None)
    return result


def suggestions_queue_due(now=None):
    """Queue the refreshes that are due (a lost one stays due and is queued again). Returns the ids."""
    now = now or timezone.now()
    ids = list(SuggestionRefresh.objects.filter(due_at__lte=now).values_list("owner_id", flat=True)[:1000])
    for user_id in ids:
        enqueue(REFRESH_SUGGESTIONS, user_id)
    return ids


def suggestions_refresh_everyone():
    """The daily run, for occasions that come with the date: queue a refresh for everyone whose
    library is kept. Returns how many were queued."""
    ids = set(Grant.objects.current().filter(scope=LIBRARY).values_list("record__user_id", flat=True))
    for user_id in sorted(ids):
        enqueue(REFRESH_SUGGESTIONS, user_id, False)
    return len(ids)


def suggestions_requeue_unrendered(now=None):
    """Queue again the renders whose task was lost (the broker lost it, or it could not be queued),
    each at most every RENDER_RETRY. Returns the ids."""
    now = now or timezone.now()
    lost = Suggestion.objects.not_dismissed().filter(
        asset="", created_at__gte=now - RENDER_GIVE_UP, updated_at__lt=now - RENDER_RETRY
    )
    ids = list(lost.values_list("pk", flat=True)[:500])
    Suggestion.objects.filter(pk__in=ids).update(updated_at=now)
    for pk in ids:
        enqueue(RENDER_SUGGESTION, pk)
    return ids


FIRST_REVIEW_YEAR = 1900


class YearReviewRefused(ValueError):
    pass


def year_review_request(user_id, year, today=None):
    """Ask for “Your <year>”: the worker's next refresh makes it. Raises YearReviewRefused for a year
    after this one or before FIRST_REVIEW_YEAR (this year's comes by itself from 1 December)."""
    today = today or timezone.localdate()
    if not FIRST_REVIEW_YEAR <= year <= today.year:
        raise YearReviewRefused(f"Choose a year from {FIRST_REVIEW_YEAR} to {today.year}.")
    YearReviewRequest.objects.get_or_create(owner_id=user_id, year=year)
    enqueue(REFRESH_SUGGESTIONS, user_id, False)


def suggestion_save(suggestion):
    Suggestion.objects.filter(pk=suggestion.pk).update(state=Suggestion.State.SAVED, updated_at=timezone.now())
    suggestion.state = Suggestion.State.SAVED
    if not suggestion.asset:
            enqueue(RENDER_SUGGESTION, suggestion.pk)
    return suggestion


class SoundtrackRefused(ValueError):
    pass


def suggestion_soundtrack_set(suggestion, on):
    """Music on or off in a recap video: the video is made again (its old file goes once that is
    committed) and its page shows it being made meanwhile. Raises SoundtrackRefused for a
    suggestion that is not a video."""
    if suggestion.kind not in VIDEO_KINDS:
        raise SoundtrackRefused("Only recap videos have music.")
    with transaction.atomic():
        row = Suggestion.objects.select_for_update().not_dismissed().filter(pk=suggestion.pk).first()
        if row is None or row.soundtrack == bool(on):
            return suggestion
        name = row.asset.name
        Suggestion.objects.filter(pk=row.pk).update(
            soundtrack=bool(on), asset="", asset_mime="", updated_at=timezone.now()
        )
        if name:
            transaction.on_commit(lambda: delete_files([name]))
        enqueue(RENDER_SUGGESTION, row.pk)
    suggestion.soundtrack, suggestion.asset, suggestion.asset_mime = bool(on), "", ""
    return suggestion


def suggestion_dismiss(suggestion, method):
    """Dismiss for good: its visual is deleted, its fingerprint and topic are kept so that it is
    never suggested again; `suggestion_dismissed` tells the rest, with how the person asked."""
    with transaction.atomic():
        row = Suggestion.objects.select_for_update().filter(pk=suggestion.pk).first()
        if row is None:
            return suggestion
        if row.asset:
            name = row.asset.name
            transaction.on_commit(lambda: delete_files([name]))
        Suggestion.objects.filter(pk=row.pk).update(
            state=Suggestion.State.DISMISSED, asset="", asset_mime="", updated_at=timezone.now()
        )
        suggestion_dismissed.send(sender=Suggestion, suggestion=row, method=method)
    feed_rerank(suggestion.owner_id)
    suggestion.state, suggestion.asset, suggestion.asset_mime = Suggestion.State.DISMISSED, "", ""
    return suggestion


def suggestion_seen(suggestion):
    suggestions_mark_seen(suggestion.owner_id, [suggestion.pk])
    if suggestion.state == Suggestion.State.NEW:
        suggestion.state = Suggestion.State.SEEN
    return suggestion


def suggestions_mark_seen(user_id, ids):
    return Suggestion.objects.filter(owner_id=user_id, pk__in=ids, state=Suggestion.State.NEW).update(
        state=Suggestion.State.SEEN, seen_at=timezone.now()
    )


def suggestions_forget_media(item):
    """Before an item is deleted: no suggestion may keep showing it. Unsaved ones go (the next
    refresh makes them again without it); saved ones are rendered again from what is left;
    dismissed ones only lose the link."""
    using = Suggestion.objects.filter(owner_id=item.owner_id, suggestionitem__media=item)
    saved = dict(using.filter(state=Suggestion.State.SAVED).values_list("pk", "asset"))
    kept = [pk for pk in saved if SuggestionItem.objects.filter(suggestion_id=pk).count() > 1]
    _discard(Suggestion.objects.filter(pk__in=list(using.filter(state__in=REPLACEABLE).values_list("pk", flat=True))))
    _discard(Suggestion.objects.filter(pk__in=[pk for pk in saved if pk not in kept]))
    if kept:
        names = [saved[pk] for pk in kept if saved[pk]]
        Suggestion.objects.filter(pk__in=kept).update(asset="", asset_mime="")
        transaction.on_commit(lambda: delete_files(names))
        for pk in kept:
            enqueue(RENDER_SUGGESTION, pk)
    suggestions_refresh_soon(item.owner_id)


def refresh_soon_on(sender, owner_id, drained=False, **kwargs):
    """Receiver of the library's analysis_finished and people's people_changed. When a pass has
    no more of the person's items to do (a batch is all dated and placed, or all analysed), the
    refresh is due at once rather than after the debounce."""
    suggestions_refresh_soon(owner_id, wait=0 if drained else None)


def forget_media_on(sender, item, **kwargs):
    """Receiver of the library's media_deleting."""
    suggestions_forget_media(item)
