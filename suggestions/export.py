"""This app's part of a person's data export (items, people, suggestions, edits), registered with
consent at start-up.

Rows are serialised field by field (consent.export.fields_json), so fields added to the
models later are exported without touching this module; models of this app that are not
laid out below are exported whole under other/. Face signatures (encodings) are left out:
they are biometric data of whoever is pictured, usually not the person exporting, and mean
nothing outside rollweb's model. Each face's box and person are exported.
"""

from django.apps import apps

from consent.erasure import owner_path, user_rows
from consent.export import fields_json, safe_name
from rollweb.storage import typed_name

from .models import (
    Face, FewerKind, HiddenRange, MediaItem, PeoplePreference, Person, ProcessingRecord, Rendition, Suggestion,
    SuggestionItem, YearReviewRequest,
)

LAID_OUT = {
    MediaItem, ProcessingRecord, Face, Person, Suggestion, SuggestionItem, Rendition, PeoplePreference,
    YearReviewRequest, HiddenRange, FewerKind,
}
INTERNAL = ("owner", "lease_expires_at", "attempts")

README = """originals/
    Every photo and video you uploaded, byte for byte, under the name it had when uploaded
    (" (2)" is added when two files had the same name).
items/<id>.json
    One per photo or video: what rollweb found in it (capture time, place, picture measures,
    faces as boxes with the person they belong to), its processing record (what was done,
    when, under which consent) and the suggestions it is part of. Face signatures are not
    included: they are biometric data of the people pictured and only mean something to
    rollweb's face model.
people.json
    The people rollweb grouped faces into, with the names and birthdays you gave them.
suggestions.json and suggestions/
    Your suggestions (title, why it was made, its photos) and their rendered collages or videos.
choices.json
    What you chose about your suggestions: people featured less or never, days hidden, kinds you
    see fewer of, whether unnamed people may be featured, and the years you asked to see reviewed.
edits.json and edits/
    The edits you saved: each as a picture, and which photo and frame it was made from.
other/
    Anything else rollweb keeps for your library (your home area, hashes of files you deleted).
"""


def _other_models():
    return [
        model
        for model in apps.get_app_config("suggestions").get_models()
        if model not in LAID_OUT and owner_path(model) is not None
    ]


def count(user):
    return MediaItem.objects.filter(owner=user).count() + 5


def _item_json(item, original_path, suggestion_ids):
    data = fields_json(item, exclude=INTERNAL)
    data["original_file"] = original_path
    # As the camera's clock showed it; without a known UTC offset captured_at is that clock read as UTC.
    data["captured_local"] = item.captured_local
    data["faces"] = [{**fields_json(face, exclude=("media",)), "box": face.box} for face in item.faces.all()]
    data["processing_record"] = [fields_json(record, exclude=("media",)) for record in item.ledger.all()]
    data["suggestions"] = suggestion_ids
    return data


def _choices(user):
    def rows(model, *exclude):
        return [fields_json(row, exclude=INTERNAL + exclude) for row in model.objects.filter(owner=user)]

    return {
        "people_featured": [
            {"person": pk, "name": name, "feature": feature}
            for pk, name, feature in Person.objects.filter(owner=user).exclude(feature="").values_list("id", "name", "feature")
        ],
        "hidden_days": rows(HiddenRange),
        "fewer_of": rows(FewerKind),
        "people_preference": rows(PeoplePreference),
        "years_in_review_asked": rows(YearReviewRequest),
    }


def _write_edits(user, archive):
    saved = []
    for rendition in Rendition.objects.filter(owner=user).select_related("media").order_by("created_at", "id"):
        data = fields_json(rendition, exclude=INTERNAL)
        if rendition.file:
            data["file"] = archive.add_file(
                f"edits/{safe_name(rendition.download_name)}", rendition.file.name, rendition.bytes,
                rendition.created_at,
            )
        saved.append(data)
    archive.add_json("edits.json", saved)
    archive.advance()


def write(user, archive):
    memberships = {}
    for media_id, suggestion_id in SuggestionItem.objects.filter(media__owner=user).values_list(
        "media_id", "suggestion_id"
    ):
        memberships.setdefault(media_id, []).append(suggestion_id)
    items = MediaItem.objects.filter(owner=user).order_by("created_at", "id").prefetch_related("faces", "ledger")
    for item in items.iterator(chunk_size=100):
        path = archive.add_file(
            f"originals/{safe_name(typed_name(item.original_name, item.mime))}", item.original.name, item.bytes,
            item.created_at,
        )
        archive.add_json(f"items/{item.pk}.json", _item_json(item, path, memberships.get(item.pk, [])))
        archive.advance()

    people = []
    for person in Person.objects.filter(owner=user).prefetch_related("faces"):
        faces = list(person.faces.all())
        people.append(
            {
                **fields_json(person, exclude=INTERNAL),
                "face_count": len(faces),
                "media_ids": sorted({face.media_id for face in faces}),
            }
        )
    archive.add_json("people.json", people)
    archive.advance()

    suggestions = []
    for suggestion in Suggestion.objects.filter(owner=user).order_by("created_at", "id"):
        data = fields_json(suggestion, exclude=INTERNAL)
        data["media_ids"] = list(
            SuggestionItem.objects.filter(suggestion=suggestion).order_by("position").values_list("media_id", flat=True)
        )
        if suggestion.asset:
            extension = suggestion.asset.name.rsplit(".", 1)[-1]
            name = safe_name(f"{suggestion.pk} {suggestion.title}", fallback=str(suggestion.pk))
            data["asset_file"] = archive.add_file(
                f"suggestions/{name}.{extension}", suggestion.asset.name, modified=suggestion.created_at
            )
        suggestions.append(data)
    archive.add_json("suggestions.json", suggestions)
    archive.advance()

    archive.add_json("choices.json", _choices(user))
    archive.advance()

    _write_edits(user, archive)

    for model in _other_models():
        rows = [fields_json(row, exclude=INTERNAL) for row in user_rows(model, user.pk)]
        archive.add_json(f"other/{model._meta.model_name}.json", rows)
    archive.advance()
