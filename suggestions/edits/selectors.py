"""Edits' reads, always scoped to an owner: the frames an edit can be saved in, the edit proposed
for a photo, and the saved edits (renditions)."""

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from consent.scopes import FACES

from ..analysis.enhance import Enhancement
from ..feed.render import EDIT_KINDS
from ..feed.selectors import face_boxes_of
from ..generators.edit import FRAMES, frame_box
from ..models import Rendition, Suggestion

FRAME_LABELS = {"original": "As taken", "1:1": "Square", "4:5": "Portrait 4:5", "9:16": "Story 9:16"}
POSITION_STEP = 10  # the previews place a crop in steps of this many percent (CSS classes)


@dataclass(frozen=True)
class Frame:
    key: str
    label: str
    box: tuple  # (x0, y0, x1, y1) in displayed pixels
    size: tuple  # the picture's (width, height), displayed

    @property
    def css(self):
        """Classes that show the crop on a preview: its shape, and where it sits (object-position)."""
        if self.key == "original":
            return "frame-original"
        return f"frame-{self.key.replace(':', '-')} pos-x-{self._position(0)} pos-y-{self._position(1)}"

    def _position(self, axis):
        start, end = self.box[axis], self.box[axis + 2]
        slack = self.size[axis] - (end - start)
        percent = 50 if slack <= 0 else 100 * start / slack
        return int(round(percent / POSITION_STEP) * POSITION_STEP)


def face_boxes(items, grants):
    """{media id: face boxes} for framing, when face recognition is in force; else empty."""
    return face_boxes_of(items) if FACES in grants and items else {}


def edit_plan(item):
    return Enhancement.from_json(item.enhancement) if item.enhancement else None


def edit_frames(item, faces):
    """The frames the item can be saved in: every shape whose crop cuts no face."""
    frames = []
    subject = item.subject or None
    for key in FRAMES:
        box = frame_box(item.width, item.height, key, faces, subject)
        if box is not None:
            frames.append(Frame(key, FRAME_LABELS[key], box, (item.width, item.height)))
    return frames


def edit_item(suggestion):
    link = suggestion.suggestionitem_set.select_related("media").first()
    return link.media if link else None


def edit_suggestion_of(item):
    """The edit proposed for an item, if one is in the feed."""
    return (
        Suggestion.objects.filter(owner_id=item.owner_id, kind__in=EDIT_KINDS, suggestionitem__media=item)
        .not_dismissed()
        .first()
    )


def renditions_of(user):
    return Rendition.objects.filter(owner=user)


def rendition_owned(user, pk, ready=False):
    """One of the person's saved edits (with `ready`, only one whose file is made); else a 404."""
    renditions = renditions_of(user).exclude(file="") if ready else renditions_of(user)
    return get_object_or_404(renditions, pk=pk)


def edit_suggestion_owned(user, pk):
    """One of the person's edit suggestions still in the feed; else a 404."""
    return get_object_or_404(Suggestion.objects.filter(owner=user, kind__in=EDIT_KINDS).not_dismissed(), pk=pk)
