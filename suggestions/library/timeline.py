"""The library as a timeline: newest first by when each item was taken, read in keyset pages.

An item sorts by its capture time when the person lets rollweb use capture times (`time`) and it
has one, otherwise by when it was uploaded. Pages continue from a position (the sort time and id
of the last item shown) instead of an OFFSET, so a page costs the same at item 20,000 as at item 1
and nothing is skipped or repeated while items are added or deleted between pages.
"""

import base64
import re
import binascii
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone as dt_timezone

from django.db.models import CharField, Count, F, Func, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from consent.scopes import LOCATION, TIME

from ..models import MediaItem, local_capture_time
from . import changes

# What a tile and a day header need, and the sort columns: nothing else is read.
TILE_COLUMNS = (
    "id", "owner_id", "kind", "status", "original_name", "width", "height", "duration_s", "thumb_small",
    "thumb_large", "captured_at", "captured_offset", "created_at", "place",
)


def sort_key(uses_time):
    """What the timeline sorts by. With `time`, the stored local time (index media_local_time_idx):
    the capture time on the camera's clock, so the order, the day headers and the scrubber's months
    all read the same clock."""
    return F("local_time") if uses_time else F("created_at")


class BadCursor(ValueError):
    """A cursor the server did not give out."""


@dataclass(frozen=True)
class Position:
    """Where a page ends: the sort time and id of its last item."""

    at: datetime
    pk: int

    def encode(self):
        micros = int(self.at.timestamp() * 1_000_000)
        return base64.urlsafe_b64encode(f"{micros}.{self.pk}".encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text):
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
            micros, pk = (int(part) for part in raw.split("."))
            at = datetime.fromtimestamp(micros / 1_000_000, tz=dt_timezone.utc)
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError):
            raise BadCursor("This cursor is not one the server gave out; start again without it.") from None
        if pk < 0:
            raise BadCursor("This cursor is not one the server gave out; start again without it.")
        return cls(at=at, pk=pk)


def timeline_items(user, grants, queryset=None):
    """The person's items in timeline order (newest first), each with its sort time as `sort_at`."""
    uses_time = TIME in grants
    items = (queryset if queryset is not None else MediaItem.objects).filter(owner=user)
    return items.annotate(sort_at=sort_key(uses_time)).order_by("-sort_at", "-id")


