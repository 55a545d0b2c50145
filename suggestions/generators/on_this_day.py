"""On this day, one memory per past year: the photos taken within WINDOW_DAYS of today's calendar
day in that year (29 February counts as the 28th in other years).

A year with photos on the day itself is “On this day in 2021”, shown that day only (its topic
carries today's date). A year whose day is empty but whose days around it are not is “This week,
three years ago”: its topic and date are those of its first photo, so it is the same suggestion
on each day of the window (dismissed once, gone for the week) rather than a new one every day.
"""

from datetime import timedelta

from consent.scopes import TIME

from .choose import choose
from .dates import occurrence
from .drafts import draft
from .text import capitalised, span_text, years_ago_text

WINDOW_DAYS = 3
MIN_PHOTOS = 3


def _windows(library):
    """{past year: photos within WINDOW_DAYS of today's calendar day in it}, newest year first."""
    today, found = library.today, {}
    window = timedelta(days=WINDOW_DAYS)
    centres = {year: occurrence(today.month, today.day, year) for year in range(1, today.year)}
    for photo in library.dated:
        day = photo.day
        for year in (day.year - 1, day.year, day.year + 1):
            centre = centres.get(year)
            if centre is not None and centre - window <= day <= centre + window:
                found.setdefault(year, []).append(photo)
    return dict(sorted(found.items(), reverse=True))


def _on_the_day(photo, today):
    return occurrence(photo.taken.month, photo.taken.day, today.year) == today


def _year_draft(library, year, pool):
    today = library.today
    choice = choose(library, pool, group=lambda photo: photo.day)
    if choice.visible < MIN_PHOTOS:
        return None
    shown = [photo for photo in pool if photo.id not in library.hidden_photo_ids]
    first, last, ago = shown[0].day, shown[-1].day, years_ago_text(today.year - year)
    when = f"on {span_text(first, last)}" if first == last else span_text(first, last)
    if any(_on_the_day(photo, today) for photo in shown):
        title, topic, occasion = f"On this day in {year}", f"on_this_day:{today.isoformat()}:{year}", today
        what = f"{choice.visible} photos taken {when}, {ago}"
    else:
        title, topic, occasion = f"This week, {years_ago_text(today.year - year)}", f"this_week:{first}", first
        what = f"{choice.visible} photos taken {when}, {ago}, in the week around today's date"
    return draft("on_this_day", topic, capitalised(title), what, choice, {TIME}, occasion=occasion)


def drafts(library):
    if not library.allows(TIME):
        return []
    out = (_year_draft(library, year, pool) for year, pool in _windows(library).items())
    return [found for found in out if found is not None]
