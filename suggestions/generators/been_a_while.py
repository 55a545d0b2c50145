"""It's been a while: someone often photographed who has not appeared in the last ABSENT_DAYS."""

from datetime import timedelta

from consent.scopes import FACES, TIME

from .choose import choose
from .drafts import draft
from .featured import featured_people, label, photos_by_person
from .text import day_text

ABSENT_DAYS = 182
MIN_PHOTOS = 20


def drafts(library):
    people, out = featured_people(library), []
    since = library.today - timedelta(days=ABSENT_DAYS)
    for pid, pool in photos_by_person(library).items():
        visible = [photo for photo in pool if photo.id not in library.hidden_photo_ids]
        if len(visible) < MIN_PHOTOS or visible[-1].day >= since or visible[-1].day > library.today:
            continue
        choice = choose(library, visible, person_id=pid, group=lambda photo: photo.taken.year)
        name, last = label(people[pid]), visible[-1].day
        months = (library.today - last).days * 12 // 365
        what = f"{name} is in {len(visible)} of your photos; the latest is from {day_text(last)}, {months} months ago"
        out.append(draft("been_a_while", f"been_a_while:{pid}:{last.isoformat()}", f"It's been a while: {name}", what,
                         choice, {FACES, TIME}, occasion=last))
    return out
