import io
import json
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from consent import scopes
from consent.models import Method
from consent.services import scopes_grant
from suggestions.library import pipeline, services
from suggestions.models import MediaItem

from .factories import UserFactory

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("ROLLWEB_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture
def corpus():
    """The shared corpus of real photos. Missing it skips, except on CI where it fails."""
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the corpus is missing at {CORPUS} (set ROLLWEB_CORPUS)")
        pytest.skip(f"no corpus at {CORPUS} (set ROLLWEB_CORPUS to its folder)")
    return CORPUS


@pytest.fixture
def manifest(corpus):
    return {entry["path"]: entry for entry in json.loads((corpus / "MANIFEST.json").read_text())}


# The integration tier (`make test`'s second run, tests/integration.py) keeps the production
# engine's storage: S3 on a SeaweedFS server started for the session.
INTEGRATION_TIER = os.environ.get("ROLLWEB_TIER") == "integration"


def pytest_collection_modifyitems(config, items):
    """Integration and browser tests need the services the integration tier starts: outside it
    they are skipped locally, and fail on CI (where `make test` runs both tiers)."""
    if INTEGRATION_TIER or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="needs the integration tier: run `make test`")
    for item in items:
        if item.get_closest_marker("integration") or item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """In the integration tier the test database is <name>_test, beside <name> (DATABASE_URL)."""
    if INTEGRATION_TIER:
        from django.conf import settings

        database = settings.DATABASES["default"]
        database.setdefault("TEST", {})["NAME"] = f"{database['NAME']}_test"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs ~0.1 s and 100 MB a hash: tests hash with MD5 unless they ask for the real ones."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Every test gets its own empty storage root (in the integration tier: the S3 bucket)."""
    if INTEGRATION_TIER:
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        return None
    root = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STORAGE_BACKEND = "local"
    return root


@pytest.fixture
def stored_files(private_storage):
    """A function listing every stored file (relative names), for asserting on storage."""

    def listing():
        if not private_storage.exists():
            return []
        return sorted(str(p.relative_to(private_storage)) for p in private_storage.rglob("*") if p.is_file())

    return listing


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


def grant(user, *keys):
    """Grant scopes the way a person does after reading the current notice."""
    return scopes_grant(
        user,
        list(keys),
        notice_version=scopes.notice_version(),
        method=Method.WEB,
        biometric_confirmed=scopes.FACES in keys,
    )


def jpeg_bytes(size=(64, 48), color=(200, 80, 40), exif=None, **save):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", exif=exif or b"", **save)
    return out.getvalue()


def upload_file(user, data, name="photo.jpg", **kwargs):
    """Upload bytes or a corpus path through the service every entry point uses."""
    if isinstance(data, Path):
        name, data = data.name, data.read_bytes()
    return services.media_upload(user, SimpleUploadedFile(name, data), name=name, **kwargs)


def upload_and_analyze(user, data, name="photo.jpg"):
    item, _ = upload_file(user, data, name)
    pipeline.media_analyze(item.pk)
    return MediaItem.objects.get(pk=item.pk)


@pytest.fixture(autouse=True)
def empty_cache():
    """API rates count requests in the cache: every test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield


def api_client_for(user):
    """A DRF test client signed in the way a phone is: with a device token."""
    from rest_framework.test import APIClient

    from rollweb.tokens import token_issue

    client = APIClient()
    if user is not None:
        _, key = token_issue(user, "test phone")
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(user):
    return api_client_for(user)


@pytest.fixture
def other_api(other_user):
    return api_client_for(other_user)


@pytest.fixture
def seeded_library(transactional_db, bucket):
    """Integration tier: one person ("roll", password PASSWORD of test_browser) with a seeded library
    of 3,000 items over six years (tests/library_seed.py), for browser tests that share one seed."""
    from .library_seed import seeded_person
    from .test_browser import PASSWORD

    return seeded_person(password=PASSWORD)
