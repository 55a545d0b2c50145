"""A real browser (Debian's Chromium through Playwright) on the production engine, desktop and
phone: sign up, consent onboarding with every switch off, the faces confirmation, uploads with
progress bars, live processing state, the feed with an edit suggestion (saving the edit, and a
share link opened by someone who is not signed in), naming a person, the export download, revoke
with its erasure, and account deletion. Each step is screenshotted into
test-artifacts/browser/<viewport>/ for the test log.
"""

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from suggestions.feed import services as feed
from suggestions.models import MediaItem, Person, Rendition, Suggestion, user_prefix

from .services import ARTIFACTS, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}
PASSWORD = "a long pass phrase for the browser 7"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Steps:
    """One person's visit, with a numbered screenshot after each step."""

    def __init__(self, page, base, folder):
        self.page, self.base, self.folder = page, base, folder
        self.count = 0
        self.problems = []
        self.layout = []  # pages that do not fit a phone's width
        page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.set_default_timeout(TIMEOUT_MS)

    def shot(self, name):
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)

    def go(self, path):
        self.page.goto(self.base + path)

    def message(self):
        return self.page.locator(".messages").inner_text()


def sign_up(steps, username):
    page = steps.page
    steps.go("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    steps.shot("signup")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/privacy/welcome/$"))


def onboard_with_everything_off(steps):
    page = steps.page
    switches = page.locator("input[name=scopes]")
    assert switches.count() == 6
    assert page.locator("input[name=scopes]:checked").count() == 0
    steps.shot("onboarding-all-off")
    page.click("button:has-text('Save my choices')")
    page.wait_for_url(re.compile(r"/$"))
    assert "Nothing is turned on" in steps.message()
    assert page.locator("text=Suggestions are made only from photos you keep on rollweb").is_visible()
    steps.shot("feed-nothing-on")
    page.goto(steps.base + "/library/")
    assert page.locator("text=Uploading is off").is_visible()
    steps.shot("nothing-on")


def turn_on(steps, title):
    steps.go("/privacy/")
    steps.page.click(f"button[aria-label='Turn on {title}']")


def turn_on_library_and_faces(steps):
    page = steps.page
    turn_on(steps, "Keep my photos and videos")
    page.wait_for_url(re.compile(r"/privacy/$"))
    assert "is on" in steps.message()
    turn_on(steps, "Recognise faces and group them into people")
    page.wait_for_url(re.compile(r"/privacy/faces/$"))
    for words in ("Purpose", "How long", "How to withdraw"):
        assert page.locator(f"dt:has-text('{words}')").is_visible()
    page.check("input[name=understood]")
    steps.shot("faces-confirmation")
    page.click("button:has-text('Turn on face recognition')")
    page.wait_for_url(re.compile(r"/privacy/$"))
    assert "Face recognition is on" in steps.message()
    steps.shot("faces-on")


def upload_and_watch(steps, files):
    page = steps.page
    steps.go("/library/")
    page.set_input_files("#file-input", [str(path) for path in files])
    rows = page.locator("#progress-list li")
    rows.first.wait_for()
    # Each file gets its row and progress bar as the uploader queues it (in IndexedDB, one by one).
    page.wait_for_function(
        "n => document.querySelectorAll('#progress-list progress').length === n", arg=len(files), timeout=10_000
    )
    steps.shot("uploading")
    page.wait_for_function(
        "n => document.querySelectorAll('#progress-list li.done').length === n", arg=len(files), timeout=TIMEOUT_MS
    )
    values = page.eval_on_selector_all("#progress-list progress", "bars => bars.map(bar => bar.value)")
    assert values == [100] * len(files)
    # Live state: the tiles turn to "done" and show their previews without a reload.
    page.wait_for_function(
        "n => document.querySelectorAll('#grid .tile[data-status=analyzed] img').length === n",
        arg=len(files), timeout=TIMEOUT_MS,
    )
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('#grid .tile img')].every(img => img.complete && img.naturalWidth > 0)",
            timeout=20_000,
        )
    except Exception:
        raise AssertionError(f"the previews did not load: {steps.problems}") from None
    steps.shot("analysed-live")


