"""Who the people memories may feature, and each one's photos: read once per refresh.

Only named people are featured, unless the person turned on “suggest unnamed people”; a hidden
person, one never to be featured and one to be featured less never are, and photos showing a
hidden or never-featured person are left out by `choose`.
"""

from consent.scopes import FACES, TIME


def featured_people(library):
    """{person id: PersonRow} of the people a memory may be about."""
    if not library.allows(FACES, TIME):
        return {}
    return {
        pid: person for pid, person in library.people.items()
        if not person.hidden and not person.less and (person.name or library.suggest_unnamed)
    }


def photos_by_person(library):
    """{person id: their dated photos in capture order}, for the featured people."""
    if "photos_by_person" not in library.cache:
        featured, found = featured_people(library), {}
        for photo in library.dated:
            for pid in {face.person_id for face in photo.faces}:
                if pid in featured:
                    found.setdefault(pid, []).append(photo)
        library.cache["photos_by_person"] = found
    return library.cache["photos_by_person"]


def label(person):
    """How a memory names someone: their name, or a description of the unnamed."""
    return person.name or "Someone you often photograph"
