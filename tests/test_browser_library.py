"""The library of a long camera roll in a real browser, desktop and phone: one seeded library of
3,000 rows over six years (small shared previews in the bucket), walked step by step with a
screenshot after each (test-artifacts/browser-library/<viewport>/)."""

import re

import pytest

from consent import scopes
from consent.models import Method
from consent.services import scopes_grant
from suggestions.models import MediaItem

from .factories import FaceFactory, PersonFactory, UserFactory
from .library_seed import library_seed, previews_store
from .services import ARTIFACTS
from .test_browser import PASSWORD, VIEWPORTS, Steps, chromium, no_sideways_scrolling  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.integration]
ROWS = 3000


def seeded_person(username):
    person = UserFactory(username=username, password=PASSWORD)
    scopes_grant(person, [scopes.LIBRARY, scopes.TIME, scopes.LOCATION, scopes.FACES],
                 notice_version=scopes.notice_version(), method=Method.WEB, biometric_confirmed=True)
    library_seed(person, ROWS, years=6, previews=previews_store(person.pk))
    anna = PersonFactory(owner=person, name="Anna")
    for item in MediaItem.objects.filter(owner=person, kind="photo").order_by("pk")[:: ROWS // 40][:40]:
        FaceFactory(media=item, person=anna)
    return person


def sign_in(steps, username):
    steps.go("/accounts/login/")
    steps.page.fill("input[name=username]", username)
    steps.page.fill("input[name=password]", PASSWORD)
    steps.page.click("button[type=submit]")
    steps.page.wait_for_url(re.compile(r"/$"))


def visible_tiles_decoded(steps):
    """Every preview in the first screen has decoded (the lazy ones below it need not)."""
    steps.page.wait_for_function(
        "() => { const seen = [...document.querySelectorAll('.tl-grid img')].filter(img => {"
        " const box = img.getBoundingClientRect(); return box.top < innerHeight && box.bottom > 0; });"
        " return seen.length > 0 && seen.every(img => img.complete && img.naturalWidth > 0); }"
    )


def open_the_timeline(steps):
    page = steps.page
    steps.go("/library/")
    visible_tiles_decoded(steps)
    heads = page.locator(".tl-day-head").all_inner_texts()
    assert heads[0].startswith("Uploaded "), heads[:3]  # the items without a capture time, by upload day
    assert re.fullmatch(r"\w+day \d{1,2} June 2025 · \S.*", heads[1]), heads[1]
    assert page.locator(".tl-grid img").first.get_attribute("loading") == "lazy"
    assert page.locator(".tile").count() == 120
    steps.shot("timeline")


def scroll_for_older(steps):
    page = steps.page
    for _ in range(3):
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function("n => document.querySelectorAll('.tile').length > n", arg=page.locator(".tile").count())
    ids = page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")
    assert len(ids) >= 480 and len(ids) == len(set(ids))
    days = page.eval_on_selector_all(".tl-day", "days => days.map(d => d.dataset.day)")
    assert len(days) == len(set(days)), "a day continued on the next page is shown once"
    steps.shot("scrolled-older")


def jump_three_years_back(steps, viewport):
    """Desktop: the month bar of June 2022; phone: the year 2022 (its newest month)."""
    page = steps.page
    page.evaluate("window.scrollTo(0, 0)")
    if viewport == "phone":
        link, month, title = page.locator(".scrub-year-link", has_text="2022"), "2022-12", "December 2022"
    else:
        link, month, title = page.get_by_role("link", name=re.compile(r"^June 2022, \d+ items?$")), "2022-06", "June 2022"
    link.click()
    page.wait_for_url(re.compile(rf"month={month}$"))
    page.wait_for_function("t => document.querySelector('.tl-month-head').textContent === t", arg=title)
    visible_tiles_decoded(steps)
    assert page.locator(".scrubber [aria-current]").first.is_visible()
    steps.shot("jumped-to-" + month)
    page.go_back()
    page.wait_for_function("() => document.querySelector('.tl-month-head').textContent === 'July 2025'")
    page.go_forward()
    page.wait_for_function("t => document.querySelector('.tl-month-head').textContent === t", arg=title)


def search_a_place_and_a_person(steps):
    page = steps.page
    page.fill("#search-q", "málaga 2023")
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"q=m%C3%A1laga\+2023"))
    heads = page.locator(".tl-day-head").all_inner_texts()
    assert heads and all("2023" in head and "Málaga" in head for head in heads), heads[:5]
    steps.shot("search-place")
    page.fill("#search-q", "ANNA blorp")
    page.press("#search-q", "Enter")
    assert page.locator(".search-said").inner_text() == "No match for ‘blorp’."
    assert page.locator(".tile").count() == MediaItem.objects.filter(faces__person__name="Anna").distinct().count() > 30
    steps.shot("search-person")


def plain_pages_without_javascript(chromium, viewport, base, folder, username):  # noqa: F811
    context = chromium.new_context(java_script_enabled=False, **VIEWPORTS[viewport])
    steps = Steps(context.new_page(), base, folder)
    steps.count = 50
    try:
        sign_in(steps, username)
        steps.go("/library/")
        first = steps.page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")
        steps.page.click("text=Older →")
        second = steps.page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")
        assert len(second) == 120 and not set(first) & set(second)
        assert steps.page.locator("text=↑ Newest").is_visible()
        steps.shot("no-javascript-older-page")
        steps.page.click(".scrub-year-link:has-text('2021')")
        assert steps.page.url.endswith("month=2021-12")
        assert steps.page.locator(".tl-month-head").first.inner_text() == "December 2021"
        steps.shot("no-javascript-scrubber")
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_long_library(viewport, chromium, live_server, bucket):  # noqa: F811
    folder = ARTIFACTS / "browser-library" / viewport
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    username = f"roll-{viewport}"
    seeded_person(username)
    context = chromium.new_context(**VIEWPORTS[viewport])
    steps = Steps(context.new_page(), live_server.url, folder)
    try:
        sign_in(steps, username)
        open_the_timeline(steps)
        no_sideways_scrolling(steps, viewport)
        scroll_for_older(steps)
        jump_three_years_back(steps, viewport)
        search_a_place_and_a_person(steps)
        plain_pages_without_javascript(chromium, viewport, live_server.url, folder, username)
    finally:
        context.close()
    assert not steps.problems, steps.problems
    assert not steps.layout, steps.layout