def revoke_library(steps):
    page = steps.page
    steps.go("/privacy/")
    page.click("button[aria-label='Turn off Keep my photos and videos']")
    page.wait_for_url(re.compile(r"/privacy/revoke/library/$"))
    steps.shot("revoke-confirmation")
    page.click("button:has-text('Turn off and erase')")
    page.wait_for_url(re.compile(r"/privacy/$"))
    assert "Erased:" in steps.message()
    steps.shot("erased")


def dark_copy(corpus, folder):
    """A real camera photo (EXIF and GPS kept), under-exposed: rollweb suggests an edit of it."""
    source = Image.open(corpus / "exif" / "DSCN0012.jpg")
    path = folder / "DSCN0012-dark.jpg"
    source.convert("RGB").point(lambda value: int(value * 0.35)).save(path, "JPEG", quality=90, exif=source.info["exif"])
    return path


def loaded(steps, selector, what, timeout=30_000):
    """Wait until every image matching `selector` has decoded (after scrolling it into view: lazy)."""
    page = steps.page
    images = page.locator(selector)
    images.first.wait_for()
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    try:
        page.wait_for_function(
            "s => { const all = [...document.querySelectorAll(s)];"
            " return all.length > 0 && all.every(img => img.complete && img.naturalWidth > 0); }",
            arg=selector, timeout=timeout,
        )
    except Exception:
        raise AssertionError(f"{what} did not load: {steps.problems}") from None


def see_the_feed(steps, person, dark):
    """The feed shows the edit of the dark photo, before and after, once the worker made it."""
    page = steps.page
    feed.suggestions_refresh(person.pk)  # what the worker runs after the analysis (debounced)
    edit = Suggestion.objects.get(owner=person, kind="edit", media=dark)
    wait_until(lambda: Suggestion.objects.filter(pk=edit.pk).exclude(asset="").exists(), 120,
               "the worker to render the edit", interval=0.3)
    steps.go("/suggestions/")
    card = page.locator(f"#suggestion-{edit.pk}")
    assert card.locator("h2").inner_text().startswith("Brighter")
    loaded(steps, f"#suggestion-{edit.pk} .before-after img", "the before and after pictures")
    sizes = page.eval_on_selector_all(
        f"#suggestion-{edit.pk} .before-after img", "imgs => imgs.map(img => [img.naturalWidth, img.naturalHeight])"
    )
    assert len(sizes) == 2 and all(width > 0 and height > 0 for width, height in sizes)
    assert card.locator("button:has-text('Save edit')").is_visible()
    steps.shot("feed")
    edit.refresh_from_db()
    after, before = steps.bucket.read(edit.asset.name), steps.bucket.read(dark.original.name)
    assert brightness(after) > brightness(before) + 0.1  # the edit shown is the brighter picture
    return edit


def brightness(data):
    grey = Image.open(io.BytesIO(data)).convert("L")
    return sum(count * value for value, count in enumerate(grey.histogram())) / (255 * grey.width * grey.height)


def save_the_edit(steps, edit, dark, bucket):
    """Save edit, in the square frame: a rendition made by the worker beside the unchanged original."""
    page = steps.page
    card = page.locator(f"#suggestion-{edit.pk}")
    card.locator("input[name=frame][value='1:1']").check()
    card.locator("button:has-text('Save edit')").click()
    page.wait_for_url(re.compile(r"/suggestions/"))
    assert "Saved the edit" in steps.message()
    rendition = Rendition.objects.get(suggestion=edit, frame="1:1")
    wait_until(lambda: Rendition.objects.get(pk=rendition.pk).state != "pending", 120,
               "the worker to make the saved edit", interval=0.3)
    rendition.refresh_from_db()
    assert rendition.state == "ready", rendition.failure_reason
    picture = Image.open(io.BytesIO(bucket.read(rendition.file.name)))
    assert picture.size == (rendition.width, rendition.height) and picture.width == picture.height
    assert bucket.read(dark.original.name) == steps.dark_bytes  # the original never changes
    steps.go(f"/library/{dark.pk}/")
    loaded(steps, "#edits img", "the saved edit")
    steps.shot("edit-saved")


