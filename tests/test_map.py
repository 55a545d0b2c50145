"""The map of places: counts per country and per place, zoom, consent gating, home marking, the
plain list without JavaScript, and clusters leading to the timeline's own place search."""

import re
from datetime import datetime
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from consent import scopes
from suggestions.library import places

from .conftest import grant
from .factories import HomeFactory, MediaItemFactory


def located(owner, place, region, country, lat, lon, n, **more):
    return [MediaItemFactory(owner=owner, place=place, region=region, country_code=country, latitude=lat,
                             longitude=lon, taken=datetime(2024, 5, 1 + i % 28, 12), **more) for i in range(n)]


@pytest.fixture
def travels(user, other_user):
    grant(user, scopes.LIBRARY, scopes.TIME, scopes.LOCATION)
    located(user, "Arezzo", "Tuscany", "IT", 43.4631, 11.8797, 4)
    located(user, "Firenze", "Tuscany", "IT", 43.7696, 11.2558, 2)
    located(user, "Málaga", "Andalucía", "ES", 36.7213, -4.4214, 3)
    MediaItemFactory(owner=user)  # no place: not on the map
    located(other_user, "Lyon", "Auvergne-Rhône-Alpes", "FR", 45.76, 4.84, 5)
    return user


def test_world_counts_one_cluster_per_country_busiest_first(api, travels):
    body = api.get("/api/v1/map/").json()
    assert [(c["label"], c["country_code"], c["count"]) for c in body["results"]] == [("Italy", "IT", 6),
                                                                                       ("Spain", "ES", 3)]
    italy = body["results"][0]
    assert (italy["lat"], italy["lon"]) == (43.6, 11.7)  # weighted by items, rounded to 0.1°
    assert italy["search"] == "Italy" and body["home_marked"] is False and body["country"] is None


def test_zooming_into_a_country_counts_its_places(api, travels):
    body = api.get("/api/v1/map/?country=it").json()
    assert body["country"] == "IT"
    assert [(c["label"], c["region"], c["count"], c["lat"], c["lon"], c["search"]) for c in body["results"]] == [
        ("Arezzo", "Tuscany", 4, 43.5, 11.9, "Arezzo"), ("Firenze", "Tuscany", 2, 43.8, 11.3, "Firenze")]


def test_another_persons_places_are_never_counted(other_api, other_user, travels):
    grant(other_user, scopes.LIBRARY, scopes.LOCATION)
    assert [(c["label"], c["count"]) for c in other_api.get("/api/v1/map/").json()["results"]] == [("France", 5)]
    assert other_api.get("/api/v1/map/?country=IT").json()["results"] == []


def test_a_bad_country_is_a_400(api, travels, client):
    assert api.get("/api/v1/map/?country=Italy").status_code == 400
    client.force_login(travels)
    assert client.get(reverse("library:map"), {"country": "I1"}).status_code == 400


def test_without_location_the_api_says_which_permission_it_needs(api, user):
    grant(user, scopes.LIBRARY, scopes.TIME)
    located(user, "Arezzo", "Tuscany", "IT", 43.46, 11.88, 2)
    response = api.get("/api/v1/map/")
    assert response.status_code == 403
    assert scopes.SCOPES[scopes.LOCATION].title in response.json()["detail"]


def test_without_location_the_page_says_which_permission_it_needs(client, user):
    grant(user, scopes.LIBRARY)
    located(user, "Arezzo", "Tuscany", "IT", 43.46, 11.88, 2)
    client.force_login(user)
    page = client.get(reverse("library:map")).content.decode()
    assert "The map needs a permission" in page and scopes.SCOPES[scopes.LOCATION].title in page
    assert "Arezzo" not in page and 'class="map-cluster' not in page


def test_the_map_needs_signing_in(client):
    response = client.get(reverse("library:map"))
    assert response.status_code == 302 and "login" in response["Location"]


def clusters_in(page):
    return [(unescape(m.group(1)), unescape(m.group(2)), int(m.group(3)))
            for m in re.finditer(r'<a class="map-cluster[^"]*" href="([^"]*)" data-count="\d+" data-place="([^"]*)"'
                                 r'\s+aria-label="[^"]*?: (\d+) item', page)]


