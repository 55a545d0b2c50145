"""Every URL pattern of the project, walked by another person and by an anonymous client.

The patterns come from the URLconf, so a new page or API path is covered the day it is added.
Each parameter is filled with the victim's own ids, uuids and names; every method is tried; no
answer may carry the victim's data (marker strings, storage keys, file bytes), and afterwards
the victim's library, people, suggestions and consent are exactly as they were.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve
from django.urls.resolvers import RoutePattern, URLResolver

from consent import scopes
from consent.export import export_build, export_request
from consent.models import ConsentEvent, Grant
from rollweb.tokens import token_issue
from suggestions.models import Face, MediaItem, Person, Suggestion, SuggestionItem, Tombstone, user_prefix

from .conftest import grant, upload_and_analyze
from .factories import UserFactory

SECRET = "zq7victim"  # in every name the victim chose, so any page that shows one gives it away
FILE_TYPES = ("image/", "video/", "application/octet-stream", "application/zip")


@dataclass(frozen=True)
class Route:
    path: str  # the pattern as written, e.g. library/<int:pk>/thumbnail/<str:size>/
    callback: object
    regex: bool

    @property
    def is_admin(self):
        return self.path.startswith("admin/")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _text(entry.pattern))
        else:
            yield Route(prefix + _text(entry.pattern), entry.callback, not isinstance(entry.pattern, RoutePattern))


def _text(pattern):
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return text
    return text.removeprefix("^").removesuffix("$").removesuffix("\\Z")


ROUTES = list(_walk(get_resolver().url_patterns))

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>(?P<body>[^)]*)\)")


def candidates(converter, name, body, victim):
    """Values to try for one URL parameter: the victim's, wherever they could fit."""
    if converter == "uuid" or "uuid" in name:
        return victim.uuids
    if converter == "int" or name in ("pk", "id", "object_id", "content_type_id"):
        return victim.ints + (victim.uuids if converter == "path" else [])
    if name == "scope":
        return list(scopes.SCOPES)
    if name == "size":
        return ["small", "large"]
    if body and "|" in body:  # a regex alternative, e.g. the admin's app labels
        return body.split("|")
    return victim.strings


def instantiate(route, victim):
    """Every concrete path for `route` with the victim's values; each resolves to its view."""
    paths = [""]
    position = 0
    for match in PARAMETER.finditer(route.path):
        literal = route.path[position:match.start()]
        name = match.group("name") or match.group("group")
        values = candidates(match.group("converter"), name, match.group("body"), victim)
        paths = [f"{path}{literal}{value}" for path in paths for value in values]
        position = match.end()
    paths = ["/" + path + route.path[position:].replace("\\", "") for path in paths]
    resolved = []
    for path in paths:
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.func == route.callback or getattr(match.func, "view_class", None) is getattr(route.callback, "view_class", 0):
            resolved.append(path)
    return resolved


@dataclass
class Victim:
    user: object
    item: object
    ints: list
    uuids: list
    strings: list
    markers: list
    token: str

    def snapshot(self):
        owner = self.user
        return {
            "media": list(MediaItem.objects.filter(owner=owner).values_list("pk", "status", "original_name", "latitude")),
            "files": sorted(self.item.stored_files()),
            "people": list(Person.objects.filter(owner=owner).values_list("pk", "name", "birthday", "hidden")),
            "faces": list(Face.objects.filter(media__owner=owner).values_list("pk", "person")),
            "suggestions": list(Suggestion.objects.filter(owner=owner).values_list("pk", "state", "title")),
            "grants": sorted(Grant.objects.current().filter(record__user=owner).values_list("scope", flat=True)),
            "events": ConsentEvent.objects.filter(record__user=owner).count(),
            "user": get_user_model().objects.filter(pk=owner.pk).values_list("password", "is_active").first(),
        }


