"""Choosing the photos worth showing: the best shots, one per burst, no near-duplicates, faces first,
and no one kind of scene (night, indoors, outdoors) filling more than half while others are there.

Every signal is used only when its scope is in force; the scopes whose data changed the
choice are returned with it, so the suggestion records them.
"""

from collections import defaultdict
from dataclasses import dataclass

from consent.scopes import FACES, THEMES

# Perceptual hashes (64 bits) this close are the same picture to a viewer.
NEAR_DUPLICATE_BITS = 10


@dataclass(frozen=True)
class Choice:
    photos: list  # best first
    visible: int  # photos in the pool once those showing a hidden person are left out
    used: frozenset
    criteria: tuple

    def by_time(self):
        return sorted(self.photos, key=lambda p: (p.instant or 0, p.id))


def evenly(items, count):
    if count == 0:
        return []
    if len(items) <= count:
        return list(items)
    if count == 1:
        return [items[len(items) // 2]]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def _interleave(groups):
    """Round-robin over groups (each already in preference order), the best group first."""
    queues = [list(group) for group in groups if group]
    out = []
    while queues:
        for queue in queues:
            out.append(queue.pop(0))
        queues = [queue for queue in queues if queue]
    return out


def _face_score(photo, person_id):
    if person_id is not None:
        area = sum(f.w * f.h for f in photo.faces if f.person_id == person_id)
        return min(0.4, 4 * area / max(1, photo.width * photo.height))
    people = {f.person_id for f in photo.faces if f.person_id is not None}
    return (0.1 if photo.faces else 0.0) + 0.05 * min(3, len(people))


def _fair_shares(groups, limit):
    """When nothing tells the photos apart: share the places out fairly, each spread over its time."""
    shares, left = dict.fromkeys(groups, 0), limit
    while left and any(shares[key] < len(members) for key, members in groups.items()):
        for key, members in groups.items():
            if left and shares[key] < len(members):
                shares[key] += 1
                left -= 1
    return _interleave(evenly(members, shares[key]) for key, members in groups.items())


def choose(library, pool, limit=9, person_id=None, group=None):
    """Up to `limit` photos of `pool` (photos in capture order), best first.

    `group` (a function of a photo) spreads the choice over groups, e.g. years.
    """
    visible = [p for p in pool if p.id not in library.hidden_photo_ids]
    used = {FACES} if len(visible) < len(pool) else set()
    themes = THEMES in library.scopes and any(p.quality is not None or p.phash is not None or p.burst for p in visible)
    faces = FACES in library.scopes and any(p.faces for p in visible)
    used |= {THEMES} if themes else set()
    used |= {FACES} if faces or person_id is not None else set()

    candidates = visible
    if themes:
        candidates = [p for p in visible if p.best_shot] or visible

    def score(photo):
        value = photo.quality if themes and photo.quality is not None else 0.5
        return value + (_face_score(photo, person_id) if faces else 0.0)

    if themes:
        best_of_burst = {}
        for photo in candidates:
            if photo.burst and (photo.burst not in best_of_burst or score(photo) > score(best_of_burst[photo.burst])):
                best_of_burst[photo.burst] = photo
        candidates = [p for p in candidates if not p.burst or best_of_burst[p.burst] is p]

    groups = defaultdict(list)
    for photo in candidates:
        groups[group(photo) if group else None].append(photo)

    if not themes and not faces:
        return Choice(photos=_fair_shares(groups, limit), visible=len(visible), used=frozenset(used), criteria=())

    ranked_groups = [sorted(members, key=lambda p: (-score(p), p.instant or 0, p.id)) for members in groups.values()]
    ranked_groups.sort(key=lambda members: -score(members[0]))
    chosen, deferred, skipped_similar = [], [], False
    scenes = defaultdict(int)
    for photo in _interleave(ranked_groups):
        if themes and photo.phash is not None and any(
            other.phash is not None and (photo.phash ^ other.phash).bit_count() <= NEAR_DUPLICATE_BITS
            for other in chosen
        ):
            skipped_similar = True
            continue
        if themes and photo.scene and scenes[photo.scene] >= max(1, limit // 2):
            deferred.append(photo)  # one kind of scene fills at most half, while others are there
            continue
        chosen.append(photo)
        scenes[photo.scene] += 1
        if len(chosen) == limit:
            break
    spread = len(deferred) > limit - len(chosen)  # a scene was held back for others
    chosen += deferred[: limit - len(chosen)]
    varied = skipped_similar or spread
    criteria = tuple(word for word, on in (("sharpness", themes), ("faces", faces), ("variety", varied)) if on)
    return Choice(photos=chosen, visible=len(visible), used=frozenset(used), criteria=criteria)
