"""A real browser (Debian's Chromium through Playwright) on the production engine, desktop and
phone: sign up, consent onboarding with every switch off, the faces confirmation, uploads with
progress bars, live processing state, revoke with its erasure. Each step is screenshotted into
test-artifacts/browser/<viewport>/ for the test log.

Later rounds add steps (the feed, naming a person, export, account deletion) to FLOW.
"""

import re
from pathlib import Path

import pytest

from suggestions.models import MediaItem, user_prefix

from .services import ARTIFACTS

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
    assert page.locator("#progress-list progress").count() == len(files)
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


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_person_signs_up_chooses_uploads_and_erases(viewport, chromium, live_server, worker, bucket, corpus):
    from django.contrib.auth import get_user_model

    folder = ARTIFACTS / "browser" / viewport
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    context = chromium.new_context(**VIEWPORTS[viewport])
    steps = Steps(context.new_page(), live_server.url, folder)
    try:
        username = f"browser-{viewport}"
        sign_up(steps, username)
        onboard_with_everything_off(steps)
        turn_on_library_and_faces(steps)
        files = [corpus / "exif" / "DSCN0025.jpg", corpus / "orientation" / "landscape_6.jpg", corpus / "heic" / "IMG_5195.HEIC"]
        upload_and_watch(steps, files)

        person = get_user_model().objects.get(username=username)
        assert MediaItem.objects.filter(owner=person, status="analyzed").count() == len(files)
        assert len(bucket.keys(user_prefix(person.pk) + "originals/")) == len(files)
        revoke_library(steps)
        assert not MediaItem.objects.filter(owner=person).exists()
        assert bucket.keys(user_prefix(person.pk)) == []
        if viewport == "phone":
            width = steps.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        assert steps.problems == [], steps.problems  # no script errors, no CSP violations
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
