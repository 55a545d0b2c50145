"""Then and now: a featured person in the earliest and the latest year you have of them, side by
side, when those are at least MIN_SPAN_YEARS apart."""

from consent.scopes import FACES, TIME

from .choose import Choice, choose
from .drafts import draft
from .featured import featured_people, label, photos_by_person

MIN_SPAN_YEARS = 3


def drafts(library):
    people, out = featured_people(library), []
    for pid, pool in photos_by_person(library).items():
        visible = [photo for photo in pool if photo.id not in library.hidden_photo_ids]
        if not visible:
            continue
        first, last = visible[0].taken.year, visible[-1].taken.year
        if last - first < MIN_SPAN_YEARS:
            continue
        then = choose(library, [p for p in visible if p.taken.year == first], limit=1, person_id=pid)
        now = choose(library, [p for p in visible if p.taken.year == last], limit=1, person_id=pid)
        pair = Choice(photos=then.photos + now.photos, visible=len(visible), used=then.used | now.used,
                      criteria=then.criteria)
        name = label(people[pid])
        what = f"{name} in {first} and in {last}, the first and the latest year you have photos of them"
        out.append(draft("then_and_now", f"then_and_now:{pid}", f"{name}, {first} and {last}", what, pair,
                         {FACES, TIME}))
    return out
