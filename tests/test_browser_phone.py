"""rollweb on a phone, in Chromium with a phone's viewport and touch: the app installs (the
manifest parses, the service worker activates) and its cache holds only the allowlist after
every kind of page; every tap target of the library, feed and item page is at least 44 × 44 px
with nothing scrolling sideways; photos shared from the gallery while signed out arrive after
signing in and giving consent; a 30 MB video survives a lost connection without sending again
what the server had; refused files say why. Screenshots: test-artifacts/browser-phone/."""

import hashlib
import io
import json
import random
import re
from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from consent import scopes
from consent.models import Method
from consent.services import scopes_grant, scopes_revoke
from suggestions.models import ChunkedUpload, MediaItem, Suggestion, SuggestionItem, user_prefix

from .factories import SuggestionFactory, UserFactory
from .library_seed import library_seed, previews_store
from .services import ARTIFACTS, wait_until
from .test_browser import PASSWORD, TIMEOUT_MS, VIEWPORTS, Steps, chromium  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.integration]
PHONE = VIEWPORTS["phone"]
DESKTOP = VIEWPORTS["desktop"]
ALLOWED = re.compile(r"^(/static/.+|/manifest\.webmanifest|/offline/)$")
# What a thumb can tap: the 44 × 44 px rule applies to each of these that is shown.
TAPPABLE = ("a[href], button, input:not([type=hidden]), select, textarea, summary, label.button, [role=button], "
            "[tabindex]:not([tabindex='-1'])")
# A checkbox or radio wrapped in its label is tapped through the label: the label's box is its target.
SMALL_TARGETS = """sel => [...document.querySelectorAll(sel)].filter(el => {
    const box = (el.matches('[type=checkbox], [type=radio]') && el.closest('label') || el).getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || el.closest('.visually-hidden')) return false;
    if (box.right <= 0 || box.left >= innerWidth) return false;  // off screen until focused (the skip link)
    return box.width < 44 || box.height < 44;
  }).map(el => `${el.tagName.toLowerCase()}.${el.className} “${(el.innerText || el.value || el.name || '').trim()
    .slice(0, 30)}” ${Math.round(el.getBoundingClientRect().width)}×${Math.round(el.getBoundingClientRect().height)}`)"""


@contextmanager
def visit(chromium, base, name, viewport=PHONE):
    """A fresh browser context on a phone; a screenshot named "failure" when a step fails."""
    context = chromium.new_context(**viewport)
    steps = Steps(context.new_page(), base, folder_for(name))
    steps.context = context
    try:
        yield steps
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()


def folder_for(name):
    folder = ARTIFACTS / "browser-phone" / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def person_with(username, *keys):
    person = UserFactory(username=username, password=PASSWORD)
    if keys:
        scopes_grant(person, list(keys), notice_version=scopes.notice_version(), method=Method.WEB)
    return person


def sign_in(steps, username, expect=r"/$"):
    steps.page.fill("input[name=username]", username)
    steps.page.fill("input[name=password]", PASSWORD)
    steps.page.click("button[type=submit]")
    steps.page.wait_for_url(re.compile(expect))


