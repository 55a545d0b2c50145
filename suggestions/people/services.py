"""People: each owner's faces grouped into people, and the owner's corrections.

Faces join people incrementally as items are analysed (the nearest person within
SAME_PERSON_DISTANCE, otherwise they wait until PERSON_MIN_FACES similar faces from different
photos form a new person); a periodic re-grouping repairs what the arrival order got wrong.
Everything here is per owner: faces are never compared across accounts. Every write runs
inside the faces scope's guard, so nothing is written once face recognition is turned off.
"""

from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F
from django.utils import timezone

from consent.scopes import FACES, SCOPES
from consent.services import ScopeNotGranted, scope_granted, scope_guard
from rollweb.storage import delete_files, save_bytes

from ..analysis import faces as face_analysis
from ..library.changes import library_changed
from ..models import Face, MediaItem, PeoplePreference, Person, face_crop_key
from .signals import people_changed

PERSON_MIN_FACES = 2
SAME_PERSON = face_analysis.SAME_PERSON_DISTANCE
UNSET = object()


class PeopleError(ValueError):
    """A request about people that cannot be honoured; the message is for the person."""


@dataclass
class _Known:
    pk: int
    media_id: int
    person_id: int | None
    area: int


@contextmanager
def _faces_guard(owner_id):
    try:
        with scope_guard(owner_id, FACES):
            yield
    except ScopeNotGranted:
        raise PeopleError(f"“{SCOPES[FACES].title}” is turned off, so people cannot be changed.") from None


def faces_store(item, results):
    """Replace an item's faces with those just found and group them. Returns the new faces.

    Called by the faces stage inside the scope guard.
    """
    old = Face.objects.filter(media=item)
    if item.kind == MediaItem.Kind.VIDEO:
        delete_files([face_crop_key(item.owner_id, pk) for pk in old.values_list("pk", flat=True)])
    removed, _ = old.delete()
    created = Face.objects.bulk_create(
        [
            Face(media=item, x=x, y=y, w=max(1, w), h=max(1, h), encoding=face_analysis.to_bytes(result.encoding))
            for result in results
            for x, y, w, h in [tuple(max(0, int(v)) for v in result.box)]
        ]
    )
    if any(face.pk is None for face in created):  # databases that do not return ids from bulk inserts
        created = list(Face.objects.filter(media=item).order_by("pk"))
    for face, result in zip(created, results):
        if result.crop:
            save_bytes(face_crop_key(item.owner_id, face.pk), result.crop)
    # People change only when faces were removed or a person was made: otherwise they stay tidy.
    if (created and faces_assign(item.owner_id, created)) or removed:
        people_tidy(item.owner_id)
    return created


def _owner_faces(owner_id, exclude=()):
    rows = Face.objects.filter(media__owner_id=owner_id).exclude(pk__in=exclude)
    rows = list(rows.values_list("pk", "media_id", "person_id", "w", "h", "encoding"))
    known = [_Known(pk, media_id, person_id, w * h) for pk, media_id, person_id, w, h, _ in rows]
    return known, face_analysis.matrix([row[5] for row in rows])


def faces_assign(owner_id, new_faces):
    """Give each new face the nearest person, or wait for enough similar faces to form one.
    Returns how many people it made."""
    made = 0
    known, encodings = _owner_faces(owner_id, exclude=[face.pk for face in new_faces])
    taken = defaultdict(set)  # media id -> people already in it: one face per person per photo
    for entry in known:
        if entry.person_id:
            taken[entry.media_id].add(entry.person_id)
    for face in sorted(new_faces, key=lambda f: f.w * f.h, reverse=True):
        encoding = face_analysis.from_bytes(face.encoding)
        distance = face_analysis.distances(encodings, encoding)
        person_id = None
        for index in np.argsort(distance):
            if distance[index] > SAME_PERSON:
                break
            entry = known[index]
            if entry.person_id and entry.person_id not in taken[face.media_id]:
                person_id = entry.person_id
                break
        members = [face.pk]
        if person_id is None:
            nearby = _waiting_nearby(known, distance, face.media_id)
            if len(nearby) + 1 >= PERSON_MIN_FACES:
                person_id = Person.objects.create(owner_id=owner_id).pk
                made += 1
                members += [entry.pk for entry in nearby]
                for entry in nearby:
                    entry.person_id = person_id
                    taken[entry.media_id].add(person_id)
        if person_id is not None:
            Face.objects.filter(pk__in=members).update(person_id=person_id)
            face.person_id = person_id
            taken[face.media_id].add(person_id)
        known.append(_Known(face.pk, face.media_id, person_id, face.w * face.h))
        encodings = np.vstack([encodings, encoding])
    return made


