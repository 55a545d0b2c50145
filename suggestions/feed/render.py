"""Rendering a suggestion's visual in the worker (a collage, a recap video, or what a feature
above registers for its kinds), and storing a rendered file under a consent guard."""

import logging

from django.conf import settings
from django.core.files.storage import default_storage

from consent.scopes import FACES, LIBRARY, THEMES, TIME
from consent.services import ScopeNotGranted, active_grants, scope_guard
from rollweb.storage import delete_files, save_bytes

from ..analysis import UnreadableMedia, images
from ..generators.collage import Tile, collage_render
from ..generators.recap import Words, recap_render
from ..generators.soundtrack import track_for
from ..generators.text import plural, span_text
from ..models import Suggestion, SuggestionItem, derived_key
from .selectors import face_boxes_of, media_withheld

logger = logging.getLogger(__name__)

VIDEO_KINDS = {"recap_video"}
EDIT_KINDS = {"edit"}
# kind -> render(suggestion, items) returning (bytes or None, extension, mime); features above
# `feed` register theirs at start-up (edits: "edit").
_renderers = {}


def renderer_register(kinds, render):
    for kind in kinds:
        _renderers[kind] = render


def rendered_store(owner_id, scope_keys, folder, extension, data, publish):
    """Store a rendered file while every scope it used is in force, and publish it with
    `publish(name)` (a conditional UPDATE that answers whether it still wanted the file).
    Returns the stored name, or None when consent or the row went meanwhile (nothing is kept)."""
    try:
        with scope_guard(owner_id, *[key for key in scope_keys if key != LIBRARY]):
            name = save_bytes(derived_key(owner_id, folder, extension), data)
            if not publish(name):
                delete_files([name])
                return None
    except ScopeNotGranted:
        return None
    return name


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


def _tiles(suggestion, items):
    boxes = face_boxes_of(items) if FACES in suggestion.scope_keys else {}
    return [Tile(item.width, item.height, tuple(boxes.get(item.pk, ()))) for item in items]


def recap_words(suggestion, items):
    """The cards of a recap: its title, and the span of its photos' days (with consent to `time`,
    and unless the title says it already) and how many there are."""
    days = sorted(item.captured_local.date() for item in items if item.captured_at) if TIME in suggestion.scope_keys else []
    span = span_text(days[0], days[-1]) if days else ""
    subtitle = span if span and span not in suggestion.title else ""
    closing = " · ".join(part for part in (plural(len(items), "photo"), span) if part)
    return Words(title=suggestion.title, subtitle=subtitle, closing=closing)


def _recap(suggestion, items, tiles, load):
    subjects = [item.subject or None for item in items] if THEMES in suggestion.scope_keys else None
    track = track_for(suggestion.pk) if suggestion.soundtrack else None
    return recap_render(tiles, load, recap_words(suggestion, items), track=track, subjects=subjects)


def _render(suggestion, items):
    """(bytes or None, extension, mime) of a suggestion's visual."""
    if suggestion.kind in _renderers:
        return _renderers[suggestion.kind](suggestion, items)
    tiles = _tiles(suggestion, items)
    load = lambda index, side: picture_of(items[index], side)  # noqa: E731
    if suggestion.kind in VIDEO_KINDS:
        return _recap(suggestion, items, tiles, load), "mp4", "video/mp4"
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
    withheld = media_withheld(suggestion.owner_id, [item.pk for item in items])
    items = [item for item in items if item.thumb_large and item.width and item.height and item.pk not in withheld]
    if not items:
        return None
    try:
        data, ext, mime = _render(suggestion, items)
    except UnreadableMedia:
        logger.warning("suggestion %s could not be rendered: a photo is unreadable", suggestion.pk)
        return None
    if data is None:
        return None
    unrendered = Suggestion.objects.filter(pk=suggestion.pk, asset="").not_dismissed()
    return rendered_store(
        suggestion.owner_id, keys, "suggestions", ext, data, lambda name: unrendered.update(asset=name, asset_mime=mime)
    )
