"""Edit operations shared by the pages, the API and the workers: the frames an edit can be saved
in, saving one as a rendition beside the original (which never changes), and rendering it.

The enhancement was planned under `themes` when the photo was measured. A frame is centred on
the faces only while `faces` is in force (and then never cuts one); otherwise on the picture's
subject as its edges and contrast suggest. A rendition records the scopes it used, so
withdrawing one erases it.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from consent.scopes import FACES, LIBRARY, THEMES
from consent.services import active_grants
from rollweb.queue import enqueue
from rollweb.storage import rows_delete

from ..analysis import UnreadableMedia
from ..feed.render import EDIT_KINDS, picture_of, rendered_store
from ..feed.services import suggestion_save
from ..generators.edit import FRAMES, edit_render, frame_box
from ..models import Rendition
from .selectors import edit_frames, edit_item, edit_plan, face_boxes

EDIT_LONG_SIDE = 4096  # a saved edit is never larger than this, nor than its original
PREVIEW_LONG_SIDE = 2048  # the suggestion's own picture, like a collage
RENDITION_LEASE = timedelta(minutes=10)
RENDER_RENDITION = "suggestions.tasks.render_rendition"


class EditRefused(Exception):
    """An edit that cannot be saved; the message is for the person."""


def edit_picture(item, frame="original", faces=(), long_side=EDIT_LONG_SIDE):
    """The edited picture as JPEG bytes (no metadata) and its (width, height).

    Decoded from the original at up to `long_side`, so nothing is ever upscaled."""
    plan = edit_plan(item)
    if plan is None:
        raise EditRefused("This photo has no edit planned any more.")
    picture = picture_of(item, min(long_side, max(item.width, item.height)))
    scale = picture.width / item.width
    scaled = [tuple(value * scale for value in box) for box in faces]
    box = frame_box(picture.width, picture.height, frame, scaled, item.subject or None)
    if box is None:
        raise EditRefused("That shape would cut a face.")
    return edit_render(picture, plan, box), (box[2] - box[0], box[3] - box[1])


def edit_suggestion_render(suggestion, items):
    """The feed's renderer of "edit" suggestions: the edited photo, at preview size."""
    try:
        return edit_picture(items[0], long_side=PREVIEW_LONG_SIDE)[0], "jpg", "image/jpeg"
    except EditRefused:
        return None, "", ""


def edit_save(suggestion, frame):
    """Save an edit suggestion in `frame`: a rendition is made in the background beside the
    original. Saving the same frame again changes nothing. Returns the rendition."""
    if suggestion.kind not in EDIT_KINDS:
        raise EditRefused("Only edits can be saved in a frame.")
    if frame not in FRAMES:
        raise EditRefused(f"Choose one of: {', '.join(FRAMES)}.")
    item = edit_item(suggestion)
    grants = active_grants(suggestion.owner_id)
    if item is None or THEMES not in grants or edit_plan(item) is None:
        raise EditRefused("This edit is no longer available.")
    faces = face_boxes([item], grants).get(item.pk, [])
    if frame not in {f.key for f in edit_frames(item, faces)}:
        raise EditRefused("That shape would cut a face.")
    used = {LIBRARY, THEMES} | ({FACES} if faces and frame != "original" else set())
    with transaction.atomic():
        rendition, created = Rendition.objects.get_or_create(
            media=item, frame=frame,
            defaults=dict(owner_id=item.owner_id, suggestion=suggestion, scopes_used=Rendition.scopes_value(used)),
        )
        retry = not created and rendition.state == Rendition.State.FAILED
        if retry:
            Rendition.objects.filter(pk=rendition.pk).update(
                state=Rendition.State.PENDING, failure_reason="", scopes_used=Rendition.scopes_value(used),
                created_at=timezone.now(),
            )
            rendition.refresh_from_db()
        suggestion_save(suggestion)
        if created or retry:
            enqueue(RENDER_RENDITION, rendition.pk)
    return rendition


def _fail(rendition, reason):
    Rendition.objects.filter(pk=rendition.pk, state=Rendition.State.PENDING).update(
        state=Rendition.State.FAILED, failure_reason=reason[:300]
    )


def rendition_render(rendition_id):
    """Make a pending rendition (in the worker), while every scope it uses is in force; a second
    delivery of the same task changes nothing."""
    rendition = Rendition.objects.select_related("media").filter(pk=rendition_id).first()
    if rendition is None or rendition.state != Rendition.State.PENDING:
        return None
    keys = rendition.scope_keys
    grants = active_grants(rendition.owner_id)
    missing = [key for key in keys if key not in grants]
    if missing:
        _fail(rendition, f"Not made: consent to {', '.join(missing)} is not in force.")
        return None
    item = rendition.media
    try:
        faces = face_boxes([item], grants).get(item.pk, []) if FACES in keys else []
        data, (width, height) = edit_picture(item, rendition.frame, faces)
    except (EditRefused, UnreadableMedia) as exc:
        _fail(rendition, str(exc))
        return None
    pending = Rendition.objects.filter(pk=rendition.pk, state=Rendition.State.PENDING)
    return rendered_store(
        rendition.owner_id, keys, "edits", "jpg", data,
        lambda name: pending.update(state=Rendition.State.READY, file=name, width=width, height=height, bytes=len(data)),
    )


def renditions_requeue_pending(now=None):
    """Queue again the renditions still pending after RENDITION_LEASE (their task was lost)."""
    since = (now or timezone.now()) - RENDITION_LEASE
    ids = list(
        Rendition.objects.filter(state=Rendition.State.PENDING, created_at__lt=since).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        enqueue(RENDER_RENDITION, pk)
    return ids


def renditions_delete(queryset):
    """Delete renditions and their files (their share links go with them). Returns the counts."""
    count, files = rows_delete(queryset, "file")
    return {"edits": count, "files": files}
