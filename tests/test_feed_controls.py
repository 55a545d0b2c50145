"""The person's controls over what is suggested, on the crafted eight-year library: never feature
someone, feature them less, hide days, fewer of a kind — each on the card, in the privacy centre
and the API, each undone there; what is withheld never reaches a suggestion, a collage, a recap or
a share link, and existing ones are withdrawn."""

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from consent.export import export_build, export_request
from consent.models import ConsentEvent
from consent.services import scopes_revoke
from suggestions.feed import controls, render as feed_render, services as feed
from suggestions.feed.selectors import feed_queryset, library_snapshot
from suggestions.generators import drafts_for
from suggestions.models import Face, FewerKind, HiddenRange, Person, ShareLink, Suggestion, SuggestionItem
from suggestions.people.services import people_preference_set
from suggestions.sharing import services as sharing

from .conftest import api_client_for, grant
from .crafted import EVERY_SCOPE, pictured
from .crafted_library import TRIPS, crafted_library
from .factories import FaceFactory, PersonFactory, SuggestionFactory, UserFactory
from .leftovers import erasure_leftovers

PEOPLE_KINDS = {"spotlight", "then_and_now", "together", "been_a_while"}


@pytest.fixture
def roll(user):
    grant(user, *EVERY_SCOPE)
    return crafted_library(user)


def showing(person):
    return set(Face.objects.filter(person=person).values_list("media_id", flat=True))


def stored_media(user):
    return set(SuggestionItem.objects.filter(suggestion__owner=user).values_list("media_id", flat=True))


def drafts(roll):
    return drafts_for(library_snapshot(roll.user.pk, EVERY_SCOPE, roll.today))


def test_never_featuring_someone_withdraws_every_suggestion_showing_them(roll):
    feed.suggestions_refresh(roll.user.pk, today=roll.today)
    ben = roll.people["Ben"]
    assert stored_media(roll.user) & showing(ben)  # before: Ben is in suggestions
    saved = Suggestion.objects.filter(owner=roll.user, suggestionitem__media__in=showing(ben)).distinct().first()
    feed.suggestion_save(saved)
    before = SuggestionItem.objects.filter(suggestion=saved).count()

    controls.person_feature_set(ben, Person.Feature.NEVER)

    assert not stored_media(roll.user) & showing(ben)
    saved.refresh_from_db()
    assert saved.state == "saved" and not saved.asset  # kept, without Ben's photos, to be rendered again
    assert 0 < SuggestionItem.objects.filter(suggestion=saved).count() < before
    assert not any(set(d.items) & showing(ben) for d in drafts(roll))
    assert not any(d.kind in PEOPLE_KINDS and "Ben" in d.title for d in drafts(roll))
    feed.suggestions_refresh(roll.user.pk, today=roll.today)
    assert not stored_media(roll.user) & showing(ben)


def test_featuring_someone_less_ends_memories_about_them_but_not_their_photos(roll):
    cleo = roll.people["Cleo"]
    assert any(d.kind in PEOPLE_KINDS and "Cleo" in d.title for d in drafts(roll))
    controls.person_feature_set(cleo, Person.Feature.LESS)
    after = drafts(roll)
    assert not any(d.kind in PEOPLE_KINDS and "Cleo" in d.title for d in after)
    assert any(d.kind == "spotlight" and "Ada" in d.title for d in after)
    assert any(set(d.items) & showing(cleo) for d in after if d.kind not in PEOPLE_KINDS)
    controls.person_feature_set(cleo, "")
    assert any(d.kind in PEOPLE_KINDS and "Cleo" in d.title for d in drafts(roll))


def test_hidden_days_leave_every_kind_and_come_back_when_undone(roll):
    kyoto = next(trip for trip in TRIPS if trip.cities[0] == "kyoto")
    feed.suggestions_refresh(roll.user.pk, today=roll.today)
    in_range = {item.pk for item in roll.items if kyoto.start <= item.captured_at.date() <= kyoto.end}
    assert stored_media(roll.user) & in_range
    assert any("Kyoto" in d.title or "Japan" in d.title for d in drafts(roll))

    hidden = controls.hidden_range_add(roll.user.pk, kyoto.start, kyoto.end)

    assert not stored_media(roll.user) & in_range
    assert not any(set(d.items) & in_range for d in drafts(roll))
    assert not any("Kyoto" in d.title or "Japan" in d.title for d in drafts(roll))
    feed.suggestions_refresh(roll.user.pk, today=roll.today)
    assert not stored_media(roll.user) & in_range

    controls.hidden_range_remove(hidden)
    assert any(set(d.items) & in_range for d in drafts(roll))