@pytest.fixture
def victim(db, corpus):
    person = UserFactory(username=f"{SECRET}-user", email=f"{SECRET}@example.org")
    grant(person, "library", "time", "location", "themes", scopes.FACES)
    item = upload_and_analyze(person, (corpus / "exif" / "DSCN0010.jpg").read_bytes(), name=f"{SECRET}-holiday.jpg")
    someone = Person.objects.create(owner=person, name=f"{SECRET} Aunt")
    face = Face.objects.create(media=item, person=someone, x=1, y=2, w=30, h=40, encoding=bytes(512))
    suggestion = Suggestion.objects.create(
        owner=person, kind="collage", title=f"{SECRET} summer", reason=f"{SECRET} reason", fingerprint="f" * 64,
        scopes_used=Suggestion.scopes_value(["library"]),
    )
    SuggestionItem.objects.create(suggestion=suggestion, media=item, position=0)
    Tombstone.objects.create(owner=person, sha256="e" * 64)
    token, token_key = token_issue(person, "victim's phone")
    export = export_build(export_request(person)[0].pk)
    record = person.consent_record
    ints = sorted({item.pk, someone.pk, face.pk, suggestion.pk, person.pk})
    grant_ids = [str(g.receipt_id) for g in Grant.objects.filter(record=record)]
    uuids = [str(export.pk), str(token.pk), str(record.pk), *grant_ids][:6]
    markers = [SECRET, item.sha256, user_prefix(person.pk), token_key, *item.stored_files()]
    return Victim(person, item, ints, uuids, [SECRET, item.sha256, "x"], markers, token_key)


def assert_nothing_of(victim, response, where, path=""):
    """The answer carries none of the victim's data (an echo of the requested path aside)."""
    assert response.status_code < 500, f"{where}: {response.status_code}"
    location = response.get("Location", "")
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.status_code == 200:
        assert not content_type.startswith(FILE_TYPES), f"{where}: served a file ({content_type})"
    text = body.decode("utf-8", "replace") + location
    for echo in filter(None, (path, quote(path), quote(path, safe=""))):
        text = text.replace(echo, "")
    for marker in victim.markers:
        assert marker not in text, f"{where}: the answer shows the victim's {marker!r}"


METHODS = ("get", "post", "put", "patch", "delete")


@pytest.mark.parametrize("route", ROUTES, ids=[route.path or "/" for route in ROUTES])
def test_no_route_reaches_another_persons_objects(route, victim, corpus):
    before = victim.snapshot()
    paths = instantiate(route, victim)
    assert paths, f"{route.path}: no path could be built; teach candidates() its parameters"
    intruder = UserFactory()
    grant(intruder, "library")
    for path in paths:
        for method in METHODS[:1] if route.is_admin else METHODS:
            for who, client in clients(intruder):
                response = getattr(client, method)(path)
                assert_nothing_of(victim, response, f"{who} {method.upper()} {path}", path)
    assert victim.snapshot() == before


def clients(intruder):
    """A fresh signed-in intruder (pages and API token) and an anonymous visitor."""
    if not get_user_model().objects.filter(pk=intruder.pk).exists():  # an account deletion path ran
        intruder.pk = None
        intruder.save()
    signed_in = Client()
    signed_in.force_login(intruder)
    _, key = token_issue(intruder, "intruder's phone")
    return [
        ("intruder", signed_in),
        ("api-intruder", Client(HTTP_AUTHORIZATION=f"Token {key}")),
        ("anonymous", Client()),
    ]


def test_the_walk_covers_the_item_pages_and_finds_their_owner(victim, corpus):
    """The walk can fail: the victim themself reaches what the intruder may not."""
    routes = {route.path: route for route in ROUTES}
    owner = Client()
    owner.force_login(victim.user)
    [page] = [p for p in instantiate(routes["library/<int:pk>/"], victim) if p == f"/library/{victim.item.pk}/"]
    assert SECRET in owner.get(page).content.decode()
    [original] = [p for p in instantiate(routes["library/<int:pk>/original/"], victim) if str(victim.item.pk) in p]
    response = owner.get(original)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with pytest.raises(AssertionError, match="served a file"):
        assert_nothing_of(victim, response, "owner")
