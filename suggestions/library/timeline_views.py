"""The timeline part of the library page: one keyset page of days (from the newest, from a cursor,
or from a chosen month) and the scrubber, as a whole page or a fragment."""

from django.core.exceptions import BadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from ..analysis.images import THUMB_LARGE, THUMB_SMALL
from ..models import MediaItem
from . import changes, search, timeline

PAGE_SIZE = 120


def _query(status, **more):
    return urlencode({key: value for key, value in {"status": status, **more}.items() if value})


def _start(request):
    """Where the page starts: (Position or None, the month asked for or None); a bad value is a 400."""
    cursor, month = request.GET.get("cursor", ""), request.GET.get("month", "").strip()
    try:
        chosen = timeline.parse_month(month) if month else None
        if cursor:
            return timeline.Position.decode(cursor), chosen
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return (timeline.from_month(chosen) if chosen else None), chosen


MARK = "987654321"


def _with_urls(rows):
    """Each tile's links, reversed once per page rather than three times per tile."""
    detail = reverse("library:detail", args=[MARK])
    small, large = (reverse("library:thumbnail", args=[MARK, size]) for size in ("small", "large"))
    for item in rows:
        pk = str(item.pk)
        item.detail_url, item.small_url, item.large_url = (url.replace(MARK, pk) for url in (detail, small, large))
    return rows


def _searched(request, grants, items):
    """The items answering the search box's query (if any), and the search as read."""
    text = request.GET.get("q", "").strip()[:200]
    if not text:
        return items, None
    found = search.search_read(request.user, grants, text)
    return search.search_filter(items, request.user, found), found


def timeline_context(request, grants, status):
    """Template context for one page of the person's timeline and its scrubber."""
    items = timeline.timeline_items(request.user, grants, MediaItem.objects.only(*timeline.TILE_COLUMNS))
    if status:
        items = items.filter(status=status)
    items, found = _searched(request, grants, items)
    q = found.text if found else ""
    after, chosen = _start(request)
    rows, next_position = timeline.page_after(items, after, PAGE_SIZE)
    next_cursor = next_position.encode() if next_position else ""
    return {
        "months": timeline.months(timeline.days(_with_urls(rows), grants)),
        "status": status,
        "chosen": chosen,
        "continued": after is not None,
        "next_cursor": next_cursor,
        "next_query": _query(status, q=q, cursor=next_cursor),
        "first_query": _query(status, q=q),
        "q": q,
        "search_messages": search.search_messages(found) if found else [],
        "status_query": _query(status),
        "page_key": f"-{request.GET.get('cursor', '')[:12]}{request.GET.get('month', '')}",
        "thumb_small": THUMB_SMALL,
        "thumb_large": THUMB_LARGE,
    }


# What the library page needs from a timeline page besides its rendered HTML (all kept with it).
PAGE_FIELDS = ("status", "chosen", "continued", "q", "search_messages", "status_query", "has_items")


def timeline_page(request, grants, status, whole=True):
    """`timeline_context`'s fields with the page rendered (`timeline_html`) and, for a whole page, the
    scrubber (`scrubber_html`) and the search box's hints, all kept in the cache until the library
    changes: rendering 120 tiles and 120 months is most of a page's cost, reading whether the library
    changed is one row (library.changes)."""
    params = urlencode([(name, request.GET.get(name, "")) for name in ("cursor", "month", "q")])

    def page():
        context = timeline_context(request, grants, status)
        context["has_items"] = bool(context["months"])
        made = {name: context[name] for name in PAGE_FIELDS}
        made["timeline_html"] = render_to_string("suggestions/library/_timeline.html", context)
        if whole:
            scrub = scrubber_context(request, grants, status)
            made["search_hints"] = scrub["search_hints"]
            made["scrubber_html"] = render_to_string("suggestions/library/_scrubber.html", {**context, **scrub})
        return made

    # Every scope in force is in the name: a search by person or place answers differently without its scope.
    name = f"timeline-page:{PAGE_SIZE}:{whole}:{','.join(sorted(grants))}:{status}:{params}"
    return changes.kept_while_unchanged(request.user.pk, name, page, timeout=300)


def scrubber_context(request, grants, status):
    return {
        "years": timeline.scrubber(timeline.month_counts(request.user, grants, status)),
        "search_hints": search.search_hints(request.user, grants),
    }
