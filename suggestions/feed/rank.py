"""Applying the feed's ranking rules (generators/ranking.py) to a person's stored suggestions:
after every refresh (so after analysis, and nightly), and when they dismiss one or change a control."""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from rollweb.queue import enqueue

from ..generators.ranking import Card, Preferences, plan
from ..models import Face, FewerKind, Person, Suggestion, SuggestionItem


# The task that renders a suggestion's visual.
RENDER_SUGGESTION = "suggestions.tasks.render_suggestion"


def _cards(user_id, today):
    rows = list(
        Suggestion.objects.filter(owner_id=user_id, retired_at__isnull=True)
        .not_dismissed()
        .values_list("id", "kind", "quality", "created_at", "occasion_date", "released_at", "seen_at", "state",
                     "feed_rank")
    )
    media = defaultdict(set)
    for suggestion_id, media_id in SuggestionItem.objects.filter(
        suggestion__owner_id=user_id, suggestion_id__in=[row[0] for row in rows]
    ).values_list("suggestion_id", "media_id"):
        media[suggestion_id].add(media_id)
    local = timezone.localdate
    return [
        Card(
            id=pk, kind=kind, media=frozenset(media[pk]), quality=quality, created=local(created),
            occasion=occasion, released=local(released) if released else None, seen=local(seen) if seen else None,
            saved=state == Suggestion.State.SAVED,
        )
        for pk, kind, quality, created, occasion, released, seen, state, _ in rows
    ], {row[0]: row[-1] for row in rows}


def _less_people(user_id, cards):
    """Sets each card's people among those the person wants featured less; returns their ids."""
    less = set(Person.objects.filter(owner_id=user_id, feature=Person.Feature.LESS).values_list("id", flat=True))
    if less:
        by_media = defaultdict(set)
        for media_id, person_id in Face.objects.filter(person_id__in=less).values_list("media_id", "person_id"):
            by_media[media_id].add(person_id)
        for card in cards:
            card.people = frozenset().union(*(by_media.get(media_id, ()) for media_id in card.media))
    return frozenset(less)


def feed_rerank(user_id, today=None, now=None, render=True):
    """Release today's new suggestions, age out ignored ones and store the feed's order. Returns the Plan.

    A suggestion entering the feed without its visual has it queued, unless `render` is off (a refresh
    queues every suggestion it makes)."""
    if now is None:
        now = timezone.now()
        if today is not None and today != timezone.localdate(now):  # a refresh for another day (tests, benches)
            now = timezone.make_aware(datetime.combine(today, timezone.localtime(now).time()))
    today = today or timezone.localdate(now)
    cards, ranked = _cards(user_id, today)
    preferences = Preferences(
        fewer_kinds=frozenset(FewerKind.objects.filter(owner_id=user_id).values_list("kind", flat=True)),
        less_people=_less_people(user_id, cards),
    )
    entered = Suggestion.objects.filter(owner_id=user_id, released_at__isnull=False).values_list("released_at", flat=True)
    result = plan(cards, today, preferences, [timezone.localdate(moment) for moment in entered])
    mine = Suggestion.objects.filter(owner_id=user_id)
    with transaction.atomic():
        if result.retire:
            mine.filter(pk__in=result.retire).update(retired_at=now, feed_rank=None)
        if result.release:
            mine.filter(pk__in=result.release).update(released_at=now)
            for pk in mine.filter(pk__in=result.release, asset="").values_list("pk", flat=True) if render else ():
                enqueue(RENDER_SUGGESTION, pk)
        if result.hold:
            mine.filter(pk__in=result.hold).update(released_at=None, feed_rank=None)
        moved = {pk: rank for rank, pk in enumerate(result.order) if ranked.get(pk) != rank}
        if moved:
            ranks = Case(*[When(pk=pk, then=Value(rank)) for pk, rank in moved.items()], output_field=IntegerField())
            mine.filter(pk__in=list(moved)).update(feed_rank=ranks)
    return result