def _waiting_nearby(known, distance, media_id):
    """Unassigned faces within reach, the closest one per photo, none from `media_id`."""
    chosen = {}
    for index in np.argsort(distance):
        if distance[index] > SAME_PERSON:
            break
        entry = known[index]
        if entry.person_id is None and entry.media_id != media_id and entry.media_id not in chosen:
            chosen[entry.media_id] = entry
    return list(chosen.values())


def people_tidy(owner_id):
    """Drop unconfirmed people left without faces; give everyone a cover face of their own."""
    people = Person.objects.filter(owner_id=owner_id)
    empty = people.filter(confirmed=False).annotate(n=Count("faces")).filter(n=0).values_list("pk", flat=True)
    Person.objects.filter(pk__in=list(empty)).delete()
    for person in people.select_related("cover_face"):
        if person.cover_face is None or person.cover_face.person_id != person.pk:
            best = person.faces.order_by("media__kind", (F("w") * F("h")).desc(), "pk").first()
            Person.objects.filter(pk=person.pk).update(cover_face=best)


def people_recluster(owner_id):
    """Re-group all of one owner's faces (chinese whispers) and repair the assignment.

    Each group of similar faces goes to the person holding most of it; waiting faces and faces
    of people the owner has not confirmed move there, one face per photo. A group without a
    person becomes one when it spans PERSON_MIN_FACES photos. Confirmed people (named, merged
    or split by the owner) never lose faces. Returns counts of what changed.
    """
    counts = Counter()
    if not scope_granted(owner_id, FACES):
        raise ScopeNotGranted(FACES)
    # Grouping is the slow part: done before taking the consent lock, on a snapshot. Under the
    # lock, only faces that still exist are moved, from the person they have now.
    snapshot, encodings = _owner_faces(owner_id)
    labels = face_analysis.cluster(encodings)
    with scope_guard(owner_id, FACES):
        now = dict(Face.objects.filter(pk__in=[e.pk for e in snapshot]).values_list("pk", "person_id"))
        known, kept_labels = [], []
        for entry, label in zip(snapshot, labels):
            if entry.pk in now:
                entry.person_id = now[entry.pk]
                known.append(entry)
                kept_labels.append(label)
        if not known:
            return counts
        confirmed = set(Person.objects.filter(owner_id=owner_id, confirmed=True).values_list("pk", flat=True))
        named = set(Person.objects.filter(owner_id=owner_id).exclude(name="").values_list("pk", flat=True))
        groups = defaultdict(list)
        for entry, label in zip(known, kept_labels):
            groups[label].append(entry)
        media_of = defaultdict(set)
        for entry in known:
            if entry.person_id:
                media_of[entry.person_id].add(entry.media_id)
        for members in groups.values():
            held = Counter(entry.person_id for entry in members if entry.person_id)
            movable = [e for e in members if e.person_id is None or e.person_id not in confirmed]
            if held:
                target = max(held, key=lambda p: (held[p], p in confirmed, p in named, -p))
            else:
                photos = {e.media_id for e in movable}
                if len(photos) < PERSON_MIN_FACES:
                    continue
                target = Person.objects.create(owner_id=owner_id).pk
                counts["people_created"] += 1
            for entry in sorted(movable, key=lambda e: -e.area):
                if entry.person_id == target or entry.media_id in media_of[target]:
                    continue
                if entry.person_id:
                    media_of[entry.person_id].discard(entry.media_id)
                Face.objects.filter(pk=entry.pk).update(person_id=target)
                entry.person_id = target
                media_of[target].add(entry.media_id)
                counts["faces_moved"] += 1
        before = Person.objects.filter(owner_id=owner_id).count()
        people_tidy(owner_id)
        counts["people_removed"] = before - Person.objects.filter(owner_id=owner_id).count()
        library_changed(owner_id)
    return +counts