def jpeg(seed, size=(640, 480)):
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    image.paste(tuple(rng.randrange(256) for _ in range(3)), (40, 40, 300, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def worker_ready(page):
    """The service worker is active and controls the page (reloading once if it took over late)."""
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then(r => r.active.state === 'activated')", polling=200
    )
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


def seeded(username):
    """A person with a small library (shared previews in the bucket) and two suggestions, one with a collage."""
    person = person_with(username, scopes.LIBRARY, scopes.TIME, scopes.LOCATION)
    library_seed(person, 40, years=1, previews=previews_store(person.pk))
    items = list(MediaItem.objects.filter(owner=person).order_by("pk"))
    collage = f"{user_prefix(person.pk)}assets/collage-test.jpg"
    default_storage.save(collage, ContentFile(jpeg(3, (1080, 1080))))
    for n, with_asset in enumerate((True, False)):
        suggestion = SuggestionFactory(owner=person, kind="collage", title=f"A weekend in Lisbon {n}",
                                       asset=collage if with_asset else "", asset_mime="image/jpeg" if with_asset else "")
        SuggestionItem.objects.bulk_create(
            [SuggestionItem(suggestion=suggestion, media=item, position=p) for p, item in enumerate(items[n * 4:n * 4 + 4])]
        )
    return person, items


def test_the_app_installs_and_its_cache_keeps_only_the_allowlist(chromium, live_server, transactional_db, bucket):
    person, items = seeded("installer")
    suggestion = Suggestion.objects.filter(owner=person).exclude(asset="").first()
    with visit(chromium, live_server.url, "install") as steps:
        context = steps.context
        steps.go("/")
        worker_ready(steps.page)
        cdp = context.new_cdp_session(steps.page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [], manifest["errors"]
        assert manifest["url"].endswith("/manifest.webmanifest")
        installability = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        # Playwright's contexts are incognito, where Chromium installs nothing; every other criterion is met.
        assert [error["errorId"] for error in installability] in ([], ["in-incognito"]), installability
        steps.shot("landing")
        for path in ("/accounts/login/", "/accounts/signup/", "/offline/"):
            steps.go(path)
        steps.go("/accounts/login/")
        sign_in(steps, "installer")
        pages = ["/", "/library/", f"/library/{items[1].pk}/", "/suggestions/", f"/suggestions/{suggestion.pk}/",
                 "/people/", "/privacy/", "/privacy/receipt/"]
        for path in pages:
            steps.go(path)
            steps.page.wait_for_load_state("load")
        steps.shot("item-page")
        # Files and API answers fetched the way the pages' scripts do.
        for path in (f"/library/{items[1].pk}/thumbnail/large/", f"/library/{items[1].pk}/original/",
                     f"/suggestions/{suggestion.pk}/asset/", "/api/v1/media/", "/api/v1/suggestions/",
                     f"/library/status/?ids={items[1].pk}"):
            steps.page.evaluate("p => fetch(p, {credentials: 'same-origin', redirect: 'manual'}).then(r => r.status).catch(() => 0)", path)
        keys = steps.page.evaluate(
            "async () => { const out = {}; for (const name of await caches.keys()) {"
            " out[name] = (await (await caches.open(name)).keys()).map(r => new URL(r.url).pathname + new URL(r.url).search); }"
            " return out; }"
        )
        paths = [path for names in keys.values() for path in names]
        assert "/offline/" in paths and "/manifest.webmanifest" in paths and any("/static/css/" in p for p in paths)
        outside = [path for path in paths if not ALLOWED.match(path)]
        assert outside == [], outside
        # Offline, a page the cache does not hold is the offline page.
        context.set_offline(True)
        steps.go("/library/")
        assert steps.page.locator("h1").inner_text() == "You are offline"
        steps.shot("offline")
        context.set_offline(False)
        assert steps.problems == [], steps.problems


def small_targets_and_width(steps, within=""):
    found = steps.page.evaluate(SMALL_TARGETS, ", ".join(f"{within} {kind}".strip() for kind in TAPPABLE.split(", ")))
    width = steps.page.evaluate("document.documentElement.scrollWidth")
    return found, width


def test_every_tap_target_is_a_thumb_wide_and_nothing_scrolls_sideways(chromium, live_server, transactional_db, bucket):
    person, items = seeded("thumb")
    pages = (("library", "/library/"), ("feed", "/suggestions/"), ("item", f"/library/{items[1].pk}/"))
    with visit(chromium, live_server.url, "thumb") as steps:
        steps.go("/accounts/login/")
        sign_in(steps, "thumb")
        problems = {}
        for name, path in pages:
            steps.go(path)
            steps.page.wait_for_load_state("load")
            for details in steps.page.locator("details").all():
                details.evaluate("el => el.open = true")
            steps.shot(name)
            small, width = small_targets_and_width(steps)
            if small or width > 390:
                problems[path] = {"small": small, "scroll_width": width}
        # The viewer, over the library.
        steps.go("/library/")
        steps.page.locator(".tile > a").first.click()
        steps.page.get_by_role("dialog").wait_for()
        steps.shot("viewer")
        small, width = small_targets_and_width(steps, within=".viewer")  # what is behind it can't be tapped
        if small or width > 390:
            problems["viewer"] = {"small": small, "scroll_width": width}
        assert problems == {}, "\n" + json.dumps(problems, indent=1, ensure_ascii=False)
        steps.go("/suggestions/")
        for card in steps.page.locator("article.suggestion").all():
            box = card.bounding_box()
            assert box["x"] <= 16 and box["width"] >= 390 - 2 * 16, box  # full width inside the page's margins
            for action in ("Save", "Dismiss"):
                button = card.locator(f"button:has-text('{action}')").bounding_box()
                assert 0 <= button["x"] and button["x"] + button["width"] <= 390, (action, button)
        assert steps.problems == [], steps.problems
    # The same pages on a desktop, for the screenshots.
    with visit(chromium, live_server.url, "thumb-desktop", DESKTOP) as steps:
        steps.go("/accounts/login/")
        sign_in(steps, "thumb")
        for name, path in pages:
            steps.go(path)
            steps.shot(name)
        assert steps.problems == [], steps.problems


def share(steps, files):
    """What the phone's share sheet does: a multipart POST of the files to the manifest's share_target."""
    steps.page.evaluate(
        "() => { const f = document.createElement('form'); f.id = 'share-sheet'; f.method = 'post';"
        " f.action = '/share-target/'; f.enctype = 'multipart/form-data';"
        " f.innerHTML = '<input type=file name=files multiple>'; document.body.append(f); }"
    )
    steps.page.set_input_files("#share-sheet input", files)
    steps.page.evaluate("() => document.getElementById('share-sheet').submit()")


def test_photos_shared_while_signed_out_arrive_after_sign_in_and_consent(chromium, live_server, transactional_db, bucket):
    person = person_with("sharer")
    photos = [{"name": f"IMG_{n}.JPG", "mimeType": "image/jpeg", "buffer": jpeg(n)} for n in range(3)]
    with visit(chromium, live_server.url, "share") as steps:
        steps.go("/accounts/login/")
        worker_ready(steps.page)
        share(steps, photos)
        steps.page.wait_for_url(re.compile(r"/accounts/login/\?next=/library/%3Fshared%3D3$"))
        steps.shot("sign-in-first")
        sign_in(steps, "sharer", expect=r"/library/\?shared=3$")
        rows = steps.page.locator("#progress-list li")
        rows.nth(2).wait_for()
        assert rows.count() == 3
        assert all("turn on “Keep my photos and videos”" in text for text in rows.all_inner_texts())
        steps.shot("asked-for-consent")
        assert not MediaItem.objects.filter(owner=person).exists() and not ChunkedUpload.objects.exists()
        steps.page.click("#consent-ask button[type=submit]")
        steps.page.wait_for_url(re.compile(r"/library/$"))
        steps.page.wait_for_function("() => document.querySelectorAll('#progress-list li.done').length === 3")
        steps.shot("uploaded")
        kept = MediaItem.objects.filter(owner=person)
        assert sorted(kept.values_list("original_name", flat=True)) == [p["name"] for p in photos]
        assert {item.sha256 for item in kept} == {hashlib.sha256(p["buffer"]).hexdigest() for p in photos}
        assert len(bucket.keys(user_prefix(person.pk) + "originals/")) == 3
        assert steps.page.evaluate("() => RollwebQueue.all().then(entries => entries.length)") == 0
        assert steps.problems == [], steps.problems


def video_bytes(size):
    """An MP4 as far as its type goes (an ftyp box), then `size` bytes of noise."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    mdat = (size - len(head)).to_bytes(4, "big") + b"mdat"
    return head + mdat + random.Random(30).randbytes(size - len(head) - len(mdat))


def test_a_video_upload_survives_a_lost_connection_without_sending_twice(
    chromium, live_server, transactional_db, bucket, settings, tmp_path
):
    settings.UPLOAD_CHUNK_BYTES = 5 * 1024 * 1024
    person = person_with("traveller", scopes.LIBRARY)
    video = tmp_path / "VID_0001.MP4"
    video.write_bytes(video_bytes(30 * 1024 * 1024))
    digest = hashlib.sha256(video.read_bytes()).hexdigest()
    lost = []

    def drop_the_connection(route):
        # Halfway (chunk 3 of 6): the train enters a tunnel.
        lost.append(route.request.url)
        context.set_offline(True)
        route.abort("internetdisconnected")

    with visit(chromium, live_server.url, "resume") as steps:
        context = steps.context
        steps.go("/accounts/login/")
        sign_in(steps, "traveller")
        steps.go("/library/")
        context.route(re.compile(r".*/api/v1/uploads/[0-9a-f-]+/chunks/3/$"), drop_the_connection)
        steps.page.set_input_files("#file-input", str(video))
        steps.page.wait_for_function(
            "() => document.querySelector('#progress-list li.paused .note')?.textContent === 'paused (offline)'"
        )
        assert lost
        steps.shot("paused-offline")
        upload = ChunkedUpload.objects.get(owner=person)
        assert upload.received == [0, 1, 2] and upload.bytes_received == 3 * settings.UPLOAD_CHUNK_BYTES
        context.unroute(re.compile(r".*/api/v1/uploads/[0-9a-f-]+/chunks/3/$"))
        context.set_offline(False)
        steps.page.wait_for_function("() => document.querySelectorAll('#progress-list li.done').length === 1",
                                     timeout=TIMEOUT_MS * 2)
        steps.shot("done")
        upload.refresh_from_db()
        assert upload.state == "done" and upload.bytes_received == video.stat().st_size  # nothing sent twice
        item = MediaItem.objects.get(owner=person)
        assert item.sha256 == digest and item.kind == "video"
        assert hashlib.sha256(bucket.read(item.original.name)).hexdigest() == digest
        assert bucket.keys(f"{user_prefix(person.pk)}uploads/") == []
        assert steps.problems == [] or all("ERR_INTERNET_DISCONNECTED" in p for p in steps.problems), steps.problems


def test_refused_files_say_why(chromium, live_server, transactional_db, bucket, tmp_path):
    person = person_with("refused", scopes.LIBRARY)
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_bytes(b"just some notes, not a picture\n" * 100)
    with visit(chromium, live_server.url, "refused") as steps:
        steps.go("/accounts/login/")
        sign_in(steps, "refused")
        steps.go("/library/")
        steps.page.set_input_files("#file-input", str(not_a_photo))
        failed = steps.page.locator("#progress-list li.failed .note")
        failed.wait_for()
        assert failed.inner_text().startswith("refused: This is not a photo or video rollweb can keep")
        # Consent withdrawn in another tab while this page is open: the next file is refused, saying why.
        scopes_revoke(person, [scopes.LIBRARY], method=Method.WEB)
        photo = tmp_path / "IMG_0002.JPG"
        photo.write_bytes(jpeg(9))
        steps.page.set_input_files("#file-input", str(photo))
        wait_until(lambda: steps.page.locator("#progress-list li.failed").count() == 2, 30, "the second refusal")
        reasons = steps.page.locator("#progress-list li.failed .note").all_inner_texts()
        assert reasons[0] == "refused: Turn on “Keep my photos and videos” on your privacy page before uploading."
        steps.shot("refused")
        assert not MediaItem.objects.filter(owner=person).exists() and not ChunkedUpload.objects.exists()


def test_an_upload_left_by_a_closed_tab_carries_on_in_the_next(
    chromium, live_server, transactional_db, bucket, settings, tmp_path
):
    settings.UPLOAD_CHUNK_BYTES = 5 * 1024 * 1024
    person = person_with("closer", scopes.LIBRARY)
    video = tmp_path / "VID_0002.MP4"
    video.write_bytes(video_bytes(12 * 1024 * 1024))
    second_chunk = re.compile(r".*/api/v1/uploads/[0-9a-f-]+/chunks/1/$")
    refused = []

    def unreachable(route):
        refused.append(route.request.url)
        route.abort("connectionreset")

    with visit(chromium, live_server.url, "closed-tab") as steps:
        steps.go("/accounts/login/")
        sign_in(steps, "closer")
        steps.go("/library/")
        steps.context.route(second_chunk, unreachable)
        steps.page.set_input_files("#file-input", str(video))
        # Playwright's synchronous API answers routes only while it is called: wait through it.
        wait_until(lambda: steps.page.wait_for_timeout(100) or len(refused) >= 2, 30,
                   "the second chunk to be tried again after a pause")
        steps.page.locator("#progress-list li.paused .note", has_text="paused: trying again in").wait_for()
        steps.shot("retrying")
        steps.page.close()
        assert ChunkedUpload.objects.get(owner=person).received == [0]
        steps.context.unroute(second_chunk)
        steps.page = steps.context.new_page()
        steps.go("/library/")
        steps.page.wait_for_function("() => document.querySelectorAll('#progress-list li.done').length === 1")
        steps.shot("carried-on")
        upload = ChunkedUpload.objects.get(owner=person)
        assert upload.state == "done" and upload.bytes_received == video.stat().st_size
        item = MediaItem.objects.get(owner=person)
        assert hashlib.sha256(bucket.read(item.original.name)).hexdigest() == hashlib.sha256(video.read_bytes()).hexdigest()
