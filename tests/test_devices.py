"""Signed-in devices: a new password signs every device out; the privacy centre lists them and
signs one out, or every device and browser at once."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from rollweb.models import ApiToken
from rollweb.tokens import token_issue

from .factories import UserFactory

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "an entirely new pass phrase 7"


def device(user, name):
    token, key = token_issue(user, name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/media/").status_code == 200
    return token, client


def test_changing_the_password_signs_every_device_out(client, user):
    _, phone = device(user, "phone")
    _, tablet = device(user, "tablet")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert phone.get("/api/v1/media/").status_code == 401
    assert tablet.get("/api/v1/media/").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.get(reverse("consent:privacy")).status_code == 200  # this browser stays signed in


def test_resetting_the_password_signs_every_device_out(client, user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user.email = "ada@example.org"
    user.save()
    _, phone = device(user, "phone")
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert get_user_model().objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert phone.get("/api/v1/media/").status_code == 401


def test_other_changes_to_the_account_and_signing_in_keep_devices(client, user):
    _, phone = device(user, "phone")
    user.email = "new@example.org"
    user.save()
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    assert phone.get("/api/v1/media/").status_code == 200


def test_the_privacy_centre_lists_devices_with_name_created_and_last_used(client, user, other_user):
    device(user, "Anna's Pixel")
    device(other_user, "someone else's phone")
    client.force_login(user)
    page = client.get(reverse("consent:privacy")).content.decode()
    section = page[page.index('id="devices"'):]
    section = section[:section.index("</section>")]
    assert "Anna&#x27;s Pixel" in section and "someone else" not in section
    assert section.count("<tr>") == 2  # the header and one device
    token = ApiToken.objects.get(user=user)
    assert f"{token.created_at:%-d %b %Y}" in section
    assert reverse("consent:device_sign_out", args=[token.pk]) in section
    assert reverse("consent:sign_out_everywhere") in section


def test_signing_one_device_out_from_the_privacy_centre(client, user, other_user):
    phone_token, phone = device(user, "phone")
    _, tablet = device(user, "tablet")
    theirs, their_phone = device(other_user, "theirs")
    client.force_login(user)
    assert client.get(reverse("consent:device_sign_out", args=[phone_token.pk])).status_code == 405
    response = client.post(reverse("consent:device_sign_out", args=[phone_token.pk]))
    assert response.status_code == 302
    assert phone.get("/api/v1/media/").status_code == 401
    assert tablet.get("/api/v1/media/").status_code == 200
    assert client.post(reverse("consent:device_sign_out", args=[theirs.pk])).status_code == 404
    assert their_phone.get("/api/v1/media/").status_code == 200


def test_signing_out_everywhere_ends_every_device_and_browser(user, other_user):
    _, phone = device(user, "phone")
    _, their_phone = device(other_user, "theirs")
    here, laptop, theirs = Client(), Client(), Client()
    for browser, person in ((here, user), (laptop, user), (theirs, other_user)):
        browser.force_login(person)
    response = here.post(reverse("consent:sign_out_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert phone.get("/api/v1/media/").status_code == 401
    for browser in (here, laptop):
        assert browser.get(reverse("consent:privacy")).status_code == 302  # to the sign-in page
    assert theirs.get(reverse("consent:privacy")).status_code == 200
    assert their_phone.get("/api/v1/media/").status_code == 200


@pytest.mark.parametrize("name", ["device_sign_out", "sign_out_everywhere"])
def test_signing_out_needs_a_signed_in_person(db, name):
    args = ["00000000-0000-0000-0000-000000000000"] if name == "device_sign_out" else []
    response = Client().post(reverse(f"consent:{name}", args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
