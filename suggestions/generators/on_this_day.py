"""On this day: photos taken on today's calendar day in earlier years (29 February on the 28th
in other years), shown on that day."""

from consent.scopes import TIME

from .choose import choose
from .dates import occurrence
from .drafts import draft
from .text import join_words, plural, years_text

MIN_PHOTOS = 3


def _days_text(photos):
    days = sorted({(p.taken.month, p.taken.day) for p in photos})
    return f"{join_words(str(day) for _, day in days)} {photos[0].taken:%B}"


def drafts(library):
    if not library.allows(TIME):
        return []
    today = library.today
    pool = [
        photo for photo in library.dated
        if photo.taken.year < today.year and occurrence(photo.taken.month, photo.taken.day, today.year) == today
    ]
    choice = choose(library, pool, group=lambda photo: photo.taken.year)
    if choice.visible < MIN_PHOTOS:
        return []
    shown = [photo for photo in pool if photo.id not in library.hidden_photo_ids]
    years = sorted({photo.taken.year for photo in shown})
    if len(years) == 1:
        title = f"On this day in {years[0]}"
        ago = plural(today.year - years[0], "year")
        what = f"{choice.visible} photos taken on {_days_text(shown)} {years[0]}, {ago} ago"
    else:
        title = f"On this day: {years_text(years)}"
        what = f"{choice.visible} photos taken on {_days_text(shown)} in {years_text(years)}"
    return [draft("on_this_day", f"on_this_day:{today.isoformat()}", title, what, choice, {TIME}, occasion=today)]
