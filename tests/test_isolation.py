"""Another person's objects are 404 on every page; anonymous visitors are sent to sign in."""

import pytest
from django.urls import reverse

from .conftest import grant, upload_and_analyze

ITEM_PAGES = [
    ("library:detail", ()),
    ("library:thumbnail", ("small",)),
    ("library:thumbnail", ("large",)),
    ("library:original", ()),
    ("library:delete", ()),
]


@pytest.fixture
def their_item(other_user, corpus):
    grant(other_user, "library")
    return upload_and_analyze(other_user, corpus / "exif" / "DSCN0010.jpg")


@pytest.mark.parametrize("name, extra", ITEM_PAGES)
def test_another_persons_item_is_404(client, user, their_item, name, extra):
    client.force_login(user)
    url = reverse(name, args=[their_item.pk, *extra])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code in (404, 405)


def test_status_endpoint_never_reveals_other_items(client, user, their_item):
    client.force_login(user)
    response = client.get(reverse("library:status"), {"ids": str(their_item.pk)})
    assert response.json() == {"items": []}


@pytest.mark.parametrize("name, extra", ITEM_PAGES)
def test_anonymous_is_sent_to_sign_in(client, their_item, name, extra):
    response = client.get(reverse(name, args=[their_item.pk, *extra]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_owner_sees_own_files(client, other_user, their_item):
    client.force_login(other_user)
    response = client.get(reverse("library:thumbnail", args=[their_item.pk, "small"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    response = client.get(reverse("library:original", args=[their_item.pk]))
    assert response.status_code == 200
    assert 'attachment; filename="DSCN0010.jpg"' == response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_no_url_serves_the_storage_root(client, other_user, their_item):
    client.force_login(other_user)
    assert client.get("/media/" + their_item.original.name).status_code == 404
    assert client.get("/" + their_item.original.name).status_code == 404
