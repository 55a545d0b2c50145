"""The feed's ranking: its pure rules (generators/ranking.py) and the feed that applies them after a
refresh of the crafted eight-year library — best ten first, then at most three new a day, no kind
twice in a row, no photo twice on a page, ignored suggestions ageing out."""

from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse

from suggestions.feed import rank, services
from suggestions.feed.selectors import feed_queryset
from suggestions.generators import ranking
from suggestions.generators.ranking import Card, Preferences, plan
from suggestions.models import Suggestion, SuggestionItem

from .conftest import grant
from .crafted import EVERY_SCOPE
from .crafted_library import crafted_library

TODAY = date(2024, 6, 20)
KINDS = ("event", "trip", "spotlight", "on_this_day", "recap_video")


def waiting(count, kinds=KINDS, quality=lambda i: 0.5, shared=lambda i: ()):
    return [
        Card(id=i, kind=kinds[i % len(kinds)], media=frozenset({1000 + i, *shared(i)}), quality=quality(i),
             created=TODAY - timedelta(days=30))
        for i in range(count)
    ]


def test_a_first_library_gets_its_best_ten_at_once_not_a_wall():
    cards = waiting(100, quality=lambda i: i / 100)
    result = plan(cards, TODAY)
    assert len(result.release) == ranking.FIRST_DAY_CAP == 10
    assert set(result.release) == set(range(90, 100))  # the ten best photos
    assert sorted(result.order) == sorted(result.release)


def test_after_the_first_day_at_most_three_new_a_day():
    cards = waiting(50)
    for card in cards[:10]:
        card.released = TODAY - timedelta(days=1)
    assert len(plan(cards, TODAY).release) == ranking.DAILY_CAP == 3
    cards[10].released = cards[11].released = TODAY  # two went out earlier today
    assert len(plan(cards, TODAY).release) == 1
    gone = [TODAY] * 3  # three went out today and were dismissed since: no more today
    assert plan(cards[12:], TODAY, released_days=gone + [TODAY - timedelta(days=1)]).release == []


def test_an_occasion_today_goes_out_before_better_photos():
    cards = waiting(20, quality=lambda i: 0.9)
    for card in cards[:10]:
        card.released = TODAY - timedelta(days=3)
    birthday = Card(id=99, kind="birthday", media=frozenset({5}), quality=0.3, occasion=TODAY)
    result = plan([*cards, birthday], TODAY)
    assert 99 in result.release and result.order[0] == 99


def test_never_two_of_one_kind_next_to_each_other():
    cards = waiting(30, kinds=("event", "event", "event", "trip", "spotlight"))
    for card in cards:
        card.released = TODAY - timedelta(days=2)
    order = plan(cards, TODAY).order
    kinds = {card.id: card.kind for card in cards}
    assert len(order) >= 10
    assert all(kinds[a] != kinds[b] for a, b in zip(order, order[1:]))


def test_no_photo_in_two_cards_shown_together():
    # every card shares photo 7 with its even neighbours: only one of them may be on a page
    cards = waiting(12, shared=lambda i: (7,) if i % 2 == 0 else ())
    for card in cards:
        card.released = TODAY - timedelta(days=2)
    result = plan(cards, TODAY)
    media = {card.id: card.media for card in cards}
    for index, pk in enumerate(result.order):
        for other in result.order[index + 1:index + ranking.WINDOW]:
            assert not media[pk] & media[other]
    assert len(result.hold) == 5  # the other five wait their turn
    assert not set(result.hold) & set(result.order)


def test_a_seen_and_ignored_suggestion_ages_out_a_saved_one_does_not():
    ignored = Card(id=1, kind="event", media=frozenset({1}), released=TODAY - timedelta(days=20),
                   seen=TODAY - timedelta(days=8))
    fresh = Card(id=2, kind="trip", media=frozenset({2}), released=TODAY - timedelta(days=20), seen=TODAY - timedelta(days=2))
    saved = Card(id=3, kind="spotlight", media=frozenset({3}), released=TODAY - timedelta(days=20),
                 seen=TODAY - timedelta(days=30), saved=True)
    result = plan([ignored, fresh, saved], TODAY)
    assert result.retire == [1]
    assert 1 not in result.order and {2, 3} <= set(result.order)


