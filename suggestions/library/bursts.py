"""Near-identical frames of one moment (bursts and duplicates), and the best shot of each."""

import uuid
from datetime import timedelta

from django.db.models import F, Q

from ..analysis.themes import BURST_SECONDS, same_moment
from ..models import MediaItem


def burst_assign(item):
    """Put an item in the group of the photos it nearly duplicates; returns the group's size.

    Groups that the item bridges become one. The best shot of a group is its highest quality
    photo. Runs where themes are written, inside the themes scope's guard.
    """
    owner_photos = MediaItem.objects.filter(owner_id=item.owner_id, kind=MediaItem.Kind.PHOTO)
    others = owner_photos.exclude(pk=item.pk).exclude(phash="")
    if item.captured_at is not None:
        # Only frames of the same moment can match (or undated ones): the capture-time index
        # keeps this small however large the library grows.
        window = timedelta(seconds=BURST_SECONDS)
        others = others.filter(
            Q(captured_at__isnull=True) | Q(captured_at__range=(item.captured_at - window, item.captured_at + window))
        )
    others = others.values("pk", "phash", "captured_at", "burst")
    matches = [o for o in others if same_moment(item.phash, o["phash"], item.captured_at, o["captured_at"])]
    former = item.burst
    if not matches:
        owner_photos.filter(pk=item.pk).update(burst="", best_shot=True)
        item.burst, item.best_shot = "", True
        if former:
            _choose_best(owner_photos, former)
        return 1
    keys = sorted({m["burst"] for m in matches if m["burst"]})
    key = keys[0] if keys else uuid.uuid4().hex[:16]
    members = {item.pk, *(m["pk"] for m in matches)}
    members.update(owner_photos.filter(burst__in=keys).values_list("pk", flat=True))
    owner_photos.filter(pk__in=members).update(burst=key)
    item.burst = key
    if former and former != key:
        _choose_best(owner_photos, former)
    best = _choose_best(owner_photos, key)
    item.best_shot = best == item.pk
    return len(members)


def _choose_best(photos, key):
    group = photos.filter(burst=key)
    ranked = list(group.order_by(F("quality").desc(nulls_last=True), "pk").values_list("pk", flat=True))
    if len(ranked) == 1:
        group.update(burst="", best_shot=True)
        return ranked[0]
    if not ranked:
        return None
    group.exclude(pk=ranked[0]).update(best_shot=False)
    group.filter(pk=ranked[0]).update(best_shot=True)
    return ranked[0]


def burst_tidy(owner_id, key):
    """Choose a group's best shot again, or dissolve it, after one of its photos went away."""
    _choose_best(MediaItem.objects.filter(owner_id=owner_id, kind=MediaItem.Kind.PHOTO), key)
