"""The installable app's server side: the manifest, /sw.js, the offline page, the share target
without a service worker, and the library page's own consent switch."""

import json
import re

from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from consent.services import active_grants
from suggestions.models import MediaItem

from .conftest import jpeg_bytes


def test_the_manifest_names_the_app_its_icons_and_the_share_target(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert manifest["theme_color"] == "#2f5d50" and manifest["background_color"]
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]
            sizes.setdefault(icon["purpose"], set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes["any"] and "512x512" in sizes["maskable"]
    share = manifest["share_target"]
    assert share["method"] == "POST" and share["enctype"] == "multipart/form-data"
    assert share["params"]["files"][0]["accept"] == ["image/*", "video/*"]


def test_the_service_worker_is_served_at_the_root_as_javascript_with_its_allowlist(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/" and "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", body).group(1))
    assert "/offline/" in precache and "/manifest.webmanifest" in precache
    assert all(path.startswith("/static/") for path in precache if path not in ("/offline/", "/manifest.webmanifest"))
    assert "Content-Security-Policy" in response  # the worker runs under the same policy as the pages


def test_the_offline_page_is_the_same_for_everyone(client, user):
    anonymous = client.get("/offline/").content
    signed_in = Client()
    signed_in.force_login(user)
    page = signed_in.get("/offline/")
    assert page.content == anonymous and b"You are offline" in anonymous
    assert user.username.encode() not in page.content and b"csrfmiddlewaretoken" not in page.content


def test_files_shared_without_a_service_worker_are_not_kept(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/share-target/", {"files": [_file()]})
    assert response.status_code == 303 and response["Location"] == "/library/?shared=lost"
    assert not MediaItem.objects.exists()
    assert "did not hand the shared files" in browser.get(response["Location"]).content.decode()


def test_the_library_turns_uploads_on_and_comes_back(user):
    browser = Client()
    browser.force_login(user)
    page = browser.get("/library/").content.decode()
    assert "Uploading is off" in page and 'name="next" value="/library/"' in page
    version = re.search(r'name="notice_version" value="([^"]+)"', page).group(1)
    response = browser.post("/privacy/grant/", {"scope": "library", "notice_version": version, "next": "/library/"})
    assert response.status_code == 302 and response["Location"] == "/library/"
    assert "library" in active_grants(user.pk)
    elsewhere = browser.post("/privacy/grant/", {"scope": "time", "notice_version": version,
                                                 "next": "https://elsewhere.example/"})
    assert elsewhere["Location"] == "/privacy/"


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("shared.jpg", jpeg_bytes(), content_type="image/jpeg")


def test_the_committed_icons_are_what_the_script_draws():
    from PIL import ImageChops

    from rollweb.management.commands.draw_icons import SIZES, draw_png, svg

    for name, (size, full_bleed) in SIZES.items():
        with Image.open(finders.find(f"icons/{name}")) as committed:
            drawn = draw_png(size, full_bleed)
            assert committed.size == (size, size)
            assert ImageChops.difference(committed.convert("RGBA"), drawn).getbbox() is None, name
    with open(finders.find("icons/maskable.svg")) as committed:
        assert committed.read() == svg(True)
