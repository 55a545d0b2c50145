"""Edits: an automatically enhanced version of the best photos of the latest events.

Needs `themes`: the edit is planned from the picture's histogram and colours when the photo is
measured, and a photo that would barely change has no plan, so it is never proposed. With
`time` the photos come from the most recent events; without it, from the latest uploads.
"""

from consent.scopes import FACES, LIBRARY, THEMES

from .clusters import event_clusters, event_title
from .crop import face_safe_crop
from .drafts import Draft
from .text import capitalised, join_words

EDIT_EVENTS = 3  # the most recent events, one edit each
EDIT_CANDIDATES = 3  # of each event's best photos, the first that an edit improves
LATEST_UPLOADS = 30  # without capture times, the pool is this many of the newest uploads
CRITERIA = ("picture quality",)
STORY = 9 / 16  # a phone story's width / height
# What an edit that makes one change offers; two changes are said together (“Brighter and warmer”).
ONE_CHANGE = {
    "brighter": "Brighter light",
    "darker": "Less washed out",
    "crisper": "More contrast",
    "warmer": "Warmer light",
    "cooler": "Without the yellow cast",
    "more neutral": "Without the colour cast",
    "more colourful": "Richer colours",
}


def story_crop(photo):
    """Whether a wide photo with people in it keeps every face in a story-shaped (9:16) crop."""
    faces = [(face.x, face.y, face.w, face.h) for face in photo.faces]
    box = face_safe_crop(photo.width, photo.height, STORY, faces) if faces and photo.aspect > 1 else None
    return box is not None and all(
        box[0] <= x and box[1] <= y and x + w <= box[2] and y + h <= box[3] for x, y, w, h in faces
    )


def offer_text(photo):
    """What the edit offers, for its card: “Brighter and warmer, with a crop for a story”."""
    words = list(photo.edit)
    offer = capitalised(join_words(words[:2])) if len(words) > 1 else ONE_CHANGE.get(words[0], capitalised(words[0]))
    return f"{offer}, with a crop for a story" if story_crop(photo) else offer


def _best_editable(library, pool):
    ranked = sorted(
        (p for p in pool if p.best_shot and p.id not in library.hidden_photo_ids and p.quality is not None),
        key=lambda p: (-p.quality, p.id),
    )
    return next((p for p in ranked[:EDIT_CANDIDATES] if p.edit), None)


def _draft(photo, moment, what, scopes):
    story = story_crop(photo)
    crop = ", with a story (9:16) crop that keeps every face" if story else ""
    return Draft(
        kind="edit",
        topic=f"edit:{photo.id}",
        title=f"{offer_text(photo)}: {moment}",
        what=f"{what}, made {join_words(photo.edit)}{crop}",
        items=(photo.id,),
        scopes=frozenset({LIBRARY, THEMES, *scopes, *({FACES} if story else ())}),
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
                out.append(_draft(photo, event_title(cluster), "The best photo of its moment", cluster.scopes()))
        return out
    latest = sorted(library.photos, key=lambda p: -p.id)[:LATEST_UPLOADS]
    photo = _best_editable(library, latest)
    if photo is None:
        return []
    return [_draft(photo, "one of your latest photos", "One of your latest uploads", ())]
