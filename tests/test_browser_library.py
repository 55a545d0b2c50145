"""The library of a long camera roll in a real browser, desktop and phone: one seeded library of
3,000 rows over six years (small shared previews in the bucket), walked step by step with a
screenshot after each (test-artifacts/browser-library/<viewport>/)."""

import re

import pytest

from suggestions.models import MediaItem

from .library_seed import files_of_their_own
from .services import ARTIFACTS
from .test_browser import PASSWORD, VIEWPORTS, Steps, chromium, no_sideways_scrolling  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


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
        ids = steps.page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")
        steps.page.click(f".tile[data-id='{ids[1]}'] > a")
        assert steps.page.url.endswith(f"/library/{ids[1]}/")
        assert steps.page.get_attribute("a[rel=prev]", "href") == f"/library/{ids[0]}/"
        steps.page.click("a[rel=next]")
        assert steps.page.url.endswith(f"/library/{ids[2]}/"), "Older › is the next tile of the timeline"
        steps.shot("no-javascript-item-page")
        steps.page.go_back()
        steps.page.go_back()
        for pk in ids[3:5]:
            steps.page.check(f".tile[data-id='{pk}'] .pick input")
        steps.page.click("#select-form button[value=delete]")
        assert steps.page.locator("h1").inner_text() == "Delete these 2 items?"
        steps.shot("no-javascript-confirm-delete")
        steps.page.click("text=Keep them")
        assert steps.page.url.endswith("month=2021-12")
        assert MediaItem.objects.filter(pk__in=ids[3:5]).count() == 2
    finally:
        context.close()


def screen_shot(steps, name):
    """A screenshot of the screen as seen (the viewer covers it), not of the whole page."""
    steps.count += 1
    steps.page.screenshot(path=str(steps.folder / f"{steps.count:02d}-{name}.png"))


def small_controls(page, selector):
    """The visible controls under `selector` smaller than 44 × 44 px."""
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.offsetParent !== null).map(e => [e.getAttribute('aria-label') || e.textContent,"
        " e.getBoundingClientRect()]).filter(([, b]) => b.width < 44 || b.height < 44)"
        ".map(([name, b]) => `${name} ${Math.round(b.width)}×${Math.round(b.height)}`)",
    )


def swipe(page, selector, dx):
    page.evaluate(
        """([selector, dx]) => {
          const target = document.querySelector(selector);
          const at = x => [new Touch({identifier: 1, target, clientX: x, clientY: 400})];
          target.dispatchEvent(new TouchEvent('touchstart', {touches: at(250), changedTouches: at(250), bubbles: true}));
          target.dispatchEvent(new TouchEvent('touchend', {touches: [], changedTouches: at(250 + dx), bubbles: true}));
        }""",
        [selector, dx],
    )


def open_the_viewer_and_step_with_the_keyboard(steps, viewport):
    page = steps.page
    originals = []
    page.on("request", lambda request: "/original/" in request.url and originals.append(request.url))
    steps.go("/library/?month=2022-06")
    visible_tiles_decoded(steps)
    page.evaluate("window.scrollTo(0, 500)")
    ids = page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")
    files_of_their_own(MediaItem.objects.filter(pk=ids[5]))  # an original to show when asked
    page.focus(f".tile[data-id='{ids[4]}'] > a")
    scrolled = page.evaluate("window.scrollY")
    page.keyboard.press("Enter")
    viewer = page.get_by_role("dialog")
    viewer.wait_for()
    page.wait_for_url(re.compile(rf"/library/{ids[4]}/$"))
    page.wait_for_function("() => { const i = document.querySelector('.viewer-img'); return i.complete && i.naturalWidth > 0; }")
    assert page.get_attribute(".viewer-img", "src") == f"/library/{ids[4]}/thumbnail/large/", "the large preview first"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Close the viewer"
    assert not small_controls(page, ".viewer button"), small_controls(page, ".viewer button")
    screen_shot(steps, "viewer")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(rf"/library/{ids[6]}/$"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"/library/{ids[5]}/$"))
    if viewport == "phone":
        swipe(page, ".viewer-stage", -120)
        page.wait_for_url(re.compile(rf"/library/{ids[6]}/$"))
        swipe(page, ".viewer-stage", 120)
        page.wait_for_url(re.compile(rf"/library/{ids[5]}/$"))
    assert not originals, f"the original is fetched only when asked: {originals}"
    page.get_by_role("button", name=re.compile(r"^Show the original of ")).click()
    page.locator(".viewer-original", has_text="Showing the original").wait_for()
    assert page.get_attribute(".viewer-img", "src") == f"/library/{ids[5]}/original/"
    assert page.evaluate("document.querySelector('.viewer-img').naturalWidth") == 640
    page.get_by_role("button", name="What rollweb knows").click()
    panel = page.locator("#viewer-panel")
    panel.locator("text=What rollweb knows about this").wait_for()
    assert "Place" in panel.inner_text() and "IMG_" in page.locator(".viewer-title").inner_text()
    tree = viewer.aria_snapshot()
    for line in (f'dialog "{page.get_attribute(".viewer", "aria-label")}"', 'button "Close the viewer"',
                 'button "Newer item"', 'button "Older item"', 'button "What rollweb knows" [expanded]',
                 'region "What rollweb knows"'):
        assert line in tree, tree
    screen_shot(steps, "viewer-panel")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"/library/\?month=2022-06$"))
    assert viewer.is_hidden()
    assert page.evaluate("window.scrollY") == scrolled, "Esc (Back) returns to the same place in the timeline"
    assert page.evaluate("document.activeElement.closest('.tile').dataset.id") == ids[5]
    page.go_forward()
    viewer.wait_for()
    assert page.url.endswith(f"/library/{ids[5]}/")
    page.go_back()
    viewer.wait_for(state="hidden")
    assert page.evaluate("window.scrollY") == scrolled
    assert len(set(originals)) == 1, originals
    steps.shot("viewer-closed")


