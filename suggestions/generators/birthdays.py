"""Birthdays: a few days before a named person's birthday (29 February on the 28th in other
years), their best photos from the past year. Hidden people never get one."""

from datetime import timedelta

from consent.scopes import FACES, TIME

from .choose import choose
from .dates import next_occurrence
from .drafts import draft
from .text import month_day_text

LEAD_DAYS = 7
MIN_PHOTOS = 2
LIMIT = 6


def drafts(library):
    if not library.allows(TIME, FACES):
        return []
    out = []
    for person in library.people.values():
        if not person.name or person.birthday is None or person.hidden:
            continue
        birthday = next_occurrence(person.birthday, library.today)
        if (birthday - library.today).days > LEAD_DAYS:
            continue
        since = library.today - timedelta(days=365)
        pool = [
            photo for photo in library.dated
            if since <= photo.day <= library.today and any(face.person_id == person.id for face in photo.faces)
        ]
        choice = choose(library, pool, limit=LIMIT, person_id=person.id)
        if choice.visible < MIN_PHOTOS:
            continue
        when = "today" if birthday == library.today else f"on {birthday:%A} {month_day_text(birthday)}"
        what = (
            f"{person.name}’s birthday is {when} (the date you gave). {choice.visible} photos of them "
            f"from the past year"
        )
        topic, title = f"birthday:{person.id}:{birthday.year}", f"{person.name}’s birthday, {month_day_text(birthday)}"
        out.append(draft("birthday", topic, title, what, choice, {TIME, FACES}, occasion=birthday))
    return out
