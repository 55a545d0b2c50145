"""Edits: an automatically enhanced version of the best photos of the latest events.

Needs `themes`: the edit is planned from the picture's histogram and colours when the photo is
measured, and a photo that would barely change has no plan, so it is never proposed. With
`time` the photos come from the most recent events; without it, from the latest uploads.
"""

from consent.scopes import LIBRARY, THEMES

from .clusters import event_clusters, event_title
from .drafts import Draft
from .text import join_words

EDIT_EVENTS = 3  # the most recent events, one edit each
EDIT_CANDIDATES = 3  # of each event's best photos, the first that an edit improves
LATEST_UPLOADS = 30  # without capture times, the pool is this many of the newest uploads
CRITERIA = ("picture quality",)


def _best_editable(library, pool):
    ranked = sorted(
        (p for p in pool if p.best_shot and p.id not in library.hidden_photo_ids and p.quality is not None),
        key=lambda p: (-p.quality, p.id),
    )
    return next((p for p in ranked[:EDIT_CANDIDATES] if p.edit), None)


def _draft(photo, title, what, scopes):
    return Draft(
        kind="edit",
        topic=f"edit:{photo.id}",
        title=title,
        what=f"{what}, made {join_words(photo.edit)}",
        items=(photo.id,),
        scopes=frozenset({LIBRARY, THEMES, *scopes}),
        criteria=CRITERIA,
    )


def drafts(library):
    if not library.allows(THEMES):
        return []
    if library.dated:
        out = []
        for cluster in reversed(event_clusters(library)):
            if len(out) == EDIT_EVENTS:
                break
            photo = _best_editable(library, cluster.photos)
            if photo is not None:
                title = f"{photo.edit[0].capitalize()}: {event_title(cluster)}"
                out.append(_draft(photo, title, "The best photo of its moment", cluster.scopes()))
        return out
    latest = sorted(library.photos, key=lambda p: -p.id)[:LATEST_UPLOADS]
    photo = _best_editable(library, latest)
    if photo is None:
        return []
    return [_draft(photo, f"{photo.edit[0].capitalize()}: one of your latest photos", "One of your latest uploads", ())]
