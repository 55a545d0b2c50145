"""Suggestion operations shared by the pages, the API and the workers: refresh, render, save,
dismiss, seen, and what happens to suggestions when a photo is deleted.

A refresh runs every generator over the person's library as loaded once, stores the drafts it
has not stored before, and removes unsaved suggestions it no longer makes. A suggestion is
identified by its fingerprint (kind + items + occasion) and belongs to a topic (the event, day or
birthday it is about): a dismissed fingerprint never comes back, and neither does a new version of
a dismissed or saved topic. Rendering runs in the worker, once per suggestion.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.dispatch import Signal
from django.utils import timezone

from consent.models import Grant
from consent.scopes import FACES, LIBRARY
from consent.services import ScopeNotGranted, active_grants, scope_guard

from .analysis import UnreadableMedia, images
from .generators import drafts_for
from .generators.collage import Tile, collage_render
from .generators.library import library_load
from .generators.recap import recap_render
from .models import Face, Person, Suggestion, SuggestionItem, SuggestionRefresh, derived_key
from .storage import delete_files, save_bytes

logger = logging.getLogger(__name__)

# Sent inside the dismissal's transaction with `suggestion` and `method` (how the person asked):
# what depends on the feed (share links) ends with it, without the feed knowing it.
suggestion_dismissed = Signal()

VIDEO_KINDS = {"recap_video"}
SHOWN = (Suggestion.State.NEW, Suggestion.State.SEEN, Suggestion.State.SAVED)
REPLACEABLE = (Suggestion.State.NEW, Suggestion.State.SEEN)


@dataclass
class Refresh:
    created: list
    removed: int
    drafts: int


def task_enqueue(task, *args):
    """Queue a task after commit; a broker outage is not fatal (the sweeper and the daily run retry)."""

    def send():
        try:
            task.apply_async(args=args)
        except Exception:
            logger.warning("could not queue %s%s", task.name, args, exc_info=True)

    transaction.on_commit(send)


def _discard(queryset):
    """Delete suggestions, and their rendered files once the deletion is committed."""
    names = list(queryset.exclude(asset="").values_list("asset", flat=True))
    count = queryset.delete()[1].get(Suggestion._meta.label, 0)
    if names:
        transaction.on_commit(lambda: delete_files(names))
    return count


def suggestions_refresh(user_id, today=None):
    """Bring a person's suggestions up to date with their library, consent and the date."""
    from .tasks import render_suggestion

    today = today or timezone.localdate()
    grants = active_grants(user_id)
    drafts = drafts_for(library_load(user_id, grants.keys(), today)) if LIBRARY in grants else []
    try:
        with scope_guard(user_id):
            # Consent is held from here to commit: keep only drafts whose every scope is still in force.
            in_force = set(active_grants(user_id))
            drafts = [draft for draft in drafts if draft.scopes <= in_force]
            existing = list(Suggestion.objects.filter(owner_id=user_id).values_list("fingerprint", "topic", "state"))
            known = {fingerprint for fingerprint, _, _ in existing}
            closed = {topic for _, topic, state in existing if topic and state not in REPLACEABLE}
            current = {draft.fingerprint for draft in drafts}
            removed = _discard(
                Suggestion.objects.filter(owner_id=user_id, state__in=REPLACEABLE).exclude(fingerprint__in=current)
            )
            fresh = [draft for draft in drafts if draft.fingerprint not in known and draft.topic not in closed]
            created = _store(user_id, fresh)
            SuggestionRefresh.objects.update_or_create(owner_id=user_id, defaults={"refreshed_at": timezone.now()})
            for suggestion in created:
                task_enqueue(render_suggestion, suggestion.pk)
    except ScopeNotGranted:
        return Refresh(created=[], removed=0, drafts=0)
    return Refresh(created=created, removed=removed, drafts=len(drafts))