def share_from_the_card(steps, edit, chromium, viewport):
    """Make a share link from the card; someone not signed in opens it and sees just the picture."""
    page = steps.page
    steps.go("/suggestions/")
    page.locator(f"#suggestion-{edit.pk} button:has-text('Make a share link')").click()
    page.locator("#share-url").wait_for()
    url = page.input_value("#share-url")
    assert re.fullmatch(re.escape(steps.base) + r"/s/[^/]+/", url), url
    steps.shot("share-link")
    viewer = chromium.new_context(**VIEWPORTS[viewport])
    try:
        visitor = Steps(viewer.new_page(), steps.base, steps.folder)
        visitor.count = steps.count
        response = visitor.page.goto(url)
        assert response.status == 200 and "noindex" in response.headers["x-robots-tag"]
        loaded(visitor, ".shared-asset img", "the shared picture")
        text = visitor.page.inner_text("body")
        assert edit.title not in text and "DSCN0012" not in text and "Arezzo" not in text
        assert visitor.page.locator("img:not(.brand img)").count() == 1  # nothing else of theirs
        source = visitor.page.get_attribute(".shared-asset img", "src")
        shared = viewer.request.get(steps.base + source)  # follows the redirect to the signed URL
        assert shared.ok and shared.body() == steps.bucket.read(edit.asset.name)  # exactly its asset
        assert b"Exif\x00\x00" not in shared.body()
        visitor.shot("share-link-opened")
        steps.count = visitor.count
        assert visitor.problems == [], visitor.problems
    finally:
        viewer.close()
    return url


def name_a_person(steps, person, name):
    page = steps.page
    steps.go("/people/")
    tiles = page.locator(".person-tile")
    assert tiles.count() == 1  # the two photos of one face
    loaded(steps, ".person-tile img", "the face")
    tiles.first.locator("a").click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    page.fill("input[name='person-name']", name)
    steps.shot("naming")
    page.locator("form:has(input[name='person-name']) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/people/\d+/$"))
    assert "Saved." in steps.message()
    assert page.locator("h1").inner_text().startswith(name)
    assert list(Person.objects.filter(owner=person).values_list("name", flat=True)) == [name]
    steps.go("/people/")
    assert page.locator(".person-tile .name").inner_text() == name
    steps.shot("named")


