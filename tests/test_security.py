"""Security settings: CSRF on every form, production cookies and HSTS, a Content Security Policy
with no inline script, sign-in throttling, Argon2, upload rate limits, safe content types."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from .conftest import grant, jpeg_bytes
from .factories import UserFactory
from .test_isolation_walk import ROUTES, instantiate, victim  # noqa: F401 (victim is a fixture)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)

PRODUCTION = {
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-with-enough-entropy-1234567890",
    "HTTPS": "true",
    "ALLOWED_HOSTS": "photos.example.org",
    "DATABASE_URL": "postgres://rollweb@127.0.0.1:5432/rollweb",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "STORAGE_BACKEND": "s3",
    "AWS_STORAGE_BUCKET_NAME": "rollweb",
    "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}


def production(*argv):
    env = {"PATH": os.environ["PATH"], "VAR_DIR": "/tmp/rollweb-production-settings-test", **PRODUCTION,
           "DJANGO_SETTINGS_MODULE": "rollweb.settings"}
    return subprocess.run([sys.executable, *argv], cwd=REPO, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def production_settings():
    names = [
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT", "SECURE_CONTENT_TYPE_NOSNIFF", "PASSWORD_HASHERS", "CONTENT_SECURITY_POLICY",
    ]
    code = f"import json, django; from django.conf import settings; print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    result = production("-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_hsts_and_hashing(production_settings):
    assert production_settings["SESSION_COOKIE_SECURE"] and production_settings["CSRF_COOKIE_SECURE"]
    assert production_settings["SESSION_COOKIE_HTTPONLY"]
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_SSL_REDIRECT"] and production_settings["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert production_settings["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")
    directives = production_settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert "https://s3.example.org" in directives["img-src"]  # signed previews load from storage
    assert directives["upgrade-insecure-requests"] is True


def test_https_answers_carry_hsts_and_secure_httponly_cookies(client, settings, user):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    page = client.get(reverse("login"), secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.cookies["csrftoken"]["secure"]
    response = client.post(
        reverse("login"), {"username": user.username, "password": "correct horse battery staple"}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def _pages(owner_routes, victim):
    for route in owner_routes:
        for path in instantiate(route, victim):
            yield path


def _get_pages(client, victim):
    routes = [route for route in ROUTES if not route.path.startswith(("accounts/logout", "api/"))]
    for path in _pages(routes, victim):
        response = client.get(path)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            yield path, response


@pytest.mark.parametrize("who", ["owner", "operator", "anonymous"])
def test_every_page_has_the_policy_and_no_inline_script_or_style(who, victim):
    client = Client()
    if who == "owner":
        client.force_login(victim.user)
    elif who == "operator":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = list(_get_pages(client, victim))
    assert len(pages) >= 5
    for path, response in pages:
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        html = response.content.decode()
        for match in SCRIPT.finditer(html):
            attrs = match.group("attrs")
            assert "src=" in attrs or 'type="application/json"' in attrs, f"{path}: inline script {match.group(0)}"
        assert not EVENT_HANDLER.search(html), f"{path}: an inline event handler"
        assert not STYLE_ATTRIBUTE.search(html), f"{path}: an inline style attribute"


@pytest.mark.parametrize("who", ["owner", "anonymous"])
def test_every_form_has_a_csrf_token_and_fails_without_it(who, victim):
    reader = Client()
    if who == "owner":
        reader.force_login(victim.user)
    forms = 0
    for path, response in _get_pages(reader, victim):
        for form in FORM.finditer(response.content.decode()):
            if 'method="post"' not in form.group("attrs").lower():
                continue
            forms += 1
            assert 'name="csrfmiddlewaretoken"' in form.group("body"), f"{path}: a form without a CSRF token"
            action = re.search(r'action="([^"]*)"', form.group("attrs"))
            target = action.group(1) if action and action.group(1) else path
            forger = Client(enforce_csrf_checks=True)
            if who == "owner":
                forger.force_login(victim.user)
            assert forger.post(target, {}).status_code == 403, f"{target} accepted a POST without a CSRF token"
    assert forms >= (4 if who == "owner" else 2)


def test_sign_in_is_throttled_per_username_and_address(client, settings, user):
    settings.AXES_FAILURE_LIMIT = 3
    wrong = {"username": user.username, "password": "not the password"}
    assert [client.post(reverse("login"), wrong).status_code for _ in range(2)] == [200, 200]
    locked = client.post(reverse("login"), wrong)
    assert locked.status_code == 429 and "Too many sign-in attempts" in locked.content.decode()
    right = client.post(reverse("login"), {"username": user.username, "password": "correct horse battery staple"})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    other = UserFactory()
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    response = elsewhere.post(reverse("login"), {"username": user.username, "password": "correct horse battery staple"})
    assert response.status_code == 302  # the same person from another address is not locked out
    response = client.post(reverse("login"), {"username": other.username, "password": "correct horse battery staple"})
    assert response.status_code == 302


def test_throttling_sees_the_client_behind_the_proxy(rf, settings):
    from rollweb.auth import client_address

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "10.0.0.2"
    settings.BEHIND_PROXY, settings.PROXY_COUNT = True, 1
    assert client_address(request) == "203.0.113.9"  # not the forgeable left-most entry
    settings.PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"


def test_new_passwords_are_hashed_with_argon2(client, settings, db):
    settings.PASSWORD_HASHERS = settings.PASSWORD_HASHERS[1:]  # drop the tests' fast hasher
    response = client.post(
        reverse("signup"), {"username": "ada", "password1": "a long pass phrase 42", "password2": "a long pass phrase 42"}
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="ada").password.startswith("argon2$argon2id$")


@pytest.fixture
def frozen_clock(monkeypatch):
    """Rate-limit windows are per minute: hold the clock so a test never straddles two."""
    from rollweb import ratelimit

    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_010.0)
    cache.clear()
    yield
    cache.clear()


def test_uploads_are_rate_limited_per_person(client, settings, user, other_user, frozen_clock):
    from suggestions.models import MediaItem

    settings.UPLOADS_PER_MINUTE = 2
    grant(user, "library")
    grant(other_user, "library")
    client.force_login(user)
    statuses = []
    for n in range(3):
        statuses.append(client.post(reverse("library:upload"), {"file": _photo(n)}))
    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert statuses[-1]["Retry-After"] == "50" and "2 files a minute" in statuses[-1].json()["detail"]
    response = client.post(reverse("library:index"), {"files": [_photo(7)]}, follow=True)
    assert "faster than 2 files a minute" in response.content.decode()
    assert MediaItem.objects.filter(owner=user).count() == 2
    client.force_login(other_user)
    assert client.post(reverse("library:upload"), {"file": _photo(9)}).status_code == 201


def _photo(n):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"p{n}.jpg", jpeg_bytes(color=(n * 20, 10, 10)))


def test_files_are_served_only_as_what_they_are(client, victim):
    client.force_login(victim.user)
    response = client.get(reverse("library:original", args=[victim.item.pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


POLYGLOT = jpeg_bytes() + b"<html><body><script>alert(document.cookie)</script></body></html>"


def test_downloads_are_named_with_the_extension_of_their_detected_type(client, user):
    """A JPEG with a page appended, uploaded as holiday.html, is a JPEG: it downloads as
    holiday.jpg from the page and the API (the export: tests/test_export.py), never as something
    a desktop opens in a browser."""
    from rollweb.tokens import token_issue

    grant(user, "library")
    client.force_login(user)
    uploaded = client.post(reverse("library:upload"), {"file": _named("holiday.html", POLYGLOT)})
    assert uploaded.status_code == 201
    item = uploaded.json()["id"]
    _, key = token_issue(user, "phone")
    for response in (
        client.get(reverse("library:original", args=[item])),
        Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"/api/v1/media/{item}/original/"),
    ):
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"] == 'attachment; filename="holiday.jpg"'


@pytest.mark.parametrize("filetype", ["JPEG", "PNG", "WEBP", "HEIC", "HEIF", "MP4", "MOV"])
def test_every_detected_type_downloads_with_its_own_extension(filetype):
    from rollweb.storage import typed_name
    from suggestions.analysis import filetypes

    detected = getattr(filetypes, filetype)
    assert typed_name("IMG_0001.html", detected.mime) == f"IMG_0001.{detected.extension}"
    assert typed_name("no extension", detected.mime) == f"no extension.{detected.extension}"
    already = f"IMG_0001.{detected.extension.upper()}"
    assert typed_name(already, detected.mime) == already  # the uploader's own spelling of the right type


def test_a_name_with_another_spelling_of_its_type_is_kept():
    from rollweb.storage import typed_name

    assert typed_name("photo.jpeg", "image/jpeg") == "photo.jpeg"
    assert typed_name("photo.JPG", "image/jpeg") == "photo.JPG"
    assert typed_name("clip.mov", "video/mp4") == "clip.mp4"


def _named(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
