"""The map of places in a real browser, desktop and phone, on the seeded long library
(tests/library_seed.py): open the map, zoom into a country by keyboard, follow a place's cluster to
its photos in the timeline, and the plain list without JavaScript. Screenshots after each step in
test-artifacts/browser-map/<viewport>/, their paths printed in the test log."""

import re

import pytest

from consent import scopes
from consent.models import Method
from consent.services import scopes_grant
from suggestions.models import MediaItem

from .factories import HomeFactory, UserFactory
from .library_seed import library_seed, previews_store
from .services import ARTIFACTS
from .test_browser import PASSWORD, VIEWPORTS, Steps, chromium, no_sideways_scrolling  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.integration]
ROWS = 3000


class LoggedSteps(Steps):
    def shot(self, name):
        super().shot(name)
        print(f"screenshot: {self.folder / f'{self.count:02d}-{name}.png'}")


def seeded_traveller(username):
    person = UserFactory(username=username, password=PASSWORD)
    scopes_grant(person, [scopes.LIBRARY, scopes.TIME, scopes.LOCATION], notice_version=scopes.notice_version(),
                 method=Method.WEB)
    library_seed(person, ROWS, years=6, previews=previews_store(person.pk))
    HomeFactory(owner=person, place="Arezzo", region="Tuscany", country_code="IT", latitude=43.46, longitude=11.88)
    return person


def sign_in(steps, username):
    steps.go("/accounts/login/")
    steps.page.fill("input[name=username]", username)
    steps.page.fill("input[name=password]", PASSWORD)
    steps.page.click("button[type=submit]")
    steps.page.wait_for_url(re.compile(r"/$"))


def open_the_map(steps, person):
    page = steps.page
    steps.go("/library/")
    page.get_by_role("link", name="Map of places").click()
    page.wait_for_url(re.compile(r"/library/map/$"))
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload(wait_until="networkidle")
    clusters = page.locator(".map-cluster")
    assert clusters.count() == 5  # Italy, Spain, Switzerland, France, Poland
    italy = MediaItem.objects.filter(owner=person, country_code="IT").count()
    assert page.get_by_role("link", name=f"Italy: {italy} items, your home area. Zoom in").is_visible()
    assert requests and all(url.startswith(steps.base) for url in requests), requests  # drawn from the page alone
    tree = page.locator("#map").aria_snapshot()
    assert "World map of your places" in tree and f"link \"Italy: {italy} items" in tree, tree
    steps.shot("world-map")


def zoom_into_italy_by_keyboard(steps):
    page = steps.page
    page.locator(".map-cluster[data-place='Italy']").focus()
    assert page.evaluate("document.activeElement.dataset.place") == "Italy"
    steps.shot("italy-focused")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?country=IT$"))
    places = page.locator(".map-cluster").evaluate_all("links => links.map(a => a.dataset.place)")
    assert sorted(places) == ["Arezzo", "Firenze"], places
    box = page.locator("#map").get_attribute("viewBox").split()
    assert float(box[2]) < 40, box  # zoomed in: degrees across, not the world's 360
    steps.shot("italy-zoomed")


def follow_a_cluster_to_its_photos(steps, person):
    page = steps.page
    arezzo = MediaItem.objects.filter(owner=person, place="Arezzo").count()
    cluster = page.get_by_role("link", name=re.compile(rf"^Arezzo, Tuscany: {arezzo} items, your home area$"))
    cluster.locator("circle").click()  # the circle itself (the link's box also spans its label)
    page.wait_for_url(re.compile(r"/library/\?q=Arezzo$"))
    page.wait_for_function(
        "() => { const seen = [...document.querySelectorAll('.tl-grid img')].filter(img => {"
        " const box = img.getBoundingClientRect(); return box.top < innerHeight && box.bottom > 0; });"
        " return seen.length > 0 && seen.every(img => img.complete && img.naturalWidth > 0); }"
    )
    assert page.locator("#search-q").input_value() == "Arezzo"
    heads = page.locator(".tl-day-head").all_inner_texts()
    assert heads and all(head.endswith("· Arezzo") for head in heads), heads[:5]
    shown = {int(pk) for pk in page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")}
    assert len(shown) == 120 and shown <= set(MediaItem.objects.filter(owner=person, place="Arezzo").values_list("pk", flat=True))
    steps.shot("arezzo-in-the-timeline")


def the_list_without_javascript(chromium, viewport, base, folder, username):  # noqa: F811
    context = chromium.new_context(java_script_enabled=False, **VIEWPORTS[viewport])
    steps = LoggedSteps(context.new_page(), base, folder)
    steps.count = 50
    try:
        sign_in(steps, username)
        steps.go("/library/map/")
        steps.page.locator("#map-list a", has_text="Málaga").click()
        assert steps.page.url.endswith("/library/?q=M%C3%A1laga")
        heads = steps.page.locator(".tl-day-head").all_inner_texts()
        assert heads and all(head.endswith("· Málaga") for head in heads), heads[:5]
        steps.shot("no-javascript-list-to-malaga")
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_the_map_of_places(viewport, chromium, live_server, bucket):  # noqa: F811
    folder = ARTIFACTS / "browser-map" / viewport
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    username = f"map-{viewport}"
    person = seeded_traveller(username)
    context = chromium.new_context(**VIEWPORTS[viewport])
    steps = LoggedSteps(context.new_page(), live_server.url, folder)
    try:
        sign_in(steps, username)
        open_the_map(steps, person)
        no_sideways_scrolling(steps, viewport)
        zoom_into_italy_by_keyboard(steps)
        no_sideways_scrolling(steps, viewport)
        follow_a_cluster_to_its_photos(steps, person)
        the_list_without_javascript(chromium, viewport, live_server.url, folder, username)
    finally:
        context.close()
    assert not steps.problems, steps.problems
    assert not steps.layout, steps.layout
