"""Places: offline reverse geocoding of the GPS the location scope allows, and a home area."""

import pytest

from consent.services import scopes_revoke
from suggestions.analysis import location
from suggestions.library import stages
from suggestions.models import Home, MediaItem, ProcessingRecord

from .conftest import grant, upload_and_analyze

TUSCANY = ["exif/DSCN0010.jpg", "exif/DSCN0012.jpg", "exif/DSCN0021.jpg", "exif/DSCN0025.jpg"]


@pytest.mark.parametrize(
    "path, place, region, country",
    [
        ("exif/DSCN0010.jpg", "Arezzo", "Tuscany", "IT"),
        ("exif/iphone_hdr_YES.jpg", "", "Madrid", "ES"),
        ("heic/IMG_5195.HEIC", "", "Missouri", "US"),
    ],
)
def test_gps_becomes_a_place(user, corpus, manifest, path, place, region, country):
    grant(user, "library", "location")
    item = upload_and_analyze(user, corpus / path)
    assert item.latitude == pytest.approx(manifest[path]["lat"], abs=1e-6)
    assert item.country_code == country and item.region == region
    assert item.place and (not place or item.place == place)
    record = ProcessingRecord.objects.get(media=item, stage="places")
    assert record.outcome == "done" and item.place in record.detail
    assert record.scopes == ["library", "location"]


def test_no_gps_no_place(user, corpus):
    grant(user, "library", "location")
    item = upload_and_analyze(user, corpus / "faces/obama.jpg")
    assert (item.place, item.region, item.country_code) == ("", "", "")
    assert "no GPS coordinates" in ProcessingRecord.objects.get(media=item, stage="places").detail
    assert not Home.objects.filter(owner=user).exists()


def test_without_location_no_place_is_looked_up(user, corpus):
    grant(user, "library", "time")
    item = upload_and_analyze(user, corpus / "exif/DSCN0010.jpg")
    assert item.place == "" and item.latitude is None
    assert ProcessingRecord.objects.get(media=item, stage="places").outcome == "skipped"


def test_far_from_any_town_gives_no_place():
    assert location.place_of(-40.0, -30.0) is None  # the South Atlantic
    assert location.place_of(95.0, 0.0) is None
    assert str(location.place_of(43.4674, 11.8851)) == "Arezzo, Tuscany, Italy"


def test_home_is_the_most_frequent_place(user, other_user, corpus):
    grant(user, "library", "location")
    grant(other_user, "library", "location")
    for path in TUSCANY + ["exif/iphone_hdr_YES.jpg"]:
        upload_and_analyze(user, corpus / path)
    upload_and_analyze(other_user, corpus / "exif/iphone_hdr_YES.jpg")
    home = Home.objects.get(owner=user)
    assert (home.place, home.region, home.country_code) == ("Arezzo", "Tuscany", "IT")
    assert home.latitude == pytest.approx(43.467, abs=0.01) and home.longitude == pytest.approx(11.884, abs=0.01)
    assert Home.objects.get(owner=other_user).country_code == "ES"


def test_revoking_location_erases_places_home_and_what_the_ledger_said(user, corpus):
    grant(user, "library", "location", "time")
    for path in TUSCANY[:2]:
        upload_and_analyze(user, corpus / path)
    revocation = scopes_revoke(user, ["location"], method="web")
    assert dict(revocation.erased) == {"locations": 2, "places": 2, "homes": 1}
    assert not MediaItem.objects.filter(owner=user).exclude(place="", region="", country_code="").exists()
    assert not Home.objects.filter(owner=user).exists()
    for record in ProcessingRecord.objects.filter(media__owner=user, stage__in=["gps", "places"]):
        assert "Arezzo" not in record.detail and "43." not in record.detail
    # Time is another choice: untouched.
    assert MediaItem.objects.filter(owner=user, captured_at__isnull=False).count() == 2


def test_the_packed_table_answers_like_the_package(monkeypatch):
    import random

    import reverse_geocode

    random.seed(7)
    points = [(random.uniform(-60, 70), random.uniform(-180, 180)) for _ in range(300)]
    for latitude, longitude in points:
        ours, theirs = location._nearest(latitude, longitude), reverse_geocode.get((latitude, longitude))
        assert (ours["city"], ours["state"], ours["country_code"]) == (theirs["city"], theirs.get("state", ""), theirs["country_code"])
    assert location._load()  # packed, not the fallback
    monkeypatch.setattr(location, "_table", False)  # packing failed: the package answers itself
    assert str(location.place_of(43.4674, 11.8851)) == "Arezzo, Tuscany, Italy"


def test_an_item_that_loses_its_place_moves_the_home_and_one_without_a_place_leaves_it(user, corpus):
    grant(user, "library", "location")
    tuscany = [upload_and_analyze(user, corpus / path) for path in TUSCANY[:2]]
    upload_and_analyze(user, corpus / "exif/iphone_hdr_YES.jpg")
    assert Home.objects.get(owner=user).country_code == "IT"
    for item in tuscany:
        stages.write_places(item, stages.PlaceResult(located=False, place=None))
    home = Home.objects.get(owner=user)
    assert (home.region, home.country_code) == ("Madrid", "ES")
    upload_and_analyze(user, corpus / "faces/obama.jpg")
    assert Home.objects.get(owner=user).updated_at == home.updated_at