def test_a_day_hidden_by_upload_date_when_capture_times_are_not_allowed(user):
    grant(user, "library")
    item = pictured(user)
    assert library_snapshot(user.pk, ["library"], date.today()).photos
    controls.hidden_range_add(user.pk, item.created_at.date(), item.created_at.date())
    assert not library_snapshot(user.pk, ["library"], date.today()).photos


def test_a_refused_range_changes_nothing(user):
    with pytest.raises(controls.ControlRefused):
        controls.hidden_range_add(user.pk, date(2024, 5, 2), date(2024, 5, 1))
    assert not HiddenRange.objects.exists()


def shared_collage(user, person=None, taken=datetime(2024, 6, 15, 12)):
    """A rendered two-photo collage (one photo showing `person`) with a live share link."""
    grant(user, "library", "time", "faces")
    suggestion = SuggestionFactory(owner=user, kind="event", title="A day out")
    first = pictured(user, taken, faces=[(100, 100, 200, 200)], person=person)
    second = pictured(user, taken.replace(hour=13))
    for position, item in enumerate((first, second)):
        SuggestionItem.objects.create(suggestion=suggestion, media=item, position=position)
    feed_render.suggestion_render(suggestion.pk)
    suggestion.refresh_from_db()
    link, key = sharing.share_create(user, suggestion=suggestion, method="web")
    return suggestion, link, key, first


def test_never_featuring_someone_ends_the_share_links_that_show_them(client, user):
    zoe = PersonFactory(owner=user, name="Zoe")
    suggestion, link, key, _ = shared_collage(user, person=zoe)
    assert client.get(reverse("share:page", args=[key])).status_code == 200
    controls.person_feature_set(zoe, Person.Feature.NEVER)
    assert client.get(reverse("share:page", args=[key])).status_code == 404
    assert not Suggestion.objects.filter(pk=suggestion.pk).exists()  # unsaved: withdrawn
    assert ConsentEvent.objects.filter(kind=ConsentEvent.Kind.UNSHARE, detail__contains="hidden from suggestions").exists()


def test_a_hidden_day_ends_its_share_links_and_a_saved_collage_left_empty(client, user):
    suggestion, link, key, _ = shared_collage(user)
    feed.suggestion_save(suggestion)
    controls.hidden_range_add(user.pk, date(2024, 6, 15), date(2024, 6, 15))
    assert client.get(reverse("share:page", args=[key])).status_code == 404
    # saved, but every photo was on that day: nothing is left to show, so it goes with its link
    assert not Suggestion.objects.filter(pk=suggestion.pk).exists() and not ShareLink.objects.filter(pk=link.pk).exists()
    assert ConsentEvent.objects.filter(kind=ConsentEvent.Kind.UNSHARE, detail__contains="hidden from suggestions").exists()
    other, _, _, _ = shared_collage(user, taken=datetime(2024, 6, 16, 12))
    Suggestion.objects.filter(pk=other.pk).update(asset="")
    other.refresh_from_db()
    assert feed_render.suggestion_render(other.pk)  # a day not hidden renders and shares as before


def test_a_link_made_before_a_person_was_hidden_elsewhere_stops_at_once(client, user):
    zoe = PersonFactory(owner=user, name="Zoe")
    suggestion, link, key, first = shared_collage(user)
    FaceFactory(media=first, person=zoe, x=10, y=10, w=50, h=50)  # Zoe found in it later
    Person.objects.filter(pk=zoe.pk).update(feature=Person.Feature.NEVER)  # without the service's withdrawal
    assert client.get(reverse("share:page", args=[key])).status_code == 404
    with pytest.raises(sharing.NotShareable):
        sharing.share_create(user, suggestion=suggestion, method="web")


def test_a_render_leaves_out_a_withheld_photo(user):
    zoe = PersonFactory(owner=user, name="Zoe", feature=Person.Feature.NEVER)
    grant(user, "library", "time", "faces")
    suggestion = SuggestionFactory(owner=user, kind="recap_video", title="Video")
    withheld = pictured(user, datetime(2024, 6, 1, 10), faces=[(100, 100, 200, 200)], person=zoe)
    SuggestionItem.objects.create(suggestion=suggestion, media=withheld, position=0)
    assert feed_render.suggestion_render(suggestion.pk) is None  # its only photo is withheld: nothing made