def person_update(person, *, name=UNSET, birthday=UNSET, hidden=UNSET):
    """Name a person, set or clear their birthday, hide or show them. Raises PeopleError."""
    changes = {"confirmed": True}
    if name is not UNSET:
        name = " ".join((name or "").split())
        if len(name) > Person._meta.get_field("name").max_length:
            raise PeopleError("A name can have at most 100 characters.")
        changes["name"] = name
    if birthday is not UNSET:
        if birthday and birthday > timezone.localdate():
            raise PeopleError("A birthday cannot be in the future.")
        changes["birthday"] = birthday or None
    if hidden is not UNSET:
        changes["hidden"] = bool(hidden)
    with _faces_guard(person.owner_id):
        if not Person.objects.filter(pk=person.pk).update(**changes):
            raise PeopleError("This person no longer exists.")
        library_changed(person.owner_id)
        people_changed.send(sender=Person, owner_id=person.owner_id)
    for key, value in changes.items():
        setattr(person, key, value)
    return person


def people_preference_set(owner_id, *, suggest_unnamed):
    """Let memories feature people the owner has not named (or stop them): the feed follows."""
    PeoplePreference.objects.update_or_create(owner_id=owner_id, defaults={"suggest_unnamed": bool(suggest_unnamed)})
    people_changed.send(sender=PeoplePreference, owner_id=owner_id)


def people_merge(target, source):
    """Make two people one: `source`'s faces join `target`, which keeps its name if it has one."""
    if target.owner_id != source.owner_id:
        raise PeopleError("These people cannot be merged.")
    if target.pk == source.pk:
        raise PeopleError("Choose two different people to merge.")
    with _faces_guard(target.owner_id):
        source = Person.objects.filter(pk=source.pk).first()
        if source is None or not Person.objects.filter(pk=target.pk).exists():
            raise PeopleError("This person no longer exists.")
        Face.objects.filter(person=source).update(person=target)
        changes = dict(
            confirmed=True,
            name=target.name or source.name,
            birthday=target.birthday or source.birthday,
            cover_face_id=target.cover_face_id or source.cover_face_id,
        )
        Person.objects.filter(pk=target.pk).update(**changes)
        source.delete()
        people_tidy(target.owner_id)
        library_changed(target.owner_id)
        people_changed.send(sender=Person, owner_id=target.owner_id)
    target.refresh_from_db()
    return target


def face_detach(face):
    """Take a wrongly grouped face out of its person: it becomes a person of its own, which the
    owner can name or merge, and which re-grouping never folds back. Returns that person."""
    owner_id = MediaItem.objects.filter(pk=face.media_id).values_list("owner_id", flat=True).first()
    if owner_id is None:
        raise PeopleError("This face no longer exists.")
    with _faces_guard(owner_id):
        if not Face.objects.filter(pk=face.pk).exists():
            raise PeopleError("This face no longer exists.")
        person = Person.objects.create(owner_id=owner_id, confirmed=True, cover_face_id=face.pk)
        Face.objects.filter(pk=face.pk).update(person=person)
        face.person = person
        people_tidy(owner_id)
        library_changed(owner_id)
        people_changed.send(sender=Person, owner_id=owner_id)
    return person


def people_recluster_if_allowed(user_id):
    """Re-group one person's faces when face recognition is in force for them."""
    try:
        return people_recluster(user_id)
    except ScopeNotGranted:
        return {}


def people_tidy_on(sender, owner_id, **kwargs):
    """Receiver of the library's media_deleted."""
    people_tidy(owner_id)
