"""Face, person and suggestion rows (with a rendered asset in storage) made directly, so the
privacy tests do not depend on the face detector or the suggestion generators."""

import struct

from consent import scopes
from rollweb.storage import save_bytes
from suggestions.models import Face, Person, Suggestion, SuggestionItem, derived_key

from .conftest import jpeg_bytes


def add_person_and_face(item, name="Ada", birthday=None):
    person = Person.objects.create(owner=item.owner, name=name, birthday=birthday)
    face = Face.objects.create(
        media=item, person=person, x=10, y=12, w=30, h=32, encoding=struct.pack("128f", *([0.25] * 128))
    )
    Person.objects.filter(pk=person.pk).update(cover_face=face)
    return person, face


def add_suggestion(owner, items, *scope_keys, title="A day out", kind="collage"):
    asset = save_bytes(derived_key(owner.pk, "renders", "jpg"), jpeg_bytes(size=(120, 90)))
    suggestion = Suggestion.objects.create(
        owner=owner,
        kind=kind,
        title=title,
        reason="Because these photos were taken together.",
        fingerprint=f"{kind}-{'-'.join(str(item.pk) for item in items)}-{'-'.join(scope_keys)}",
        scopes_used=Suggestion.scopes_value([scopes.LIBRARY, *scope_keys]),
        asset=asset,
        asset_mime="image/jpeg",
    )
    for position, item in enumerate(items):
        SuggestionItem.objects.create(suggestion=suggestion, media=item, position=position)
    return suggestion
