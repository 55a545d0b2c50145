"""The feed's order, as rules over plain rows (the feed's rank service loads them and stores the
outcome): what ages out, which waiting suggestions enter the feed today, and in what order the
feed shows them.

- Timeliness, quality and variety make a card's score: an occasion today or in the coming days
  first, then the best photos; a kind the person asked to see fewer of, or one about someone they
  want featured less, counts for much less.
- A first library gets its best FIRST_DAY_CAP memories at once; after that day, at most
  DAILY_CAP new ones a day enter the feed, the rest wait their turn.
- A card seen and left alone for IGNORED_AFTER ages out (a dismissed one is gone already).
- No two cards of one kind next to each other, and no photo in two cards within WINDOW
  consecutive cards (a page); a card that fits nowhere waits (it leaves the feed for now).
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

FIRST_DAY_CAP = 10
DAILY_CAP = 3
IGNORED_AFTER = timedelta(days=7)
WINDOW = 10
UPCOMING_DAYS = 7
FEWER_FACTOR = 0.3
LESS_FACTOR = 0.6


@dataclass
class Card:
    id: int
    kind: str
    media: frozenset
    quality: float = 0.5
    created: date | None = None
    occasion: date | None = None
    released: date | None = None  # the day it entered the feed, None while it waits
    seen: date | None = None
    saved: bool = False
    people: frozenset = frozenset()


@dataclass
class Preferences:
    fewer_kinds: frozenset = frozenset()
    less_people: frozenset = frozenset()


@dataclass
class Plan:
    order: list = field(default_factory=list)  # ids, in feed order
    release: list = field(default_factory=list)  # ids entering the feed today
    hold: list = field(default_factory=list)  # released ids that fit nowhere in the order: they wait again
    retire: list = field(default_factory=list)  # ids that aged out


def timeliness(card, today):
    """1 for an occasion today, less for one in the coming days; recent suggestions before old ones."""
    if card.occasion is not None:
        ahead = (card.occasion - today).days
        if 0 <= ahead <= UPCOMING_DAYS:
            return 1.0 - 0.05 * ahead
        if -1 <= ahead < 0:
            return 0.6
        return 0.2
    if card.created is not None and (today - card.created).days <= 2:
        return 0.5
    return 0.3


def score(card, today, preferences):
    value = 0.55 * timeliness(card, today) + 0.45 * max(0.0, min(1.0, card.quality))
    if card.kind in preferences.fewer_kinds:
        value *= FEWER_FACTOR
    if card.people & preferences.less_people:
        value *= LESS_FACTOR
    return value


def aged_out(card, today):
    return not card.saved and card.seen is not None and today - card.seen >= IGNORED_AFTER


def daily_cap(days, today):
    """How many may still enter the feed today, given the days on which each suggestion so far entered
    it (dismissed and aged-out ones too): FIRST_DAY_CAP on the first day anything did (a first
    upload's best memories at once), DAILY_CAP on any later day."""
    first = min(days, default=today)
    cap = FIRST_DAY_CAP if first >= today else DAILY_CAP
    return max(0, cap - sum(1 for day in days if day == today))


def _releases(waiting, shown, today, cap, scores):
    """The best waiting cards, at most `cap`, with no photo of a card in the feed, preferring kinds
    not already out today."""
    chosen = []
    kinds = {card.kind for card in shown if card.released == today}
    photos = set().union(*(card.media for card in shown))
    pool = sorted(waiting, key=lambda card: (-scores[card.id], card.id))
    for fresh_only in (True, False):
        for card in pool:
            if len(chosen) == cap:
                return chosen
            if card in chosen or (card.media & photos):
                continue
            if fresh_only and card.kind in kinds:
                continue
            chosen.append(card)
            kinds.add(card.kind)
            photos |= card.media
    return chosen


def _fits(card, placed):
    if placed and placed[-1].kind == card.kind:
        return False
    return all(not (card.media & other.media) for other in placed[-(WINDOW - 1):])


def _next(queue, placed):
    """The index of the card to place next: the first that fits, unless one kind holds so many of
    the cards left that it must come now for the rest to alternate."""
    fitting = [i for i, card in enumerate(queue) if _fits(card, placed)]
    if not fitting:
        return None
    counts = Counter(card.kind for card in queue)
    kind, most = counts.most_common(1)[0]
    if most > len(queue) - most:
        urgent = [i for i in fitting if queue[i].kind == kind]
        if urgent:
            return urgent[0]
    return fitting[0]


def arrange(cards, today, scores):
    """(order, left out): newest release first, then by score, holding the two rules."""
    queue = sorted(cards, key=lambda card: (-(card.released or today).toordinal(), -scores[card.id], card.id))
    placed = []
    while queue:
        index = _next(queue, placed)
        if index is None:
            break
        placed.append(queue.pop(index))
    saved = [card for card in queue if card.saved]
    return placed + saved, [card for card in queue if not card.saved]


def plan(cards, today, preferences=Preferences(), released_days=None):
    """What to do with a person's suggestions today (see the module's rules). `released_days` are the
    days every suggestion entered the feed, gone ones included (by default, those of `cards`)."""
    if released_days is None:
        released_days = [card.released for card in cards if card.released is not None]
    scores = {card.id: score(card, today, preferences) for card in cards}
    retire = [card for card in cards if aged_out(card, today)]
    live = [card for card in cards if not aged_out(card, today)]
    shown = [card for card in live if card.released is not None]
    waiting = [card for card in live if card.released is None]
    released = _releases(waiting, shown, today, daily_cap(released_days, today), scores)
    released = [replace(card, released=today) for card in released]
    order, held = arrange(shown + released, today, scores)
    held_ids = {card.id for card in held}
    return Plan(
        order=[card.id for card in order],
        release=[card.id for card in released if card.id not in held_ids],
        hold=[card.id for card in held if card.id not in {c.id for c in released}],
        retire=[card.id for card in retire],
    )
