"""The person's controls over what is suggested: feature someone less or never, hide days, and
see fewer of a kind. Each is undone as easily as it is set.

Never featuring someone and hiding days take effect at once: suggestions showing them are
withdrawn (unsaved ones go and come back without them at the next refresh; saved ones lose those
photos and are rendered again), and the links sharing them end (`suggestions_withdrawn`, which
sharing listens to). Featuring someone less and fewer of a kind change the feed's ranking.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.models import Method
from rollweb.queue import enqueue
from rollweb.storage import delete_files

from ..generators.text import KIND_NAMES
from ..models import Face, FewerKind, HiddenRange, Person, Suggestion, SuggestionItem
from .rank import feed_rerank
from .selectors import media_in_ranges
from .services import REPLACEABLE, RENDER_SUGGESTION, _discard, suggestions_refresh_soon
from .signals import suggestions_withdrawn

EARLIEST_DAY = date(1900, 1, 1)


class ControlRefused(ValueError):
    """A control that cannot be set; the message is for the person."""


def suggestions_withdraw(owner_id, media_ids, method=Method.WEB):
    """No suggestion may keep showing these items. Returns how many suggestions changed."""
    media_ids = set(media_ids)
    if not media_ids:
        return 0
    using = Suggestion.objects.filter(owner_id=owner_id, suggestionitem__media_id__in=media_ids).distinct()
    ids = list(using.values_list("pk", flat=True))
    suggestions_withdrawn.send(
        sender=Suggestion, owner_id=owner_id, suggestion_ids=ids, media_ids=media_ids, method=method
    )
    if not ids:
        return 0
    mine = Suggestion.objects.filter(owner_id=owner_id, pk__in=ids)
    _discard(Suggestion.objects.filter(pk__in=list(mine.filter(state__in=REPLACEABLE).values_list("pk", flat=True))))
    saved = dict(mine.filter(state=Suggestion.State.SAVED).values_list("pk", "asset"))
    SuggestionItem.objects.filter(suggestion_id__in=list(saved), media_id__in=media_ids).delete()
    empty = [pk for pk in saved if not SuggestionItem.objects.filter(suggestion_id=pk).exists()]
    _discard(Suggestion.objects.filter(pk__in=empty))
    kept = [pk for pk in saved if pk not in empty]
    names = [saved[pk] for pk in kept if saved[pk]]
    Suggestion.objects.filter(pk__in=kept).update(asset="", asset_mime="", updated_at=timezone.now())
    if names:
        transaction.on_commit(lambda: delete_files(names))
    for pk in kept:
        enqueue(RENDER_SUGGESTION, pk)
    return len(ids)


def person_feature_set(person, feature, method=Method.WEB):
    """Feature someone as usual (""), less, or never. Raises ControlRefused."""
    if feature not in Person.Feature.values:
        raise ControlRefused("Choose “as usual”, “less” or “never”.")
    with transaction.atomic():
        if not Person.objects.filter(pk=person.pk).update(feature=feature):
            raise ControlRefused("This person no longer exists.")
        if feature == Person.Feature.NEVER:
            showing = Face.objects.filter(person=person).values_list("media_id", flat=True)
            suggestions_withdraw(person.owner_id, showing, method)
        person.feature = feature
        feed_rerank(person.owner_id)
    suggestions_refresh_soon(person.owner_id)
    return person


def hidden_range_add(owner_id, start, end, method=Method.WEB):
    """Hide the days from `start` to `end` (inclusive) from suggestions. Raises ControlRefused."""
    if start is None or end is None:
        raise ControlRefused("Give the first and the last day to hide.")
    if start > end:
        raise ControlRefused("The first day must not be after the last.")
    if start < EARLIEST_DAY or end > date(9999, 12, 30):
        raise ControlRefused(f"Choose days from {EARLIEST_DAY.year} on.")
    with transaction.atomic():
        hidden = HiddenRange.objects.create(owner_id=owner_id, start=start, end=end)
        suggestions_withdraw(owner_id, media_in_ranges(owner_id, [(start, end)]), method)
        feed_rerank(owner_id)
    suggestions_refresh_soon(owner_id)
    return hidden


def hidden_range_remove(hidden):
    HiddenRange.objects.filter(pk=hidden.pk).delete()
    suggestions_refresh_soon(hidden.owner_id)


def fewer_kind_add(owner_id, kind, suggestion=None):
    """See fewer suggestions of a kind; asked on a card, that card leaves the feed. Raises ControlRefused."""
    if kind not in KIND_NAMES:
        raise ControlRefused("There is no such kind of suggestion.")
    try:
        with transaction.atomic():
            FewerKind.objects.create(owner_id=owner_id, kind=kind)
    except IntegrityError:
        pass
    if suggestion is not None:
        Suggestion.objects.filter(pk=suggestion.pk, owner_id=owner_id).exclude(state=Suggestion.State.SAVED).update(
            retired_at=timezone.now(), feed_rank=None
        )
    feed_rerank(owner_id)


def fewer_kind_remove(owner_id, kind):
    FewerKind.objects.filter(owner_id=owner_id, kind=kind).delete()
    feed_rerank(owner_id)
