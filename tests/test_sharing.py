"""Share links: a link shows exactly its asset and nothing else, is never indexed, counts its views,
ends on expiry, revocation, dismissal, deletion, `library` withdrawal and account deletion, is
recorded in the consent history, and serves no EXIF."""

import io
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consent.account import account_erase
from consent.models import ConsentEvent, Method
from consent.services import scopes_revoke
from rollweb.storage import save_bytes
from suggestions.analysis.images import jpeg_bytes
from suggestions.feed import render as feed_render, services as feed
from suggestions.library import services
from suggestions.models import Rendition, ShareLink, Suggestion, SuggestionItem, derived_key
from suggestions.sharing import selectors as share_selectors, services as sharing

from .conftest import api_client_for, grant
from .crafted import pictured
from .factories import MediaItemFactory, SuggestionFactory, UserFactory
from .leftovers import erasure_leftovers


def collage(user, **fields):
    """A suggestion of two stored photos with its collage rendered, as the feed makes it."""
    suggestion = SuggestionFactory(owner=user, kind="collage", title="Zanzibar with Auntie Rose", **fields)
    for position in range(2):
        item = pictured(user, datetime(2024, 6, 15, 12, position))
        SuggestionItem.objects.create(suggestion=suggestion, media=item, position=position)
    feed_render.suggestion_render(suggestion.pk)
    suggestion.refresh_from_db()
    assert suggestion.asset and suggestion.asset_mime == "image/jpeg"
    return suggestion


def edit(user, state=Rendition.State.READY):
    """A saved edit with its file stored (made without EXIF, as the renderer makes it)."""
    data = jpeg_bytes(Image.new("RGB", (320, 400), (30, 120, 200)))
    name = save_bytes(derived_key(user.pk, "edits", "jpg"), data) if state == Rendition.State.READY else ""
    return Rendition.objects.create(
        owner=user, media=MediaItemFactory(owner=user), frame="4:5", state=state, file=name,
        width=320, height=400, bytes=len(data), scopes_used=Rendition.scopes_value(["library"]),
    )


def stored(name, private_storage):
    return (private_storage / name).read_bytes()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_no_exif(data):
    assert b"Exif\x00\x00" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


@pytest.fixture
def person(user):
    grant(user, "library", "time")
    return user


@pytest.fixture
def owner(client, person):
    client.force_login(person)
    return client


# -- the public page and file ------------------------------------------------------------------