def test_the_world_page_draws_offline_country_shapes_and_clusters_that_zoom(client, travels):
    client.force_login(travels)
    page = client.get(reverse("library:map")).content.decode()
    assert clusters_in(page) == [("?country=IT", "Italy", 6), ("?country=ES", "Spain", 3)]
    assert page.count("<path d=\"M") == len(places.world()["countries"]) >= 170
    assert "Natural Earth" in page
    # drawn from the page alone: no tiles, images or scripts fetched from another host
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


def tile_ids(page):
    return {int(pk) for pk in re.findall(r'<li class="tile" data-id="(\d+)"', page)}


def test_a_place_cluster_leads_to_its_photos_in_the_timeline(client, travels):
    client.force_login(travels)
    page = client.get(reverse("library:map"), {"country": "IT"}).content.decode()
    [(arezzo, label, count), _] = clusters_in(page)
    assert (label, count) == ("Arezzo", 4)
    url = urlparse(arezzo)
    assert url.path == reverse("library:index") and parse_qs(url.query) == {"q": ["Arezzo"]}
    timeline = client.get(arezzo).content.decode()
    assert tile_ids(timeline) == {item.pk for item in travels.media_items.filter(place="Arezzo")}
    assert 'aria-label="Arezzo, Tuscany: 4 items' in page  # what a screen reader says


def test_a_country_cluster_leads_to_the_countrys_photos(client, travels):
    client.force_login(travels)
    page = client.get(reverse("library:map")).content.decode()
    link = re.search(r'<a href="([^"]*)">see all in the timeline</a>', page).group(1)
    assert parse_qs(urlparse(unescape(link)).query) == {"q": ["Italy"]}
    shown = tile_ids(client.get(unescape(link)).content.decode())
    assert shown == {item.pk for item in travels.media_items.filter(country_code="IT")} and len(shown) == 6


def test_without_javascript_the_places_are_a_list_with_counts(client, travels):
    client.force_login(travels)
    page = client.get(reverse("library:map")).content.decode()
    listing = page[page.index('id="map-list"'):]
    found = re.findall(r'<a href="([^"]*)">([^<]+)</a>(?: <span class="muted">[^<]*</span>)? <span class="map-count">(\d+)',
                       listing)
    assert [(unescape(label), int(count)) for _, label, count in found] == [
        ("Arezzo", 4), ("Firenze", 2), ("Málaga", 3)]
    assert all(unescape(href).startswith("/library/?q=") for href, _, _ in found)


def test_home_is_marked_only_once_computed_and_only_on_its_cluster(client, api, travels):
    client.force_login(travels)
    assert "home area" not in client.get(reverse("library:map"), {"country": "IT"}).content.decode()
    assert api.get("/api/v1/map/").json()["home_marked"] is False
    HomeFactory(owner=travels, place="Arezzo", region="Tuscany", country_code="IT", latitude=43.46312, longitude=11.87974)
    zoomed = api.get("/api/v1/map/?country=IT").json()
    assert zoomed["home_marked"] is True
    assert [(c["label"], c["home"]) for c in zoomed["results"]] == [("Arezzo", True), ("Firenze", False)]
    page = client.get(reverse("library:map"), {"country": "IT"}).content.decode()
    assert "Arezzo, Tuscany: 4 items, your home area" in page
    assert "43.46312" not in page and "11.87974" not in page and "43.4631" not in page


def test_counts_follow_the_library(api, travels):
    assert api.get("/api/v1/map/?country=ES").json()["results"][0]["count"] == 3
    located(travels, "Málaga", "Andalucía", "ES", 36.7213, -4.4214, 2)
    assert api.get("/api/v1/map/?country=ES").json()["results"][0]["count"] == 5


def test_the_library_page_links_to_the_map(client, travels):
    client.force_login(travels)
    assert reverse("library:map") in client.get(reverse("library:index")).content.decode()