def download_the_export(steps, ids, names, person_name):
    page = steps.page
    steps.go("/privacy/")
    page.click("button:has-text('Prepare an export')")
    page.wait_for_url(re.compile(r"/privacy/export/[0-9a-f-]+/$"))
    download_link = page.locator("a:has-text('Download the zip')")
    download_link.wait_for(timeout=180_000)  # the page refreshes itself while the worker builds it
    steps.shot("export-ready")
    with page.expect_download() as started:
        download_link.click()
    download = started.value
    assert re.fullmatch(r"rollweb-export-\d{8}-\d{4}\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(download.path())
    assert archive.testzip() is None
    listed = set(archive.namelist())
    assert {f"originals/{name}" for name in names} <= listed
    assert {f"items/{pk}.json" for pk in ids} <= listed
    assert archive.read("originals/DSCN0012-dark.jpg") == steps.dark_bytes
    assert [entry["name"] for entry in json.loads(archive.read("people.json"))] == [person_name]
    assert any(name.startswith("edits/") for name in listed)  # the saved edit
    steps.shot("export-downloaded")


def delete_the_account(steps):
    page = steps.page
    steps.go("/privacy/")
    page.click("a:has-text('Delete my account')")
    page.wait_for_url(re.compile(r"/privacy/account/delete/$"))
    page.fill("input[name=password]", PASSWORD)
    steps.shot("account-delete")
    page.click("button:has-text('Delete my account and all my data')")
    page.locator("h1:has-text('Your account is deleted')").wait_for()
    assert "Erased:" in page.inner_text("body")
    steps.shot("account-deleted")
    steps.go("/library/")
    page.wait_for_url(re.compile(r"/accounts/login/"))  # signed out


def no_sideways_scrolling(steps, viewport):
    """On a phone, note a page that scrolls sideways (asserted at the end, so the flow goes on)."""
    if viewport == "phone":
        width = steps.page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            widest = steps.page.evaluate(
                "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391"
                " && e.parentElement.getBoundingClientRect().right <= 391).map(e => `${e.tagName.toLowerCase()}."
                "${e.className} (${Math.round(e.getBoundingClientRect().width)} px wide)`)"
            )
            steps.layout.append(f"{steps.page.url} scrolls sideways on a phone ({width} px): {widest} overflows")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_person_signs_up_chooses_uploads_and_erases(viewport, chromium, live_server, worker, bucket, corpus, tmp_path):
    from django.contrib.auth import get_user_model

    folder = ARTIFACTS / "browser" / viewport
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    context = chromium.new_context(**VIEWPORTS[viewport])
    steps = Steps(context.new_page(), live_server.url, folder)
    steps.bucket = bucket
    try:
        username = f"browser-{viewport}"
        sign_up(steps, username)
        onboard_with_everything_off(steps)
        turn_on_library_and_faces(steps)
        for title in ("Use when photos were taken", "Understand what is in photos"):  # edits are of events' best
            turn_on(steps, title)
            steps.page.wait_for_url(re.compile(r"/privacy/$"))
        dark = dark_copy(corpus, tmp_path)
        steps.dark_bytes = dark.read_bytes()
        files = [dark, corpus / "orientation" / "landscape_6.jpg", corpus / "heic" / "IMG_5195.HEIC",
                 corpus / "faces" / "obama.jpg", corpus / "faces" / "obama2.jpg"]
        upload_and_watch(steps, files)

        person = get_user_model().objects.get(username=username)
        assert MediaItem.objects.filter(owner=person, status="analyzed").count() == len(files)
        assert len(bucket.keys(user_prefix(person.pk) + "originals/")) == len(files)
        ids = sorted(MediaItem.objects.filter(owner=person).values_list("pk", flat=True))
        dark_item = MediaItem.objects.get(owner=person, original_name=dark.name)

        edit = see_the_feed(steps, person, dark_item)
        no_sideways_scrolling(steps, viewport)
        save_the_edit(steps, edit, dark_item, bucket)
        share_url = share_from_the_card(steps, Suggestion.objects.get(pk=edit.pk), chromium, viewport)
        name_a_person(steps, person, "Barack")
        no_sideways_scrolling(steps, viewport)
        download_the_export(steps, ids, [path.name for path in files], "Barack")

        revoke_library(steps)
        assert not MediaItem.objects.filter(owner=person).exists()
        assert bucket.keys(user_prefix(person.pk)) == []
        no_sideways_scrolling(steps, viewport)
        stranger = chromium.new_context()
        try:
            assert stranger.request.get(share_url).status == 404  # revoking library ends the link
        finally:
            stranger.close()

        # Back again with one photo, then the account goes, with everything in it.
        turn_on(steps, "Keep my photos and videos")
        steps.page.wait_for_url(re.compile(r"/privacy/$"))
        upload_and_watch(steps, [corpus / "exif" / "DSCN0025.jpg"])
        assert len(bucket.keys(user_prefix(person.pk))) == 3  # the original and its two previews
        delete_the_account(steps)
        assert not get_user_model().objects.filter(username=username).exists()
        assert bucket.keys(user_prefix(person.pk)) == []
        assert steps.problems == [], steps.problems  # no script errors, no CSP violations
        assert steps.layout == [], steps.layout
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_devices_are_listed_and_signed_out_and_the_api_docs_keep_to_the_policy(
    viewport, chromium, live_server, transactional_db
):
    """The privacy centre's devices on a desktop and a phone screen (one signed out by its button),
    and Swagger UI drawn with no Content Security Policy violation."""
    from rollweb.models import ApiToken
    from rollweb.tokens import token_issue

    from .factories import UserFactory

    folder = ARTIFACTS / "browser" / viewport
    folder.mkdir(parents=True, exist_ok=True)
    person = UserFactory(username=f"devices-{viewport}")
    person.set_password(PASSWORD)
    person.save()
    for name in ("Anna's Pixel 8 Pro", "iPad (kitchen)"):
        token_issue(person, name)
    context = chromium.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", person.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/privacy/#devices")
        devices = page.locator("#devices")
        assert "iPad (kitchen)" in devices.inner_text() and "Anna's Pixel 8 Pro" in devices.inner_text()
        devices.screenshot(path=str(folder / "devices.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["viewport"]["width"]
        devices.locator("tr", has_text="iPad (kitchen)").get_by_role("button", name=re.compile("Sign out")).click()
        page.wait_for_url(re.compile(r"/privacy/"))
        assert list(ApiToken.objects.filter(user=person).values_list("device_name", flat=True)) == ["Anna's Pixel 8 Pro"]
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=TIMEOUT_MS)
        page.screenshot(path=str(folder / "api-docs.png"))
        assert not [text for text in problems if "Content Security Policy" in text], problems
    finally:
        context.close()