def test_fewer_like_this_on_a_card_takes_it_away_and_ranks_the_kind_lower(roll, client):
    feed.suggestions_refresh(roll.user.pk, today=roll.today)
    client.force_login(roll.user)
    card = feed_queryset(roll.user).first()
    page = client.get(reverse("feed:index"))
    assert reverse("feed:fewer", args=[card.pk]).encode() in page.content
    answer = client.post(reverse("feed:fewer", args=[card.pk]), {"next": reverse("feed:index")})
    assert answer.status_code == 302
    assert FewerKind.objects.filter(owner=roll.user, kind=card.kind).exists()
    assert card.pk not in set(feed_queryset(roll.user).values_list("pk", flat=True))
    privacy = client.get(reverse("consent:privacy"))
    assert f'id="fewer-{card.kind}"'.encode() in privacy.content
    client.post(reverse("feed:fewer_undo", args=[card.kind]))
    assert not FewerKind.objects.filter(owner=roll.user).exists()


def test_the_card_offers_each_control_and_the_privacy_centre_undoes_them(roll, client):
    feed.suggestions_refresh(roll.user.pk, today=roll.today)
    client.force_login(roll.user)
    page = client.get(reverse("feed:index")).content.decode()
    assert "Feature less" in page and "Never feature" in page and "from suggestions</button>" in page
    dan = roll.people["Dan"]
    client.post(reverse("feed:person_feature", args=[dan.pk]), {"feature": "never"})
    client.post(reverse("feed:hide_days"), {"start": "2023-04-01", "end": "2023-04-07"})
    privacy = client.get(reverse("consent:privacy")).content.decode()
    assert f'id="person-control-{dan.pk}"' in privacy and "never featured" in privacy
    hidden = HiddenRange.objects.get(owner=roll.user)
    assert f'id="hidden-range-{hidden.pk}"' in privacy and "1 Apr 2023 – 7 Apr 2023" in privacy
    client.post(reverse("feed:person_feature", args=[dan.pk]), {"feature": ""})
    client.post(reverse("feed:hide_days_undo", args=[hidden.pk]))
    assert Person.objects.get(pk=dan.pk).feature == "" and not HiddenRange.objects.exists()
    assert client.post(reverse("feed:hide_days"), {"start": "soon"}).status_code == 302  # refused, said why


def test_another_persons_controls_are_404(client, user):
    other = UserFactory()
    theirs = PersonFactory(owner=other, name="Theirs")
    hidden = HiddenRange.objects.create(owner=other, start=date(2020, 1, 1), end=date(2020, 1, 2))
    client.force_login(user)
    assert client.post(reverse("feed:person_feature", args=[theirs.pk]), {"feature": "never"}).status_code == 404
    assert client.post(reverse("feed:hide_days_undo", args=[hidden.pk])).status_code == 404
    api = api_client_for(user)
    assert api.delete(f"/api/v1/controls/hidden-ranges/{hidden.pk}/").status_code == 404
    assert api.patch(f"/api/v1/people/{theirs.pk}/", {"feature": "never"}, format="json").status_code == 404
    assert HiddenRange.objects.filter(pk=hidden.pk).exists() and Person.objects.get(pk=theirs.pk).feature == ""


def test_the_api_sets_lists_and_undoes_every_control(roll):
    api = api_client_for(roll.user)
    ben = roll.people["Ben"]
    answer = api.patch(f"/api/v1/people/{ben.pk}/", {"feature": "less"}, format="json")
    assert answer.status_code == 200 and answer.json()["feature"] == "less"
    assert api.patch(f"/api/v1/people/{ben.pk}/", {"feature": "sometimes"}, format="json").status_code == 400
    created = api.post("/api/v1/controls/hidden-ranges/", {"start": "2022-05-03", "end": "2022-05-06"}, format="json")
    assert created.status_code == 201 and created.json()["end"] == "2022-05-06"
    assert api.post("/api/v1/controls/hidden-ranges/", {"start": "2022-05-06", "end": "2022-05-01"},
                    format="json").status_code == 400
    assert api.post("/api/v1/controls/fewer/", {"kind": "holiday"}, format="json").status_code == 201
    assert api.post("/api/v1/controls/fewer/", {"kind": "nonsense"}, format="json").status_code == 400
    state = api.get("/api/v1/controls/").json()
    assert state["people"] == [{"id": ben.pk, "name": "Ben", "feature": "less"}]
    assert [r["start"] for r in state["hidden_ranges"]] == ["2022-05-03"]
    assert state["fewer_kinds"] == [{"kind": "holiday", "name": "holidays"}]
    assert api.delete(f"/api/v1/controls/hidden-ranges/{created.json()['id']}/").status_code == 204
    assert api.delete("/api/v1/controls/fewer/holiday/").status_code == 204
    assert api.patch(f"/api/v1/people/{ben.pk}/", {"feature": ""}, format="json").json()["feature"] == ""
    state = api.get("/api/v1/controls/").json()
    assert state["people"] == [] and state["hidden_ranges"] == [] and state["fewer_kinds"] == []


