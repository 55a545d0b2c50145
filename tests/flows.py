"""Steps of a person's main flows, shared by the integration, fault and browser tests.

Each step goes through the web pages a person uses (the Django test client, or plain HTTP to a
served site), so the same steps run on the default engine and on the production engine.
"""

import struct

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent import scopes
from suggestions.models import MediaItem

from .services import wait_until

TERMINAL = (MediaItem.Status.ANALYZED, MediaItem.Status.FAILED)


def consent_onboard(client, *keys):
    """The onboarding form with exactly `keys` switched on (faces needs its own confirmation)."""
    response = client.post(
        reverse("consent:onboarding"), {"scopes": list(keys), "notice_version": scopes.notice_version()}
    )
    assert response.status_code == 302, response
    if scopes.FACES in keys:
        response = client.post(
            reverse("consent:faces"), {"notice_version": scopes.notice_version(), "understood": "on"}
        )
        assert response.status_code == 302
    return response


def consent_revoke(client, key):
    response = client.post(reverse("consent:revoke", args=[key]), {"confirm": "yes"})
    assert response.status_code == 302, response
    return response


def uploaded(name, data):
    return SimpleUploadedFile(name, data)


def upload(client, data, name="photo.jpg"):
    """The page's upload call (one file, JSON answer)."""
    return client.post(reverse("library:upload"), {"file": uploaded(name, data)})


def upload_many(client, files):
    """Upload (name, bytes) pairs; returns the new items' ids, in order."""
    ids = []
    for name, data in files:
        response = upload(client, data, name)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def wait_terminal(ids, timeout=120):
    """Wait until every item is analysed or failed (or gone); returns the items still there."""

    def done():
        waiting = MediaItem.objects.filter(pk__in=ids).exclude(status__in=TERMINAL).count()
        return waiting == 0

    wait_until(done, timeout, f"{len(ids)} items to be analysed", interval=0.2)
    return list(MediaItem.objects.filter(pk__in=ids).order_by("pk"))


def with_comment(jpeg, text):
    """The same JPEG with a comment segment after its start marker: new bytes, same picture."""
    assert jpeg[:2] == b"\xff\xd8"
    body = text.encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def photo_batch(path, count, tag="copy"):
    """`count` different files (distinct sha256) showing the picture at `path`."""
    data = path.read_bytes()
    return [(f"{path.stem}-{tag}-{n}.jpg", with_comment(data, f"{tag} {n}")) for n in range(count)]


class Browserless:
    """A signed-in person talking plain HTTP to a served site (gunicorn), as a script would."""

    def __init__(self, base, user):
        import requests
        from django.test import Client

        self.base = base
        self.http = requests.Session()
        signed_in = Client()
        signed_in.force_login(user)
        self.http.cookies.set("sessionid", signed_in.cookies["sessionid"].value)
        self.http.get(f"{base}{reverse('library:index')}", timeout=10)
        self.csrf = self.http.cookies.get("csrftoken", "")

    def get(self, path, **kwargs):
        return self.http.get(self.base + path, timeout=30, allow_redirects=False, **kwargs)

    def upload(self, name, data):
        return self.http.post(
            self.base + reverse("library:upload"), files={"file": (name, data)},
            headers={"X-CSRFToken": self.csrf, "Referer": self.base + "/"}, timeout=60,
        )
