"""The feed: `/` and /suggestions/ with cards, save / download / dismiss, “why this?”, empty states
that say which consent would add what, and 404 for another person's suggestion or its file."""

import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from PIL import Image

from consent.services import onboarding_finish
from suggestions.feed import render as feed_render
from suggestions.models import Suggestion, SuggestionItem

from .conftest import grant
from .crafted import pictured
from .factories import SuggestionFactory


def rendered(user, kind="event", count=3, **fields):
    """A stored suggestion with its photos and its rendered visual."""
    suggestion = SuggestionFactory(owner=user, kind=kind, **fields)
    for position in range(count):
        item = pictured(user, datetime(2024, 6, 15, 12) + timedelta(minutes=position))
        SuggestionItem.objects.create(suggestion=suggestion, media=item, position=position)
    feed_render.suggestion_render(suggestion.pk)
    suggestion.refresh_from_db()
    return suggestion


@pytest.fixture
def person(client, user):
    grant(user, "library", "time")
    client.force_login(user)
    return user


def test_home_is_the_feed_with_cards(client, person):
    suggestion = rendered(person, title="Brighton, 15 Jun 2024", reason="8 photos taken in Brighton. Uses your capture times.")
    page = client.get("/").content.decode()
    assert "Suggestions for you" in page and 'aria-current="page">Suggestions<' in page
    assert "Brighton, 15 Jun 2024" in page and "8 photos taken in Brighton" in page
    assert reverse("feed:asset", args=[suggestion.pk]) in page
    assert page.count(reverse("library:thumbnail", args=[suggestion.media.first().pk, "small"])) == 1
    assert reverse("feed:save", args=[suggestion.pk]) in page and reverse("feed:dismiss", args=[suggestion.pk]) in page
    assert "Why this?" in page and "Use when photos were taken" in page
    assert f'{reverse("feed:asset", args=[suggestion.pk])}?download=1' in page
    assert "<script" not in page.split("<footer")[0].split("</header>")[1]


def test_a_video_card_has_a_player(client, person):
    suggestion = rendered(person, kind="recap_video", count=2)
    page = client.get(reverse("feed:index")).content.decode()
    assert "<video" in page and f'src="{reverse("feed:asset", args=[suggestion.pk])}" type="video/mp4"' in page


def test_viewing_the_feed_marks_suggestions_seen(client, person):
    suggestion = rendered(person)
    assert "tag ok\">new" in client.get(reverse("feed:index")).content.decode()
    assert Suggestion.objects.get(pk=suggestion.pk).state == "seen"


def test_save_and_the_saved_filter(client, person):
    suggestion = rendered(person)
    other = rendered(person)
    response = client.post(reverse("feed:save", args=[suggestion.pk]), {"next": reverse("feed:index")})
    assert response.status_code == 302 and response["Location"] == reverse("feed:index")
    assert Suggestion.objects.get(pk=suggestion.pk).state == "saved"
    page = client.get(reverse("feed:index") + "?show=saved").content.decode()
    assert suggestion.title in page and other.title not in page


def test_dismiss_removes_it_and_its_file(client, person, private_storage, django_capture_on_commit_callbacks):
    suggestion = rendered(person)
    assert (private_storage / suggestion.asset.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feed:dismiss", args=[suggestion.pk]), {"next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("feed:index")  # never to another site
    assert Suggestion.objects.get(pk=suggestion.pk).state == "dismissed"
    assert not (private_storage / suggestion.asset.name).exists()
    assert f'id="suggestion-{suggestion.pk}"' not in client.get(reverse("feed:index")).content.decode()
    assert client.get(reverse("feed:detail", args=[suggestion.pk])).status_code == 404


def test_the_visual_and_its_download_carry_no_metadata(client, person):
    suggestion = rendered(person, title="Brighton, 15 Jun 2024")
    response = client.get(reverse("feed:asset", args=[suggestion.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG" and not image.getexif()
    download = client.get(reverse("feed:asset", args=[suggestion.pk]) + "?download=1")
    assert download["Content-Disposition"] == 'attachment; filename="brighton-15-jun-2024.jpg"'


def test_why_this_page(client, person):
    suggestion = rendered(person, reason="Photos from a day.", scopes_used=Suggestion.scopes_value(["library", "time"]))
    page = client.get(reverse("feed:detail", args=[suggestion.pk])).content.decode()
    assert "Photos from a day." in page and "Use when photos were taken" in page and "Keep my photos" in page


def test_a_card_waits_for_its_visual(client, person):
    SuggestionFactory(owner=person, title="Not drawn yet")
    page = client.get(reverse("feed:index")).content.decode()
    assert "Not drawn yet" in page and "is being made" in page


def test_empty_state_without_the_library(client, user):
    onboarding_finish(user)
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "No suggestions without your photos" in page and "Keep my photos and videos" in page


def test_empty_state_without_photos_and_what_each_permission_adds(client, person):
    page = client.get(reverse("feed:index")).content.decode()
    assert "No photos yet" in page
    assert "Use where photos were taken</strong> would add trips" in page
    assert "Recognise faces and group them into people</strong> would add birthdays" in page
    assert "Use when photos were taken</strong> would add" not in page  # already on


def test_empty_state_with_photos_but_nothing_to_suggest(client, person):
    pictured(person, datetime(2024, 6, 15, 12))
    page = client.get(reverse("feed:index")).content.decode()
    assert "Nothing to suggest yet" in page and "What each permission would add" in page


@pytest.mark.parametrize("name", ["feed:detail", "feed:asset", "feed:save", "feed:dismiss"])
def test_another_persons_suggestion_is_404(client, user, other_user, name):
    grant(other_user, "library", "time")
    theirs = rendered(other_user)
    client.force_login(user)
    url = reverse(name, args=[theirs.pk])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)
    assert Suggestion.objects.get(pk=theirs.pk).state == "new"


def test_another_persons_suggestion_is_not_in_the_feed(client, person, other_user):
    grant(other_user, "library", "time")
    theirs = rendered(other_user, title="Their day out")
    assert "Their day out" not in client.get(reverse("feed:index")).content.decode()
    assert theirs.pk


@pytest.mark.parametrize("name", ["feed:index", "feed:detail", "feed:asset"])
def test_anonymous_visitors_are_sent_to_sign_in(client, other_user, name):
    url = reverse(name) if name == "feed:index" else reverse(name, args=[SuggestionFactory(owner=other_user).pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
