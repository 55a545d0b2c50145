"""What a generator proposes: a suggestion not yet stored."""

import hashlib
from dataclasses import dataclass
from datetime import date

from consent.scopes import LIBRARY

from .text import reason_text


@dataclass(frozen=True)
class Draft:
    kind: str
    topic: str  # what it is about, stable while photos are added (a dismissed topic stays dismissed)
    title: str
    what: str  # the first half of the reason: what the photos are
    items: tuple  # media ids in display order
    scopes: frozenset  # every scope whose data shaped it
    criteria: tuple = ()  # what the photos were chosen for
    occasion: date | None = None

    @property
    def fingerprint(self):
        occasion = self.occasion.isoformat() if self.occasion else ""
        key = f"{self.kind}|{occasion}|{','.join(str(i) for i in sorted(self.items))}"
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def reason(self):
        return reason_text(self.what, self.criteria, self.scopes)


def draft(kind, topic, title, what, choice, scopes, occasion=None, order=None):
    """A Draft from a Choice, adding the scopes the choice itself used."""
    photos = order(choice.photos) if order else choice.photos
    return Draft(
        kind=kind,
        topic=topic,
        title=title,
        what=what,
        items=tuple(photo.id for photo in photos),
        scopes=frozenset({LIBRARY, *scopes, *choice.used}),
        criteria=choice.criteria,
        occasion=occasion,
    )
