"""On PostgreSQL, every list query of the timeline reads the owner's rows through an index: a
seed of a few thousand rows for several people, ANALYZEd, no planner settings changed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent import scopes
from suggestions.library import timeline
from suggestions.models import MediaItem

from .conftest import grant
from .factories import UserFactory
from .library_seed import library_seed

pytestmark = pytest.mark.integration
INDEX_SCAN = re.compile(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")


@pytest.fixture
def seeded(db):
    assert connection.vendor == "postgresql", "the plans are PostgreSQL's"
    people = [UserFactory() for _ in range(4)]
    for person in people:
        grant(person, scopes.LIBRARY, scopes.TIME)
        library_seed(person, 1500, years=6)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_mediaitem")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'suggestions_mediaitem'"
            " AND indexdef ~ 'USING btree \\(owner_id'"
        )
        owner_indexes = {row[0] for row in cursor.fetchall()}
    return people[1], owner_indexes


def plan(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_owner_index_scan(text, owner_indexes, name):
    used = INDEX_SCAN.findall(text)
    assert used and set(used) <= owner_indexes, f"{name}:\n{text}"
    assert "Seq Scan" not in text, f"{name}:\n{text}"
    return used


def test_every_timeline_list_query_is_an_index_scan_on_the_owners_rows(seeded):
    person, owner_indexes = seeded
    grants = {scopes.LIBRARY: True, scopes.TIME: True}
    items = timeline.timeline_items(person, grants, MediaItem.objects.only(*timeline.TILE_COLUMNS))
    first, position = timeline.page_after(items, None, 120)
    assert len(first) == 120
    cases = {
        "first page": items[:121],
        "next page": items.filter(sort_at__lt=position.at)[:121],
        "a month": timeline.in_month(items, timeline.parse_month("2022-03"))[:121],
        "from a month": items.filter(sort_at__lt=timeline.from_month(timeline.parse_month("2021-07")).at)[:121],
        "without time": timeline.timeline_items(person, {scopes.LIBRARY: True})[:121],
    }
    used = {name: assert_owner_index_scan(plan(*qs.query.sql_with_params()), owner_indexes, name)
            for name, qs in cases.items()}
    assert used["first page"] == ["media_local_time_idx"]


def test_the_month_count_query_is_an_index_scan_on_the_owners_rows(seeded):
    person, owner_indexes = seeded
    with CaptureQueriesContext(connection) as queries:
        months = timeline.month_counts(person, {scopes.LIBRARY: True, scopes.TIME: True})
    assert sum(count for _, count in months) == 1500
    items = [query["sql"] for query in queries.captured_queries if '"suggestions_mediaitem"' in query["sql"]]
    assert len(items) == 1  # the counts (not cached yet); the library's version is a row of its own table
    # Grouped by the stored month; on a VACUUMed table of 200,000 rows it is an index-only scan of
    # media_local_month_idx (bench/plans/scrubber_counts.txt), here any index on the owner's rows.
    assert '"suggestions_mediaitem"."local_month"' in items[0]
    assert_owner_index_scan(plan(items[0]), owner_indexes, items[0])
