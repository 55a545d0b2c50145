"""The viewer's page without JavaScript: the item page with previous/next links in timeline
(capture) order, and what the overlay reads from each tile."""

import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse

from consent import scopes

from .conftest import grant
from .factories import MediaItemFactory

UTC = dt_timezone.utc


def _roll(user, *scope_keys):
    """Four photos uploaded in one order and taken in another, and someone else's in between."""
    grant(user, scopes.LIBRARY, *scope_keys)
    uploaded = datetime(2025, 7, 1, 12, tzinfo=UTC)
    taken = [datetime(2024, 5, 3, 10), datetime(2025, 1, 9, 8), datetime(2023, 8, 20, 17), datetime(2025, 1, 9, 8)]
    items = [
        MediaItemFactory(owner=user, taken=moment, created_at=uploaded + timedelta(minutes=n))
        for n, moment in enumerate(taken)
    ]
    MediaItemFactory(taken=datetime(2024, 9, 1, 12))
    return items


@pytest.fixture
def roll(user):
    return _roll(user, scopes.TIME)


def _links(client, item):
    html = client.get(reverse("library:detail", args=[item.pk])).content.decode()
    newer = re.search(r'href="/library/(\d+)/" rel="prev"', html)
    older = re.search(r'href="/library/(\d+)/" rel="next"', html)
    return (int(newer.group(1)) if newer else None), (int(older.group(1)) if older else None)


def test_previous_and_next_follow_the_capture_order(client, user, roll):
    client.force_login(user)
    # Newest first: the two taken at the same minute by id (the later id first), then 2024, then 2023.
    order = [roll[3], roll[1], roll[0], roll[2]]
    for n, item in enumerate(order):
        newer = order[n - 1].pk if n else None
        older = order[n + 1].pk if n + 1 < len(order) else None
        assert _links(client, item) == (newer, older), item.original_name


def test_without_time_the_order_is_the_upload_order(client, user):
    roll = _roll(user)
    client.force_login(user)
    assert _links(client, roll[1]) == (roll[2].pk, roll[0].pk)
    assert _links(client, roll[3]) == (None, roll[2].pk)


def test_tiles_say_what_the_viewer_shows(client, user, roll):
    client.force_login(user)
    html = client.get(reverse("library:index")).content.decode()
    tile = re.search(rf'<li class="tile" data-id="{roll[0].pk}"[^>]*>', html).group(0)
    assert 'data-kind="photo"' in tile and f'data-large="/library/{roll[0].pk}/thumbnail/large/"' in tile
