"""You and …: the two featured people who appear together most often, in their best photos
together over the years (rollweb has no “this is me” yet, so it is the pair that recurs)."""

from collections import Counter
from itertools import combinations

from consent.scopes import FACES, TIME

from .choose import choose
from .drafts import draft
from .featured import featured_people, label

MIN_TOGETHER = 10


def drafts(library):
    people = featured_people(library)
    if len(people) < 2:
        return []
    pairs, shared = Counter(), {}
    for photo in library.dated:
        present = sorted({face.person_id for face in photo.faces if face.person_id in people})
        for pair in combinations(present, 2):
            pairs[pair] += 1
            shared.setdefault(pair, []).append(photo)
    if not pairs:
        return []
    (one, other), count = pairs.most_common(1)[0]
    if count < MIN_TOGETHER:
        return []
    choice = choose(library, shared[(one, other)], group=lambda photo: photo.taken.year)
    if choice.visible < MIN_TOGETHER:
        return []
    names = f"{label(people[one])} and {label(people[other])}"
    what = f"{names} are together in {choice.visible} of your photos, more than any other two people"
    return [draft("together", f"together:{one}:{other}", names, what, choice, {FACES, TIME},
                  order=lambda chosen: sorted(chosen, key=lambda p: (p.instant, p.id)))]
