"""Failed sign-ins per address across usernames (pages, admin and API together), and every refusal
of the API in JSON with Retry-After, whichever layer refuses."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from .conftest import api_client_for, grant, jpeg_bytes
from .factories import UserFactory
from .test_settings import start

PASSWORD = "correct horse battery staple"
SPRAYER = "203.0.113.5"


@pytest.fixture
def generous_api_rates(settings):
    """The API's own request rates out of the way, so that only sign-in failures count."""
    settings.API_RATES = {**settings.API_RATES, "auth": "1000/min", "login": "1000/min"}


def page_sign_in(address, username, password="not it", path="login"):
    return Client(REMOTE_ADDR=address).post(reverse(path), {"username": username, "password": password})


def api_sign_in(address, username, password="not it"):
    client = APIClient(REMOTE_ADDR=address)
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_spraying_one_password_over_many_usernames_is_refused_after_20_failures(db, generous_api_rates):
    victim = UserFactory()
    answers = [page_sign_in(SPRAYER, f"someone-{n}").status_code for n in range(40)]
    assert answers == [200] * 20 + [429] * 20
    refused = page_sign_in(SPRAYER, victim.username, PASSWORD)
    assert refused.status_code == 429 and "from your network" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 600
    assert page_sign_in("198.51.100.9", victim.username, PASSWORD).status_code == 302  # another address


def test_pages_admin_and_api_count_together(db, settings, generous_api_rates):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 6
    operator = UserFactory(is_staff=True, is_superuser=True)
    tries = [
        page_sign_in(SPRAYER, "ann"), page_sign_in(SPRAYER, "bob", path="admin:login"), api_sign_in(SPRAYER, "cid"),
        page_sign_in(SPRAYER, "dee"), page_sign_in(SPRAYER, "eve", path="admin:login"), api_sign_in(SPRAYER, "fay"),
    ]
    assert [answer.status_code for answer in tries] == [200, 200, 400, 200, 200, 400]
    assert page_sign_in(SPRAYER, operator.username, PASSWORD).status_code == 429
    assert page_sign_in(SPRAYER, operator.username, PASSWORD, path="admin:login").status_code == 429
    refused = api_sign_in(SPRAYER, operator.username, PASSWORD)
    assert refused.status_code == 429 and "Retry-After" in refused
    assert refused["Content-Type"] == "application/json" and "network" in refused.json()["detail"]
    assert api_sign_in("198.51.100.9", operator.username, PASSWORD).status_code == 201


def test_the_address_limit_is_a_setting_checked_at_start_up():
    result = start(SECRET_KEY="x", SIGN_IN_FAILURES_PER_ADDRESS="many")
    assert result.returncode != 0 and "SIGN_IN_FAILURES_PER_ADDRESS must be a whole number" in result.stderr
    result = start(SECRET_KEY="x", SIGN_IN_ADDRESS_WINDOW_MINUTES="30", AXES_COOLOFF_MINUTES="15")
    assert result.returncode != 0 and "SIGN_IN_ADDRESS_WINDOW_MINUTES must be at most" in result.stderr


# -- every refusal of the API: JSON with Retry-After ----------------------------------------------


def refused_by_account_lockout(user, settings):
    settings.API_RATES = {**settings.API_RATES, "auth": "1000/min", "login": "1000/min"}
    answers = [api_sign_in("192.0.2.1", user.username) for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [a.status_code for a in answers[:-1]] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    return answers[-1]


def refused_by_address_lockout(user, settings):
    settings.API_RATES = {**settings.API_RATES, "auth": "1000/min", "login": "1000/min"}
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        api_sign_in("192.0.2.2", f"nobody-{n}")
    return api_sign_in("192.0.2.2", user.username, PASSWORD)


def refused_by_the_address_rate(user, settings):
    settings.API_RATES = {**settings.API_RATES, "auth": "2/min"}
    for _ in range(2):
        APIClient(REMOTE_ADDR="192.0.2.3").post("/api/v1/auth/register/", {}, format="json")
    return APIClient(REMOTE_ADDR="192.0.2.3").post("/api/v1/auth/register/", {}, format="json")


def refused_by_the_username_rate(user, settings):
    settings.API_RATES = {**settings.API_RATES, "login": "1/min", "auth": "1000/min"}
    api_sign_in("192.0.2.4", user.username)
    return api_sign_in("192.0.2.5", user.username)


def refused_by_the_upload_rate(user, settings):
    settings.UPLOADS_PER_MINUTE = 1
    grant(user, "library")
    client = api_client_for(user)
    for n in range(2):
        photo = SimpleUploadedFile(f"p{n}.jpg", jpeg_bytes(color=(n * 90, 10, 10)))
        answer = client.post("/api/v1/media/", {"file": photo}, format="multipart")
    return answer


@pytest.mark.parametrize(
    "refuse",
    [refused_by_account_lockout, refused_by_address_lockout, refused_by_the_address_rate,
     refused_by_the_username_rate, refused_by_the_upload_rate],
    ids=lambda refuse: refuse.__name__.removeprefix("refused_by_"),
)
def test_every_api_refusal_is_json_with_retry_after(user, settings, refuse):
    response = refuse(user, settings)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_the_account_lockout_says_how_long_on_the_page(user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    page_sign_in("192.0.2.9", user.username)
    locked = page_sign_in("192.0.2.9", user.username)
    assert locked.status_code == 429 and locked["Content-Type"].startswith("text/html")
    assert 14 * 60 < int(locked["Retry-After"]) <= 15 * 60
    assert "about 15 minutes" in locked.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/media/", "/api/v1/auth/tokens/"])
def test_errors_no_view_answers_are_json_under_the_api(user, path, monkeypatch, settings):
    """A crash, and a host Django refuses before any view, are JSON too (pages keep their HTML)."""
    from rest_framework.views import APIView

    def crash(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(APIView, "initial", crash)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION="Token x")
    crashed = client.get(path)
    assert crashed.status_code == 500 and crashed.json()["detail"]
    settings.ALLOWED_HOSTS = ["photos.example.org"]
    refused = client.get(path, HTTP_HOST="evil.example")
    assert refused.status_code == 400 and refused.json()["detail"]
    page = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


# -- sign-up on the pages -------------------------------------------------------------------------


def test_sign_up_on_the_pages_is_rated_per_address_with_the_api(db, settings):
    """Usernames cannot be probed through the form without limit: the API's budget per address."""
    settings.API_RATES = {**settings.API_RATES, "auth": "5/min"}
    taken = UserFactory()
    form = {"username": taken.username, "password1": PASSWORD, "password2": PASSWORD}
    probe = Client(REMOTE_ADDR=SPRAYER)
    answers = [probe.post(reverse("signup"), form) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert "already exists" in answers[0].content.decode()
    assert APIClient(REMOTE_ADDR=SPRAYER).post("/api/v1/auth/register/", {}, format="json").status_code == 400
    refused = probe.post(reverse("signup"), form)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "already exists" not in refused.content.decode() and "Too many accounts" in refused.content.decode()
    assert APIClient(REMOTE_ADDR=SPRAYER).post("/api/v1/auth/register/", {}, format="json").status_code == 429
    assert probe.get(reverse("signup")).status_code == 200  # reading the form is not counted
    fresh = {"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD}
    assert Client(REMOTE_ADDR="198.51.100.9").post(reverse("signup"), fresh).status_code == 302