def test_a_link_shows_exactly_its_asset_and_nothing_else(client, person, private_storage):
    suggestion = collage(person)
    link, key = sharing.share_create(person, suggestion=suggestion, method=Method.WEB)
    page = client.get(reverse("share:page", args=[key]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Referrer-Policy"] == "no-referrer" and page["Cache-Control"] == "private, no-store"
    assert "Shared with you through rollweb" in html and "link valid until" in html
    assert f'src="{reverse("share:file", args=[key])}"' in html and "<video" not in html
    for secret in (suggestion.title, "Zanzibar", "Auntie", suggestion.reason, person.username, person.email):
        assert secret not in html
    assert reverse("feed:asset", args=[suggestion.pk]) not in html and "/library/" not in html
    response = client.get(reverse("share:file", args=[key]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Cache-Control"] == "private, no-store"
    data = body(response)
    assert data == stored(suggestion.asset.name, private_storage)
    assert_no_exif(data)
    assert len(link.key_hash) == 64 and key not in link.key_hash and len(key) >= 32


def test_views_are_counted_when_the_page_is_shown(client, person):
    link, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    client.get(reverse("share:page", args=[key]))
    client.get(reverse("share:page", args=[key]))
    client.get(reverse("share:file", args=[key]))
    link.refresh_from_db()
    assert link.views == 2 and link.last_viewed_at is not None


def test_an_edit_is_shared_byte_for_byte_without_exif(client, owner, person, private_storage):
    rendition = edit(person)
    response = owner.post(reverse("library:edit_share", args=[rendition.pk]), {"days": "1"})
    assert response.status_code == 200
    link = ShareLink.objects.get(rendition=rendition)
    assert timedelta(hours=23) < link.expires_at - timezone.now() <= timedelta(days=1)
    url = response.context["url"]
    page = client.get(url)
    assert 'width="320" height="400"' in page.content.decode()
    data = body(client.get(url + "file"))
    assert data == stored(rendition.file.name, private_storage)
    assert_no_exif(data)


def test_a_video_is_shown_in_a_player(client, person):
    name = save_bytes(derived_key(person.pk, "suggestions", "mp4"), b"\x00\x00\x00\x18ftypmp42recap")
    suggestion = SuggestionFactory(owner=person, kind="recap_video", asset=name, asset_mime="video/mp4")
    _, key = sharing.share_create(person, suggestion=suggestion, method=Method.API)
    html = client.get(reverse("share:page", args=[key])).content.decode()
    assert "<video" in html and f'src="{reverse("share:file", args=[key])}"' in html
    response = client.get(reverse("share:file", args=[key]))
    assert response["Content-Type"] == "video/mp4" and body(response).endswith(b"recap")


def test_unknown_keys_and_other_methods_are_refused(client, person):
    _, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    for path in (reverse("share:page", args=["x" * 43]), reverse("share:page", args=[key[:-1]]), "/s/x/file"):
        response = client.get(path)
        assert response.status_code == 404 and response["X-Robots-Tag"] == "noindex, nofollow"
        assert "Not found" in response.content.decode()
    assert client.post(reverse("share:page", args=[key])).status_code == 405


# -- when a link ends --------------------------------------------------------------------------


def assert_gone(client, key):
    assert client.get(reverse("share:page", args=[key])).status_code == 404
    assert client.get(reverse("share:file", args=[key])).status_code == 404


def test_a_link_ends_when_it_expires(client, person):
    link, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    assert share_selectors.share_lookup(key, now=timezone.now() + timedelta(days=6, hours=23)) == link
    assert share_selectors.share_lookup(key, now=timezone.now() + timedelta(days=7, minutes=1)) is None
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_gone(client, key)


def test_revoking_ends_it_at_once_and_the_history_records_both(client, owner, person):
    response = owner.post(reverse("feed:share", args=[collage(person).pk]), {"days": "7"})
    link = ShareLink.objects.get(owner=person)
    key = response.context["url"].rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("share:page", args=[key])).status_code == 200
    assert owner.post(reverse("feed:share_revoke", args=[link.pk])).status_code == 302
    assert_gone(owner, key)
    owner.post(reverse("feed:share_revoke", args=[link.pk]))  # again: nothing more happens
    events = list(ConsentEvent.objects.filter(record__user=person, kind__in=["share", "unshare"]).order_by("at", "id"))
    assert [(e.kind, e.method) for e in events] == [("share", "web"), ("unshare", "web")]
    assert events[0].detail == "A share link to one collage, valid for 7 days."
    assert events[1].detail == "A share link was revoked after 1 view."
    history = owner.get(reverse("consent:privacy")).content.decode()
    assert "share link made" in history and "share link revoked" in history


def test_another_person_can_neither_share_nor_revoke(client, person, other_user):
    suggestion, rendition = collage(person), edit(person)
    link, key = sharing.share_create(person, suggestion=suggestion, method=Method.WEB)
    grant(other_user, "library")
    client.force_login(other_user)
    assert client.post(reverse("feed:share_revoke", args=[link.pk])).status_code == 404
    assert client.post(reverse("feed:share", args=[suggestion.pk])).status_code == 404
    assert client.post(reverse("library:edit_share", args=[rendition.pk])).status_code == 404
    with pytest.raises(sharing.NotShareable) as refused:
        sharing.share_create(other_user, suggestion=suggestion, method=Method.WEB)
    assert refused.value.not_found
    assert ShareLink.objects.count() == 1 and share_selectors.share_lookup(key) == link


def test_revoking_library_deletes_the_links_and_leaves_nothing(client, person):
    _, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    sharing.share_create(person, rendition=edit(person), method=Method.WEB)
    revocation = scopes_revoke(person, ["library"], method=Method.WEB)
    assert revocation.erased["share_links"] == 2
    assert_gone(client, key)
    assert not ShareLink.objects.exists()
    assert erasure_leftovers(person.pk, scopes=["library"]) == []


def test_a_link_shows_nothing_while_library_is_not_in_force(client, person):
    link, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    # Not withdrawn through the page (which erases), just not in force: ended under the person's feet.
    person.consent_record.grants.filter(scope="library").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_gone(client, key)


def test_revoking_a_scope_the_suggestion_used_ends_its_links(client, person):
    _, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)  # uses time
    revocation = scopes_revoke(person, ["time"], method=Method.WEB)
    assert revocation.erased["share_links"] == 1
    assert_gone(client, key)


def test_dismissing_a_suggestion_ends_its_links(client, person):
    suggestion = collage(person)
    _, key = sharing.share_create(person, suggestion=suggestion, method=Method.WEB)
    feed.suggestion_dismiss(suggestion, method=Method.WEB)
    assert_gone(client, key)


def test_deleting_a_photo_in_it_or_the_suggestion_ends_its_links(client, person, django_capture_on_commit_callbacks):
    first, second = collage(person, state=Suggestion.State.SAVED), collage(person)
    _, first_key = sharing.share_create(person, suggestion=first, method=Method.WEB)
    _, second_key = sharing.share_create(person, suggestion=second, method=Method.WEB)
    with django_capture_on_commit_callbacks(execute=True):
        services.media_delete(first.media.first())  # the saved collage is made again without it
    assert_gone(client, first_key)
    assert not ShareLink.objects.filter(suggestion=first).exists()
    second.delete()
    assert_gone(client, second_key)
    assert not ShareLink.objects.exists()


def test_deleting_an_edit_ends_its_links(client, person, django_capture_on_commit_callbacks):
    rendition = edit(person)
    _, key = sharing.share_create(person, rendition=rendition, method=Method.WEB)
    media = rendition.media
    with django_capture_on_commit_callbacks(execute=True):
        services.media_delete(media)
    assert_gone(client, key)
    assert erasure_leftovers(person.pk, deleted=[media, rendition]) == []


def test_deleting_the_account_ends_every_link(client, person):
    _, key = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    user_id = person.pk
    _, counts = account_erase(person, method=Method.WEB)
    assert counts["share_links"] == 1
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert_gone(client, key)
    assert erasure_leftovers(user_id, account=True) == []


# -- what cannot be shared ---------------------------------------------------------------------


def test_only_something_made_and_kept_can_be_shared(owner, person):
    unrendered = SuggestionFactory(owner=person)
    dismissed = collage(person)
    feed.suggestion_dismiss(dismissed, method=Method.WEB)
    pending = edit(person, Rendition.State.PENDING)
    for target in ({"suggestion": unrendered}, {"suggestion": dismissed}, {"rendition": pending}):
        with pytest.raises(sharing.NotShareable) as refused:
            sharing.share_create(person, method=Method.WEB, **target)
        assert not refused.value.not_found
    with pytest.raises(sharing.NotShareable) as refused:
        sharing.share_create(person, suggestion=collage(person), days=365, method=Method.WEB)
    assert refused.value.field == "days"
    assert owner.post(reverse("feed:share", args=[unrendered.pk])).status_code == 400
    assert owner.post(reverse("feed:share", args=[dismissed.pk]), {"days": "2"}).status_code == 400
    assert owner.get(reverse("feed:share", args=[unrendered.pk])).status_code == 405
    assert not ShareLink.objects.exists()
    assert not ConsentEvent.objects.filter(kind="share").exists()


# -- the owner's pages -------------------------------------------------------------------------


def test_the_link_is_shown_once_with_copy_and_revoke(owner, person):
    suggestion = collage(person)
    response = owner.post(reverse("feed:share", args=[suggestion.pk]), {"days": "30"})
    html = response.content.decode()
    link = ShareLink.objects.get(suggestion=suggestion)
    url = response.context["url"]
    assert url.startswith("http://testserver/s/") and url in html
    assert "cannot show it to you again" in html and 'data-copy="share-url"' in html
    assert reverse("feed:share_revoke", args=[link.pk]) in html
    assert response["Cache-Control"] == "private, no-store"
    assert timedelta(days=29, hours=23) < link.expires_at - timezone.now() <= timedelta(days=30)
    assert "js/share.js" in html and "<script>" not in html


def test_sharing_a_recap_says_its_title_card_goes_with_it(owner, person):
    """A recap's title card is in the video itself: the promise names it rather than claim no title."""
    name = save_bytes(derived_key(person.pk, "suggestions", "mp4"), b"\x00\x00\x00\x18ftypmp42recap")
    recap = SuggestionFactory(owner=person, kind="recap_video", title="Two years ago: Madrid", asset=name,
                              asset_mime="video/mp4")
    html = owner.post(reverse("feed:share", args=[recap.pk]), {"days": "7"}).content.decode()
    assert "Its opening card shows its title, “Two years ago: Madrid”" in html and "no title" not in html
    html = owner.post(reverse("feed:share", args=[collage(person).pk]), {"days": "7"}).content.decode()
    assert "no title, no names, no places" in html


def test_the_privacy_centre_lists_links_with_their_views_and_a_revoke(owner, client, person):
    live, _ = sharing.share_create(person, suggestion=collage(person), method=Method.WEB)
    ended, _ = sharing.share_create(person, rendition=edit(person), method=Method.WEB)
    sharing.share_view_count(live)
    sharing.share_revoke(ended, method=Method.WEB)
    html = owner.get(reverse("consent:privacy")).content.decode()
    panel = html.split('id="share-links"')[1].split("</section>")[0]
    assert "Share links" in html and "one collage" in panel and "one edited photo" in panel
    assert "live" in panel and "revoked" in panel
    assert reverse("feed:share_revoke", args=[live.pk]) in panel
    assert reverse("feed:share_revoke", args=[ended.pk]) not in panel
    assert live.key_hash not in panel


def test_the_share_controls_offer_download_share_sheet_and_a_link(person):
    html = render_to_string(
        "suggestions/sharing/_share_controls.html",
        {"share_action": "/suggestions/1/share/", "download_url": "/suggestions/1/asset/?download=1",
         "download_name": "collage.jpg", "asset_mime": "image/jpeg"},
    )
    assert 'href="/suggestions/1/asset/?download=1" download="collage.jpg"' in html
    assert 'data-share-type="image/jpeg"' in html and "hidden>Share…</button>" in html
    assert 'action="/suggestions/1/share/"' in html and '<option value="7" selected>' in html
    assert "<script" not in html


# -- the API -----------------------------------------------------------------------------------


def test_api_make_list_and_revoke(client, api, person):
    suggestion = collage(person)
    response = api.post("/api/v1/shares/", {"suggestion": suggestion.pk, "days": 30}, format="json")
    assert response.status_code == 201
    made = response.json()
    assert made["target"] == {"suggestion": suggestion.pk} and made["live"] and made["views"] == 0
    assert made["url"].startswith("http://testserver/s/")
    assert client.get(made["url"]).status_code == 200
    rendition = edit(person)
    assert api.post("/api/v1/shares/", {"rendition": rendition.pk}, format="json").status_code == 201
    listed = api.get("/api/v1/shares/").json()["results"]
    assert [row["target"] for row in listed] == [{"rendition": rendition.pk}, {"suggestion": suggestion.pk}]
    assert all("url" not in row for row in listed) and listed[1]["views"] == 1
    assert api.delete(f"/api/v1/shares/{made['id']}/").status_code == 204
    assert api.delete(f"/api/v1/shares/{made['id']}/").status_code == 204
    assert client.get(made["url"]).status_code == 404
    [row] = [row for row in api.get("/api/v1/shares/").json()["results"] if row["id"] == made["id"]]
    assert row["live"] is False and row["revoked_at"]
    kinds = [e.kind for e in ConsentEvent.objects.filter(record__user=person, kind__in=["share", "unshare"])]
    assert sorted(kinds) == ["share", "share", "unshare"]


def test_api_refusals(api, person, other_user):
    suggestion = collage(person)
    for payload in ({}, {"suggestion": suggestion.pk, "rendition": 1}, {"suggestion": suggestion.pk, "days": 2},
                    {"suggestion": "x"}, {"suggestion": 0}):
        assert api.post("/api/v1/shares/", payload, format="json").status_code == 400, payload
    unrendered = SuggestionFactory(owner=person)
    refused = api.post("/api/v1/shares/", {"suggestion": unrendered.pk}, format="json")
    assert refused.status_code == 400 and "nothing to share" in str(refused.json())
    grant(other_user, "library")
    other = api_client_for(other_user)
    assert other.post("/api/v1/shares/", {"suggestion": suggestion.pk}, format="json").status_code == 404
    link, _ = sharing.share_create(person, suggestion=suggestion, method=Method.WEB)
    assert other.delete(f"/api/v1/shares/{link.pk}/").status_code == 404
    assert other.get("/api/v1/shares/").json()["results"] == []
    anonymous = api_client_for(None)
    assert anonymous.get("/api/v1/shares/").status_code == 401
    assert anonymous.post("/api/v1/shares/", {"suggestion": suggestion.pk}, format="json").status_code == 401
    assert ShareLink.objects.get().revoked_at is None


def test_operators_see_dates_and_counts_never_the_asset_or_key(client, person):
    suggestion = collage(person)
    link, key = sharing.share_create(person, suggestion=suggestion, method=Method.WEB)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = [reverse("admin:suggestions_sharelink_changelist"), reverse("admin:suggestions_sharelink_change", args=[link.pk])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in (key, link.key_hash, suggestion.asset.name, suggestion.title, f"/suggestions/{suggestion.pk}/", "/s/"):
            assert secret not in html, (url, secret)
        assert 'name="_save"' not in html
    assert client.get(reverse("admin:suggestions_sharelink_add")).status_code == 403
    delete = reverse("admin:suggestions_sharelink_delete", args=[link.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403 and ShareLink.objects.filter(pk=link.pk).exists()


def _page_rows(owner):
    """The privacy centre's share rows: link id → the row's text."""
    import re

    page = owner.get(reverse("consent:privacy")).content.decode()
    return {int(pk): row for pk, row in re.findall(r'<tr id="share-(\d+)">(.*?)</tr>', page, re.S)}


def test_one_rule_for_links_revoked_on_the_page_through_the_api_or_by_dismissing(owner, api, person):
    """However a link ends by the person's hand, it is listed the same on the page and in the API,
    with the same fields, and recorded the same in the consent history."""
    made = {}
    for way in ("page", "api", "dismiss-page", "dismiss-api", "still-live", "long-ago"):
        suggestion = collage(person)
        made[way] = (sharing.share_create(person, suggestion=suggestion, method=Method.WEB)[0], suggestion)
    owner.post(reverse("feed:share_revoke", args=[made["page"][0].pk]))
    api.delete(f"/api/v1/shares/{made['api'][0].pk}/")
    owner.post(reverse("feed:dismiss", args=[made["dismiss-page"][1].pk]))
    api.post(f"/api/v1/suggestions/{made['dismiss-api'][1].pk}/dismiss/")
    sharing.share_revoke(made["long-ago"][0], method=Method.WEB, now=timezone.now() - timedelta(days=31))

    ended = {made[way][0].pk: way for way in ("page", "api", "dismiss-page", "dismiss-api")}
    listed = {row["id"]: row for row in api.get("/api/v1/shares/").json()["results"]}
    rows = _page_rows(owner)
    assert set(listed) == set(rows) == {*ended, made["still-live"][0].pk}
    for pk, way in ended.items():
        assert listed[pk]["state"] == "revoked" and listed[pk]["live"] is False, way
        assert listed[pk]["revoked_at"], way
        assert ">revoked<" in rows[pk] and "Revoke" not in rows[pk], way
    live = made["still-live"][0].pk
    assert listed[live]["state"] == "live" and listed[live]["revoked_at"] is None and "Revoke" in rows[live]

    events = ConsentEvent.objects.filter(record__user=person, kind="unshare").order_by("at", "id")
    assert [(e.method, e.detail) for e in events] == [
        ("web", "A share link was revoked after 0 views."),
        ("web", "A share link was revoked after 0 views."),
        ("api", "A share link was revoked after 0 views."),
        ("web", "A share link was revoked after 0 views, with the suggestion it showed."),
        ("api", "A share link was revoked after 0 views, with the suggestion it showed."),
    ]
