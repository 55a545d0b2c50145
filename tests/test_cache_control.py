"""Cache-Control: API answers are never stored, signed-in pages are private and revalidated,
previews and originals private for no longer than a signed URL lives."""

import pytest
from django.test import Client
from django.urls import reverse

from suggestions.models import MediaItem

from .test_api_parsing import api_paths, owner  # noqa: F401 (owner is a fixture)
from .test_isolation_walk import ROUTES, instantiate

FILE_TYPES = ("image/", "video/", "application/zip")


def is_file(response):
    return response.get("Content-Type", "").startswith(FILE_TYPES) or response.status_code == 302


def test_every_api_answer_is_no_store(owner):
    signed_in = Client(HTTP_AUTHORIZATION=f"Token {owner.key}")
    answers = 0
    for path in [*api_paths(owner), "/api/schema/", "/api/docs/", "/api/v1/nowhere/"]:
        for who, client in (("owner", signed_in), ("anonymous", Client())):
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                if is_file(response):
                    continue
                answers += 1
                assert response["Cache-Control"] == "no-store", f"{who} {method.upper()} {path}"
    assert answers > 60


def test_every_signed_in_page_is_private_and_revalidated(owner):
    browser = Client()
    browser.force_login(owner.user)
    pages = 0
    for route in ROUTES:
        if route.path.startswith(("api/", "accounts/logout", "admin/")):
            continue
        for path in instantiate(route, owner.ids):
            response = browser.get(path)
            if is_file(response) or response.status_code >= 400:
                continue
            pages += 1
            directives = {part.strip() for part in response["Cache-Control"].split(",")}
            assert {"private", "no-cache"} <= directives, f"{path}: {response['Cache-Control']}"
            assert "public" not in directives
    assert pages >= 8


def test_public_pages_are_left_as_django_makes_them(db):
    response = Client().get(reverse("home"))
    assert response.status_code == 200 and "private" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("seconds", [300, 45])
def test_previews_and_originals_live_no_longer_than_a_signed_url(owner, settings, seconds):
    settings.SIGNED_URL_SECONDS = seconds
    item = MediaItem.objects.get(owner=owner.user)
    browser = Client()
    browser.force_login(owner.user)
    phone = Client(HTTP_AUTHORIZATION=f"Token {owner.key}")
    answers = [
        browser.get(reverse("library:thumbnail", args=[item.pk, "small"])),
        browser.get(reverse("library:original", args=[item.pk])),
        phone.get(f"/api/v1/media/{item.pk}/thumbnail/"),
        phone.get(f"/api/v1/media/{item.pk}/original/"),
    ]
    for response in answers:
        assert response.status_code == 200
        assert response["Cache-Control"] == f"private, max-age={seconds}"