def test_fewer_of_a_kind_and_people_featured_less_rank_lower():
    cards = [Card(id=1, kind="spotlight", media=frozenset({1}), quality=0.9, people=frozenset({5})),
             Card(id=2, kind="event", media=frozenset({2}), quality=0.5),
             Card(id=3, kind="trip", media=frozenset({3}), quality=0.9)]
    assert plan(cards, TODAY).order[0] in (1, 3)
    result = plan([Card(**{**c.__dict__, "released": None}) for c in cards], TODAY,
                  Preferences(fewer_kinds=frozenset({"trip"}), less_people=frozenset({5})))
    assert result.order[0] == 2


@pytest.fixture
def roll(user):
    grant(user, *EVERY_SCOPE)
    return crafted_library(user)


def test_the_crafted_library_shows_its_best_ten_then_three_a_day(roll, client):
    result = services.suggestions_refresh(roll.user.pk, today=roll.today)
    assert len(result.created) > 30  # the backlog is far bigger than what is shown
    shown = list(feed_queryset(roll.user))
    assert len(shown) == 10
    kinds = [s.kind for s in shown]
    assert all(a != b for a, b in zip(kinds, kinds[1:]))
    media = [set(SuggestionItem.objects.filter(suggestion=s).values_list("media_id", flat=True)) for s in shown]
    assert all(not a & b for i, a in enumerate(media) for b in media[i + 1:])
    held = Suggestion.objects.filter(owner=roll.user, released_at__isnull=True)
    assert held.count() == len(result.created) - 10
    # the shown ten are the best: none waiting has a better score than the worst shown, barring variety
    client.force_login(roll.user)
    page = client.get(reverse("feed:index"))
    assert page.status_code == 200 and page.content.count(b'class="card suggestion"') == 10

    services.suggestions_refresh(roll.user.pk, today=roll.today)  # the same day again: nothing more
    assert feed_queryset(roll.user).count() == 10
    gone = feed_queryset(roll.user).first()
    Suggestion.objects.filter(pk=gone.pk).update(state="dismissed")
    rank.feed_rerank(roll.user.pk, today=roll.today)
    assert feed_queryset(roll.user).count() == 9  # a dismissal does not let another in the same day
    rank.feed_rerank(roll.user.pk, today=roll.today + timedelta(days=1))
    assert feed_queryset(roll.user).count() == 12
    rank.feed_rerank(roll.user.pk, today=roll.today + timedelta(days=2))
    assert feed_queryset(roll.user).count() == 15


def test_a_dismissed_suggestion_leaves_and_an_ignored_one_ages_out(roll):
    services.suggestions_refresh(roll.user.pk, today=roll.today)
    first, second = list(feed_queryset(roll.user))[:2]
    services.suggestion_dismiss(first, method="web")
    Suggestion.objects.filter(pk=second.pk).update(state="seen", seen_at=datetime(2024, 6, 20, 12, tzinfo=dt_timezone.utc))
    assert first.pk not in set(feed_queryset(roll.user).values_list("pk", flat=True))
    rank.feed_rerank(roll.user.pk, today=roll.today + ranking.IGNORED_AFTER - timedelta(days=1))
    assert Suggestion.objects.get(pk=second.pk).retired_at is None
    rank.feed_rerank(roll.user.pk, today=roll.today + ranking.IGNORED_AFTER)
    assert Suggestion.objects.get(pk=second.pk).retired_at is not None
    assert second.pk not in set(feed_queryset(roll.user).values_list("pk", flat=True))
    # an aged-out topic is not made again by the next refresh
    services.suggestions_refresh(roll.user.pk, today=roll.today)
    assert Suggestion.objects.filter(owner=roll.user, topic=second.topic).count() == 1
