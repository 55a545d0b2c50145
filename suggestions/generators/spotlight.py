"""Spotlight: one featured person's best photos over the years. On their birthday (when the
person gave it) it says how old they turn: “Ada is 7”.

The age is the arithmetic of the birthday the person typed in; nothing about anyone is ever
inferred from a face.
"""

from consent.scopes import FACES, TIME

from .choose import choose
from .dates import occurrence
from .drafts import draft
from .featured import featured_people, label, photos_by_person
from .text import years_since

MIN_PHOTOS = 8
MIN_YEARS = 2


def _birthday_today(person, today):
    return person.birthday is not None and occurrence(person.birthday.month, person.birthday.day, today.year) == today


def drafts(library):
    people, out = featured_people(library), []
    for pid, pool in photos_by_person(library).items():
        person, years = people[pid], sorted({photo.taken.year for photo in pool})
        if len(years) < MIN_YEARS:
            continue
        choice = choose(library, pool, person_id=pid, group=lambda photo: photo.taken.year)
        if choice.visible < MIN_PHOTOS:
            continue
        name = label(person)
        what = f"The best of your {choice.visible} photos of {name}, from {years[0]} to {years[-1]}"
        if person.name and _birthday_today(person, library.today):
            age = years_since(person.birthday, library.today)
            title, topic, occasion = f"{person.name} is {age}", f"spotlight:{pid}:{library.today.year}", library.today
            what = f"{person.name}’s birthday is today (the date you gave). {what}"
        else:
            title, topic, occasion = f"Spotlight on {name}", f"spotlight:{pid}", None
        out.append(draft("spotlight", topic, title, what, choice, {FACES, TIME}, occasion=occasion,
                         order=lambda chosen: sorted(chosen, key=lambda p: (p.instant, p.id))))
    return out