def page_after(items, after, size):
    """Up to `size` items of an ordered timeline after `after` (a Position or None), and where the
    next page starts (None on the last page). One query."""
    if after is not None:
        # The first condition, implied by the second, is the one an index range can start from.
        items = items.filter(Q(sort_at__lte=after.at), Q(sort_at__lt=after.at) | Q(sort_at=after.at, id__lt=after.pk))
    rows = list(items[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not more:
        return rows, None
    last = rows[-1]
    at, pk = (last["sort_at"], last["id"]) if isinstance(last, dict) else (last.sort_at, last.pk)
    return rows, Position(at=at, pk=pk)


@dataclass
class Day:
    """Items of one day, taken that day (`uploaded` false) or without a capture time and uploaded then."""

    day: date
    uploaded: bool
    items: list = field(default_factory=list)
    place: str = ""

    @property
    def key(self):
        return f"{self.day.isoformat()}{'-u' if self.uploaded else ''}"

    @property
    def size(self):
        """How wide the day is drawn beside others: its tile count, up to a full row (7)."""
        return min(len(self.items), 7)

    @property
    def month(self):
        return self.day.replace(day=1)


def day_of(item, uses_time):
    """The calendar day an item belongs to and whether that is its upload day."""
    if uses_time and item.captured_at is not None:
        return local_capture_time(item.captured_at, item.captured_offset).date(), False
    return timezone.localdate(item.created_at), True


def days(items, grants):
    """Consecutive items of the same day grouped, each day named by its most frequent place
    (only with `location`)."""
    uses_time, uses_location = TIME in grants, LOCATION in grants
    grouped = []
    for item in items:
        day, uploaded = day_of(item, uses_time)
        if not grouped or (grouped[-1].day, grouped[-1].uploaded) != (day, uploaded):
            grouped.append(Day(day=day, uploaded=uploaded))
        grouped[-1].items.append(item)
    if uses_location:
        for group in grouped:
            places = Counter(item.place for item in group.items if item.place)
            group.place = places.most_common(1)[0][0] if places else ""
    return grouped


def months(grouped):
    """Days gathered under their month, in order: [(first day of the month, [Day, …]), …]."""
    gathered = []
    for group in grouped:
        if not gathered or gathered[-1][0] != group.month:
            gathered.append((group.month, []))
        gathered[-1][1].append(group)
    return gathered


def month_bounds(month):
    """The sort-time range of a month (a date on its first day): [start, start of the next)."""
    start = datetime(month.year, month.month, 1, tzinfo=dt_timezone.utc)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=dt_timezone.utc)
    return start, following


def in_month(items, month):
    """Only the items of a timeline that sort into `month` (with consent to time, on the camera's clock)."""
    start, following = month_bounds(month)
    return items.filter(sort_at__gte=start, sort_at__lt=following)


def from_month(month):
    """The position a timeline starts from to show `month` first, then everything older."""
    return Position(at=month_bounds(month)[1], pk=0)


class MonthOf(Func):
    """'YYYY-MM' of a UTC timestamp, in the database's own code (SQLite's trunc functions are Python
    called once per row: 20,000 calls for a long library)."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sql(self, compiler, connection, template=None, **extra):
        if template is None:  # other databases: Django's portable truncation
            return TruncMonth(*self.get_source_expressions(), tzinfo=dt_timezone.utc).as_sql(compiler, connection)
        return super().as_sql(compiler, connection, template=template, **extra)


def month_counts(user, grants, status=None):
    """[(first day of the month, items), …] newest first: what the scrubber draws, counted again
    only when the library changed."""
    items = MediaItem.objects.filter(owner=user)
    if status:
        items = items.filter(status=status)
    return changes.kept_while_unchanged(
        user.pk, f"timeline-months:{TIME in grants}:{status}", lambda: _months_counted(items, grants))


def _months_counted(items, grants):
    """With consent to time, the stored month of local_time (an index-only scan of
    media_local_month_idx); without it, upload months."""
    if TIME in grants:
        counted = items.values(month=F("local_month")).annotate(count=Count("*")).order_by("-month")
    else:
        counted = (
            items.annotate(month=MonthOf(sort_key(False))).values("month").annotate(count=Count("id")).order_by("-month")
        )
    return [(_month_date(row["month"]), row["count"]) for row in counted]


def _month_date(value):
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    return value.replace(day=1) if isinstance(value, date) else parse_month(value)


MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def parse_month(text):
    """'2025-06' as the first day of that month; ValueError for anything else."""
    if not MONTH.fullmatch(text):
        raise ValueError("A month is written YYYY-MM, for example 2025-06.")
    try:
        return date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        raise ValueError(f"There is no month {text}.") from None


@dataclass
class ScrubYear:
    """One year of the scrubber: its total and its twelve months as (month, count, size 0–4)."""

    year: int
    count: int = 0
    months: list = field(default_factory=list)

    @property
    def latest(self):
        """The newest month with items: where the year's link goes."""
        return max(month for month, count, _ in self.months if count)


def scrubber(counts):
    """Years newest first, each with its twelve months January first, sized against the busiest month."""
    busiest = max((count for _, count in counts), default=1)
    by_month = dict(counts)
    years = []
    for year in sorted({month.year for month, _ in counts}, reverse=True):
        row = ScrubYear(year=year)
        for number in range(1, 13):
            count = by_month.get(date(year, number, 1), 0)
            size = 0 if not count else max(1, -(-4 * count // busiest))
            row.months.append((date(year, number, 1), count, size))
            row.count += count
        years.append(row)
    return years


def neighbours(user, grants, item):
    """The items just newer and just older than `item` in timeline order: (newer, older), each
    an id or None. For the item page's previous/next links."""
    items = timeline_items(user, grants, MediaItem.objects.only("id"))
    at = items.filter(pk=item.pk).values_list("sort_at", flat=True).first()
    if at is None:
        return None, None
    # As in page_after, the first condition of each is the one an index range starts from.
    newer = items.filter(Q(sort_at__gte=at), Q(sort_at__gt=at) | Q(sort_at=at, id__gt=item.pk)).order_by("sort_at", "id")
    older = items.filter(Q(sort_at__lte=at), Q(sort_at__lt=at) | Q(sort_at=at, id__lt=item.pk))
    return newer.values_list("id", flat=True).first(), older.values_list("id", flat=True).first()