def _store(user_id, drafts):
    now = timezone.now()
    created = Suggestion.objects.bulk_create(
        [
            Suggestion(
                owner_id=user_id, kind=draft.kind, title=draft.title[:200], reason=draft.reason,
                fingerprint=draft.fingerprint, topic=draft.topic[:100], scopes_used=Suggestion.scopes_value(draft.scopes),
                occasion_date=draft.occasion, created_at=now,
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


def suggestions_refresh_soon(user_id, now=None):
    """Ask for a refresh SUGGESTIONS_DEBOUNCE_SECONDS from now, unless one is already waiting: a
    batch of analysed photos leads to one refresh, not one per photo.

    Only the due time is stored; suggestions_queue_due (on a beat) queues the refresh once it
    is due. No delayed message waits in a worker: a Redis broker redelivers those after its
    visibility timeout and can lose them when the connection drops.
    """
    now = now or timezone.now()
    if not SuggestionRefresh.objects.filter(owner_id=user_id).exists():
        try:
            with transaction.atomic():
                SuggestionRefresh.objects.create(owner_id=user_id)
        except IntegrityError:
            pass
    due = now + timedelta(seconds=settings.SUGGESTIONS_DEBOUNCE_SECONDS)
    return bool(SuggestionRefresh.objects.filter(owner_id=user_id, due_at__isnull=True).update(due_at=due))


def suggestions_refresh_due(user_id):
    """Run the refresh that suggestions_refresh_soon asked for, once, whichever task gets here first."""
    if not SuggestionRefresh.objects.filter(owner_id=user_id, due_at__isnull=False).update(due_at=None):
        return None
    try:
        return suggestions_refresh(user_id)
    except Exception:
        SuggestionRefresh.objects.filter(owner_id=user_id, due_at__isnull=True).update(due_at=timezone.now())
        raise


def suggestions_queue_due(now=None):
    """Queue the refreshes that are due (a lost one stays due and is queued again). Returns the ids."""
    from .tasks import refresh_suggestions

    now = now or timezone.now()
    ids = list(SuggestionRefresh.objects.filter(due_at__lte=now).values_list("owner_id", flat=True)[:1000])
    for user_id in ids:
        task_enqueue(refresh_suggestions, user_id)
    return ids


def suggestions_refresh_everyone():
    """The daily run, for occasions that come with the date: queue a refresh for everyone whose
    library is kept. Returns how many were queued."""
    from .tasks import refresh_suggestions

    ids = set(Grant.objects.current().filter(scope=LIBRARY).values_list("record__user_id", flat=True))
    for user_id in sorted(ids):
        task_enqueue(refresh_suggestions, user_id, False)
    return len(ids)


def picture_of(item, long_side):
    """An item's picture as displayed, from the large preview when that is big enough, else from
    the original decoded at the size needed."""
    names = [item.thumb_large.name]
    if long_side > images.THUMB_LARGE and item.original:
        names.insert(0, item.original.name)
    for name in names:
        try:
            with default_storage.open(name, "rb") as file:
                return images.decode(images.open_image(file, settings.MAX_IMAGE_PIXELS), max(1, long_side))
        except (UnreadableMedia, OSError):
            logger.info("could not read %s for a suggestion; trying the preview", name)
    raise UnreadableMedia("The photo's preview is missing.")


def face_boxes_of(items):
    """{media id: [(x, y, w, h), …]} of the items' faces, in displayed pixels."""
    boxes = {}
    for media_id, x, y, w, h in Face.objects.filter(media__in=items).values_list("media_id", "x", "y", "w", "h"):
        boxes.setdefault(media_id, []).append((x, y, w, h))
    return boxes


def _tiles(suggestion, items):
    boxes = face_boxes_of(items) if FACES in suggestion.scope_keys else {}
    return [Tile(item.width, item.height, tuple(boxes.get(item.pk, ()))) for item in items]


def _render(suggestion, items):
    """(bytes or None, extension, mime) of a suggestion's visual."""
    from .edits import EDIT_KINDS, PREVIEW_LONG_SIDE, EditRefused, edit_picture

    if suggestion.kind in EDIT_KINDS:
        try:
            return edit_picture(items[0], long_side=PREVIEW_LONG_SIDE)[0], "jpg", "image/jpeg"
        except EditRefused:
            return None, "", ""
    tiles = _tiles(suggestion, items)
    load = lambda index, side: picture_of(items[index], side)  # noqa: E731
    if suggestion.kind in VIDEO_KINDS:
        return recap_render(tiles, load), "mp4", "video/mp4"
    return collage_render(tiles, load).data, "jpg", "image/jpeg"


def suggestion_render(suggestion_id):
    """Render a suggestion's collage or video (in the worker) and store it privately.

    Runs only while every scope the suggestion used is in force, and stores only if it still
    exists without a visual; a second delivery of the same task changes nothing.
    """
    suggestion = Suggestion.objects.filter(pk=suggestion_id).first()
    if suggestion is None or suggestion.asset or suggestion.state == Suggestion.State.DISMISSED:
        return None
    keys = suggestion.scope_keys
    if not set(keys) <= set(active_grants(suggestion.owner_id)):
        return None
    items = [link.media for link in SuggestionItem.objects.filter(suggestion=suggestion).select_related("media")]
    items = [item for item in items if item.thumb_large and item.width and item.height]
    if not items:
        return None
    try:
        data, ext, mime = _render(suggestion, items)
    except UnreadableMedia:
        logger.warning("suggestion %s could not be rendered: a photo is unreadable", suggestion.pk)
        return None
    if data is None:
        return None
    try:
        with scope_guard(suggestion.owner_id, *[key for key in keys if key != LIBRARY]):
            name = save_bytes(derived_key(suggestion.owner_id, "suggestions", ext), data)
            stored = Suggestion.objects.filter(pk=suggestion.pk, asset="").not_dismissed()
            if not stored.update(asset=name, asset_mime=mime):
                delete_files([name])
                return None
    except ScopeNotGranted:
        return None
    return name


def suggestion_save(suggestion):
    Suggestion.objects.filter(pk=suggestion.pk).update(state=Suggestion.State.SAVED, updated_at=timezone.now())
    suggestion.state = Suggestion.State.SAVED
    if not suggestion.asset:
        from .tasks import render_suggestion

        task_enqueue(render_suggestion, suggestion.pk)
    return suggestion


def suggestion_dismiss(suggestion, method):
    """Dismiss for good: its visual is deleted, its fingerprint and topic are kept so that it is
    never suggested again; `suggestion_dismissed` tells the rest."""
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
        suggestion_dismissed.send(Suggestion, suggestion=row, method=method)
    suggestion.state, suggestion.asset, suggestion.asset_mime = Suggestion.State.DISMISSED, "", ""
    return suggestion


def suggestion_seen(suggestion):
    suggestions_mark_seen(suggestion.owner_id, [suggestion.pk])
    if suggestion.state == Suggestion.State.NEW:
        suggestion.state = Suggestion.State.SEEN
    return suggestion


def suggestions_mark_seen(user_id, ids):
    return Suggestion.objects.filter(owner_id=user_id, pk__in=ids, state=Suggestion.State.NEW).update(
        state=Suggestion.State.SEEN
    )


def suggestions_forget_media(item):
    """Before an item is deleted: no suggestion may keep showing it. Unsaved ones go (the next
    refresh makes them again without it); saved ones are rendered again from what is left;
    dismissed ones only lose the link."""
    from .tasks import render_suggestion

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
            task_enqueue(render_suggestion, pk)
    suggestions_refresh_soon(item.owner_id)


def suggestions_visible(user):
    """A person's suggestions in any state, but none with someone they hid (the API filters by state).

    Most people hide no one: then the per-row check is left out of the feed's query."""
    suggestions = Suggestion.objects.filter(owner=user)
    if not Person.objects.filter(owner=user, hidden=True).exists():
        return suggestions
    hidden = SuggestionItem.objects.filter(suggestion=OuterRef("pk"), media__faces__person__hidden=True)
    return suggestions.exclude(Exists(hidden))


def feed_queryset(user):
    """What the feed shows a person: not dismissed, and nothing with someone they hid."""
    return (
        suggestions_visible(user)
        .filter(state__in=SHOWN)
        .order_by("-created_at", F("occasion_date").desc(nulls_last=True), "-id")
    )