def keyboard_and_screen_reader(steps, viewport):
    """The scrubber and the grid by keyboard alone, and what a screen reader is told about them
    (on a phone the scrubber is a row of years)."""
    page = steps.page
    scrubber = page.locator("#scrubber").aria_snapshot()
    wanted = r'link "2022, \d+ items"' if viewport == "phone" else r'link "June 2022, \d+ items?"'
    assert 'navigation "Jump to a date"' in scrubber and re.search(wanted, scrubber), scrubber
    day = page.locator(".tl-day").first
    tree = day.aria_snapshot()
    assert re.search(r'region "\w+day \d+ June 2022, ', tree), tree
    assert re.search(r'link "(Video )?IMG_\d{5}\.(JPG|MOV)"', tree) and re.search(r'checkbox "Select IMG_\d{5}', tree), tree
    page.focus("#search-q")
    page.keyboard.press("Tab")  # past the search button
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Map of places"
    page.keyboard.press("Tab")  # to the link that skips the scrubber
    assert page.evaluate("document.activeElement.textContent") == "Skip to the photos"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.tile') !== null")
    page.keyboard.press("Tab")  # the tile's checkbox
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.keyboard.press("Space")
    assert page.locator("#select-count").inner_text() == "1 selected"
    page.keyboard.press("Escape")
    assert page.locator("#select-count").inner_text() == ""
    steps.shot("keyboard")


