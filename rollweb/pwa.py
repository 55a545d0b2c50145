"""The installable app: the web app manifest, the service worker at /sw.js and the offline page.

None of these answers depends on who asks, so the service worker may keep them (its cache holds
only files under /static/, the manifest and the offline page: templates/pwa/sw.js).
"""

import hashlib
import json

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

THEME = "#2f5d50"
BACKGROUND = "#f5f6f3"
ICONS = [
    ("icons/icon-192.png", "192x192", "image/png", "any"),
    ("icons/icon-512.png", "512x512", "image/png", "any"),
    ("icons/maskable-512.png", "512x512", "image/png", "maskable"),
    ("icons/icon.svg", "any", "image/svg+xml", "any"),
    ("icons/maskable.svg", "any", "image/svg+xml", "maskable"),
]
# What the service worker fetches when it installs, so the offline page shows styled.
PRECACHE_STATIC = ["css/rollweb.css", "css/touch.css", "favicon.svg", "icons/icon-192.png", "js/upload-queue.js"]
SHARE_TARGET = "/share-target/"


def _uncached(response):
    """The browser checks these on every use, so a new version reaches everyone at once; as every
    answer to a signed-in person, no shared cache keeps them (rollweb.middleware)."""
    response["Cache-Control"] = "private, no-cache"
    return response


def manifest_data():
    return {
        "id": "/",
        "name": "rollweb",
        "short_name": "rollweb",
        "description": "Private suggestions from your camera roll.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": kind, "purpose": purpose}
            for path, sizes, kind, purpose in ICONS
        ],
        "share_target": {
            "action": SHARE_TARGET,
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"title": "title", "text": "text", "files": [{"name": "files", "accept": ["image/*", "video/*"]}]},
        },
    }


@require_GET
def manifest(request):
    body = json.dumps(manifest_data(), indent=2)
    return _uncached(HttpResponse(body, content_type="application/manifest+json"))


@require_GET
def service_worker(request):
    precache = [reverse("offline"), reverse("manifest"), *(static(path) for path in PRECACHE_STATIC)]
    context = {"precache": json.dumps(precache), "queue_script": json.dumps(static("js/upload-queue.js")),
               "offline": json.dumps(reverse("offline")), "share_target": json.dumps(SHARE_TARGET),
               "manifest": json.dumps(reverse("manifest")), "static_prefix": json.dumps(static(""))}
    # A new list of files (their hashed names) is a new cache; the old one is deleted on activation.
    context["version"] = json.dumps(hashlib.sha256("".join(precache).encode()).hexdigest()[:12])
    body = render_to_string("pwa/sw.js", context)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return _uncached(response)


@require_GET
def offline(request):
    """The same page for everyone (nothing personal in it): the service worker shows it offline."""
    return _uncached(render(request, "pwa/offline.html"))


@csrf_exempt
def share_target_fallback(request):
    """Shared files reach this only when no service worker took them (the app was never opened
    in this browser, or it was cleared). It keeps nothing and writes nothing — which is why it
    needs no CSRF token — and sends the person to the library to pick the files there."""
    return HttpResponseRedirect(reverse("library:index") + "?shared=lost", status=303)
