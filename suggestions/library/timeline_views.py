"""The timeline part of the library page: one keyset page of days, as a whole page or a fragment."""

from django.core.exceptions import BadRequest
from django.utils.http import urlencode

from ..analysis.images import THUMB_LARGE, THUMB_SMALL
from ..models import MediaItem
from . import timeline

PAGE_SIZE = 120


def _query(status, **more):
    return urlencode({key: value for key, value in {"status": status, **more}.items() if value})


def timeline_context(request, grants, status):
    """Template context for one page of the person's timeline (a bad cursor is a 400)."""
    items = timeline.timeline_items(request.user, grants, MediaItem.objects.only(*timeline.TILE_COLUMNS))
    if status:
        items = items.filter(status=status)
    cursor = request.GET.get("cursor", "")
    try:
        after = timeline.Position.decode(cursor) if cursor else None
    except timeline.BadCursor as exc:
        raise BadRequest(str(exc)) from None
    rows, next_position = timeline.page_after(items, after, PAGE_SIZE)
    next_cursor = next_position.encode() if next_position else ""
    return {
        "months": timeline.months(timeline.days(rows, grants)),
        "status": status,
        "continued": after is not None,
        "next_cursor": next_cursor,
        "next_query": _query(status, cursor=next_cursor),
        "first_query": _query(status),
        "page_key": f"-{cursor[:12]}" if cursor else "",
        "thumb_small": THUMB_SMALL,
        "thumb_large": THUMB_LARGE,
    }
