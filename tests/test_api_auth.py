"""API sign-up, device tokens (stored hashed, revocable one by one, idle expiry) and sign-in rates."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from rollweb.models import ApiToken

from .conftest import api_client_for

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def anon():
    return APIClient()


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password, **extra}, format="json")


def test_register_creates_an_account_and_a_working_token(db, anon):
    response = anon.post(
        REGISTER, {"username": "ada", "password": PASSWORD, "email": "ada@example.org", "device_name": "Pixel"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["username"], body["email"], body["token"]["device_name"]) == ("ada", "ada@example.org", "Pixel")
    user = get_user_model().objects.get(username="ada")
    assert user.check_password(PASSWORD)
    anon.credentials(HTTP_AUTHORIZATION=f"Token {body['token']['token']}")
    assert anon.get("/api/v1/media/").status_code == 200


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "bob"}, "password"),
        ({"username": "bob", "password": "short"}, "password"),
        ({"username": "bob", "password": "12345678901"}, "password"),
        ({"username": "bob", "password": "password123"}, "password"),
        ({"username": "bad name!", "password": PASSWORD}, "username"),
        ({"username": "bob", "password": PASSWORD, "email": "not-an-address"}, "email"),
        ({"username": ["bob"], "password": PASSWORD}, "username"),
        ({"username": "bob", "password": PASSWORD, "device_name": "x" * 101}, "device_name"),
    ],
)
def test_register_refuses_bad_fields(db, anon, payload, field):
    response = anon.post(REGISTER, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not get_user_model().objects.filter(username="bob").exists()


def test_register_refuses_a_taken_username_in_any_case(user, anon):
    response = anon.post(REGISTER, {"username": user.username.upper(), "password": PASSWORD}, format="json")
    assert response.status_code == 400 and "username" in response.json()


def test_register_with_malformed_json_is_400(db, anon):
    response = anon.post(REGISTER, data=b'{"username": ', content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()


def test_token_is_stored_only_as_a_hash(user, anon):
    response = sign_in(anon, user.username, device_name="iPhone")
    assert response.status_code == 201
    key = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.device_name == "iPhone" and token.user == user
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=key).exists()


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_wrong_credentials_are_400_with_detail(user, anon, password):
    response = sign_in(anon, user.username, password)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_unknown_user_and_wrong_password_answer_alike(user, anon):
    unknown = sign_in(anon, "nobody-here", "whatever it is")
    wrong = sign_in(anon, user.username, "whatever it is")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_inactive_user_cannot_sign_in_nor_use_a_token(user, anon):
    client = api_client_for(user)
    user.is_active = False
    user.save()
    assert sign_in(anon, user.username).status_code == 400
    assert client.get("/api/v1/media/").status_code == 401


def test_each_device_has_its_own_token_and_is_revoked_alone(user, anon):
    phone = sign_in(anon, user.username, device_name="phone").json()
    tablet = sign_in(anon, user.username, device_name="tablet").json()
    phone_client, tablet_client = APIClient(), APIClient()
    phone_client.credentials(HTTP_AUTHORIZATION=f"Token {phone['token']}")
    tablet_client.credentials(HTTP_AUTHORIZATION=f"Token {tablet['token']}")

    listing = phone_client.get(TOKENS).json()["results"]
    assert {(entry["device_name"], entry["current"]) for entry in listing} == {("phone", True), ("tablet", False)}
    assert all("token" not in entry and "key_hash" not in entry for entry in listing)

    assert phone_client.delete(f"{TOKENS}{tablet['id']}/").status_code == 204
    assert tablet_client.get("/api/v1/media/").status_code == 401
    assert phone_client.get("/api/v1/media/").status_code == 200
    assert phone_client.delete(f"{TOKENS}{phone['id']}/").status_code == 204  # signing out
    assert phone_client.get("/api/v1/media/").status_code == 401


def test_another_persons_token_cannot_be_revoked(user, other_user, api, other_api):
    theirs = ApiToken.objects.get(user=other_user)
    assert api.delete(f"{TOKENS}{theirs.pk}/").status_code == 404
    assert other_api.get("/api/v1/media/").status_code == 200
    assert api.delete(f"{TOKENS}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_idle_token_expires(user, settings):
    client = api_client_for(user)
    settings.API_TOKEN_IDLE_DAYS = 30
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=31))
    response = client.get("/api/v1/media/")
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_use_refreshes_last_used_at_at_most_hourly(user):
    client = api_client_for(user)
    long_ago = timezone.now() - timedelta(days=3)
    ApiToken.objects.update(last_used_at=long_ago)
    client.get("/api/v1/media/")
    refreshed = ApiToken.objects.get().last_used_at
    assert refreshed > long_ago
    client.get("/api/v1/media/")
    assert ApiToken.objects.get().last_used_at == refreshed


@pytest.mark.parametrize("header", ["Token nonsense", "Token rw_" + "a" * 43, "Token", "Token a b", "Bearer x"])
def test_bad_credentials_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/media/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_is_401(db, anon):
    assert anon.get(TOKENS).status_code == 401
    assert anon.delete(f"{TOKENS}00000000-0000-0000-0000-000000000000/").status_code == 401


def test_session_auth_works_for_the_browser(client, user):
    client.force_login(user)
    assert client.get("/api/v1/media/").status_code == 200


def test_sign_in_attempts_are_rated_per_username(user, settings):
    settings.API_RATES = {**settings.API_RATES, "login": "3/min", "auth": "100/min"}
    for attempt in range(3):
        assert sign_in(APIClient(REMOTE_ADDR=f"10.0.0.{attempt}"), user.username, "guess").status_code == 400
    refused = sign_in(APIClient(REMOTE_ADDR="10.0.0.9"), user.username)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert sign_in(APIClient(), user.username.upper()).status_code == 429
    assert sign_in(APIClient(), "someone-else", "guess").status_code == 400


def test_sign_up_and_sign_in_are_rated_per_address(db, settings):
    settings.API_RATES = {**settings.API_RATES, "auth": "2/min"}
    client = APIClient(REMOTE_ADDR="10.1.1.1")
    assert client.post(REGISTER, {}, format="json").status_code == 400
    assert sign_in(client, "x", "y").status_code == 400
    refused = client.post(REGISTER, {"username": "carl", "password": PASSWORD}, format="json")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert APIClient(REMOTE_ADDR="10.1.1.2").post(REGISTER, {}, format="json").status_code == 400


def test_forwarded_for_cannot_dodge_the_rate(db, settings):
    settings.API_RATES = {**settings.API_RATES, "auth": "1/min"}
    client = APIClient(REMOTE_ADDR="10.2.2.2")
    assert client.post(REGISTER, {}, format="json", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 400
    assert client.post(REGISTER, {}, format="json", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