def test_the_api_sets_the_people_preference_and_asks_for_years_in_review(user):
    api = api_client_for(user)
    assert api.get("/api/v1/people/preference/").json() == {"suggest_unnamed": False}
    assert api.put("/api/v1/people/preference/", {"suggest_unnamed": True}, format="json").json() == {
        "suggest_unnamed": True}
    assert api.put("/api/v1/people/preference/", {"suggest_unnamed": "maybe"}, format="json").status_code == 400
    answer = api.post("/api/v1/year-reviews/", {"year": 2019}, format="json")
    assert answer.status_code == 201 and answer.json()["year"] == 2019
    assert api.post("/api/v1/year-reviews/", {"year": 3000}, format="json").status_code == 400
    assert [row["year"] for row in api.get("/api/v1/year-reviews/").json()] == [2019]
    assert api_client_for(UserFactory()).get("/api/v1/year-reviews/").json() == []


def test_the_export_holds_every_choice(user):
    grant(user, "library", "faces")
    ada = PersonFactory(owner=user, name="Ada", feature=Person.Feature.LESS)
    HiddenRange.objects.create(owner=user, start=date(2020, 1, 1), end=date(2020, 1, 31))
    FewerKind.objects.create(owner=user, kind="holiday")
    api = api_client_for(user)
    api.put("/api/v1/people/preference/", {"suggest_unnamed": True}, format="json")
    api.post("/api/v1/year-reviews/", {"year": 2019}, format="json")
    export, _ = export_request(user)
    ready = export_build(export.pk)
    with default_storage.open(ready.file.name, "rb") as stored:
        archive = zipfile.ZipFile(io.BytesIO(stored.read()))
    choices = json.loads(archive.read("choices.json"))
    assert choices["people_featured"] == [{"person": ada.pk, "name": "Ada", "feature": "less"}]
    assert [(r["start"], r["end"]) for r in choices["hidden_days"]] == [("2020-01-01", "2020-01-31")]
    assert [r["kind"] for r in choices["fewer_of"]] == ["holiday"]
    assert [r["suggest_unnamed"] for r in choices["people_preference"]] == [True]
    assert [r["year"] for r in choices["years_in_review_asked"]] == [2019]
    assert "choices.json" in archive.read("README.txt").decode()


def test_operators_see_controls_without_any_photo_or_day(admin_client, user):
    HiddenRange.objects.create(owner=user, start=date(2020, 1, 1), end=date(2020, 1, 31))
    FewerKind.objects.create(owner=user, kind="holiday")
    page = admin_client.get(reverse("admin:suggestions_hiddenrange_changelist"))
    assert page.status_code == 200 and b"31" in page.content and b"2020" not in page.content
    assert b"thumbnail" not in page.content and b"/library/" not in page.content
    assert admin_client.get(reverse("admin:suggestions_fewerkind_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:suggestions_peoplepreference_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:suggestions_yearreviewrequest_changelist")).status_code == 200


def test_withdrawing_the_library_erases_every_choice_about_its_suggestions(user):
    grant(user, "library", "faces")
    PersonFactory(owner=user, name="Ada", feature=Person.Feature.NEVER)
    HiddenRange.objects.create(owner=user, start=date(2020, 1, 1), end=date(2020, 1, 31))
    FewerKind.objects.create(owner=user, kind="holiday")
    people_preference_set(user.pk, suggest_unnamed=True)
    feed.year_review_request(user.pk, 2019)
    scopes_revoke(user, ["library"], method="web")
    assert erasure_leftovers(user.pk, ["library"]) == []