def select_and_delete_three(steps, viewport, bucket):
    page = steps.page
    steps.go("/library/")
    visible_tiles_decoded(steps)
    ids = [int(pk) for pk in page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")[:3]]
    names = files_of_their_own(MediaItem.objects.filter(pk__in=ids))
    assert set(names) <= set(bucket.keys("users/"))
    first, second, third = (page.locator(f".tile[data-id='{pk}']") for pk in ids)
    if viewport == "phone":  # a long press starts selecting; then a tap adds
        first.scroll_into_view_if_needed()  # a touch lands on what is on screen
        box = first.bounding_box()
        page.evaluate(
            """([x, y]) => { const t = document.elementFromPoint(x, y);
              const at = [new Touch({identifier: 2, target: t, clientX: x, clientY: y})];
              t.dispatchEvent(new TouchEvent('touchstart', {touches: at, changedTouches: at, bubbles: true}));
              window.setTimeout(() => t.dispatchEvent(new TouchEvent('touchend', {touches: [], changedTouches: at, bubbles: true})), 700);
            }""",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        page.locator("#select-count", has_text="1 selected").wait_for()
        page.wait_for_timeout(800)
        second.locator("a").tap()
        third.locator("a").tap()
    else:  # a click on the first checkbox, a shift-click on the third
        first.hover()
        first.locator(".pick input").click()
        third.hover()
        third.locator(".pick input").click(modifiers=["Shift"])
    page.locator("#select-count", has_text="3 selected").wait_for()
    assert page.locator(".tile.picked").count() == 3
    assert not small_controls(page, "#select-form button"), small_controls(page, "#select-form button")
    assert page.url.endswith("/library/"), "selecting opened nothing"
    screen_shot(steps, "selected-three")
    page.click("#select-form button[value=delete]")
    assert page.locator("h1").inner_text() == "Delete these 3 items?"
    assert page.locator(".confirm-grid img").count() == 3
    steps.shot("confirm-delete-three")
    page.click("button:has-text('Delete them')")
    page.wait_for_url(re.compile(r"/library/$"))
    assert "Deleted 3 items" in steps.message()
    assert not MediaItem.objects.filter(pk__in=ids).exists()
    assert not set(names) & set(bucket.keys("users/")), "their files left storage"
    shown = {int(pk) for pk in page.eval_on_selector_all(".tile", "tiles => tiles.map(t => t.dataset.id)")}
    assert not shown & set(ids)
    steps.shot("deleted-three")


def a_file_analysed_before_its_tile_is_drawn(steps, username):
    """The uploader's new file may be analysed before the page asks for its state: its tile comes
    with its preview, though no state is left to poll for."""
    page = steps.page
    steps.go("/library/")
    oldest = MediaItem.objects.filter(owner__username=username, status=MediaItem.Status.ANALYZED).order_by("captured_at")
    pk = oldest.values_list("pk", flat=True).first()
    assert page.locator(f".tile[data-id='{pk}']").count() == 0
    page.evaluate("pk => document.dispatchEvent(new CustomEvent('rollweb:uploaded', {detail: {id: pk}}))", pk)
    page.wait_for_function(
        "pk => { const img = document.querySelector(`#grid .tile[data-id='${pk}'][data-status=analyzed] img`);"
        " return img && img.complete && img.naturalWidth > 0; }",
        arg=pk, timeout=10_000,
    )
    steps.shot("analysed-before-drawn")


@pytest.mark.django_db(transaction=True)
def test_a_long_library(chromium, live_server, seeded_library, bucket):  # noqa: F811
    """Both viewports walk the one seeded library, each step screenshotted."""
    problems, layout = [], []
    for viewport in ("desktop", "phone"):
        folder = ARTIFACTS / "browser-library" / viewport
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        print(f"screenshots of the {viewport} walk: {folder}")
        context = chromium.new_context(**VIEWPORTS[viewport])
        steps = Steps(context.new_page(), live_server.url, folder)
        try:
            sign_in(steps, seeded_library.username)
            open_the_timeline(steps)
            no_sideways_scrolling(steps, viewport)
            scroll_for_older(steps)
            jump_three_years_back(steps, viewport)
            search_a_place_and_a_person(steps)
            open_the_viewer_and_step_with_the_keyboard(steps, viewport)
            no_sideways_scrolling(steps, viewport)
            keyboard_and_screen_reader(steps, viewport)
            select_and_delete_three(steps, viewport, bucket)
            no_sideways_scrolling(steps, viewport)
            a_file_analysed_before_its_tile_is_drawn(steps, seeded_library.username)
            plain_pages_without_javascript(chromium, viewport, live_server.url, folder, seeded_library.username)
        finally:
            context.close()
        problems += steps.problems
        layout += steps.layout
    assert not problems, problems
    assert not layout, layout


