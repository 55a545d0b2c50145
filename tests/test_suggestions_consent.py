"""Each suggestion records the scopes whose data it used; revoking a scope removes exactly those
suggestions (and their files), and nothing is made or rendered from a scope that is not in force."""

from datetime import date, datetime, timedelta

import pytest

from consent.services import scopes_revoke
from suggestions.feed import render as feed_render, services as feed
from suggestions.models import Suggestion, SuggestionItem, SuggestionRefresh

from .conftest import grant
from .crafted import pictured
from .factories import HomeFactory, PersonFactory, SuggestionFactory

TODAY = date(2023, 11, 1)


def library_of_every_kind(user):
    """A trip (time, location), an event with Ada (time, faces), an event chosen by quality (time,
    themes), photos of this day two years ago (time) and Ada's birthday (time, faces)."""
    HomeFactory(owner=user)
    for day in range(3):
        for hour in range(3):
            pictured(user, datetime(2023, 10, 22 + day, 9 + hour), where="florence")
    ada = PersonFactory(owner=user, name="Ada", birthday=date(1990, 11, 5))
    for minute in range(0, 160, 20):
        pictured(user, datetime(2023, 10, 28, 12) + timedelta(minutes=minute), faces=[(400, 200, 200, 200)], person=ada)
    for minute in range(0, 160, 20):
        pictured(user, datetime(2023, 10, 29, 12) + timedelta(minutes=minute), quality=minute / 200)
    for minute in (0, 20, 40):
        pictured(user, datetime(2021, 11, 1, 12, minute))


@pytest.fixture
def suggested(user, django_capture_on_commit_callbacks):
    grant(user, "library", "time", "location", "faces", "themes")
    library_of_every_kind(user)
    with django_capture_on_commit_callbacks(execute=True):
        feed.suggestions_refresh(user.pk, today=TODAY)
    return {s.pk: s for s in Suggestion.objects.filter(owner=user)}


def test_every_kind_records_only_the_scopes_it_used(suggested):
    used = sorted((s.kind, s.scopes_used) for s in suggested.values())
    assert used == [
        ("birthday", ",faces,library,time,"),
        ("event", ",faces,library,time,"),
        ("event", ",library,themes,time,"),
        ("on_this_day", ",library,time,"),
        ("trip", ",library,location,time,"),
    ]
    assert all(s.asset for s in suggested.values())


@pytest.mark.parametrize("scope", ["time", "location", "faces", "themes"])
def test_revoking_a_scope_removes_exactly_the_suggestions_that_used_it(user, suggested, scope, private_storage):
    using = {pk for pk, s in suggested.items() if scope in s.scope_keys}
    assert using and len(using) < len(suggested) or scope == "time"

    revocation = scopes_revoke(user, [scope], method="web")

    assert set(Suggestion.objects.filter(owner=user).values_list("pk", flat=True)) == set(suggested) - using
    assert revocation.erased["suggestions"] == len(using)
    for pk, suggestion in suggested.items():
        assert (private_storage / suggestion.asset.name).exists() == (pk not in using)


def test_a_refresh_makes_nothing_from_scopes_not_in_force(user, django_capture_on_commit_callbacks):
    grant(user, "library", "time")
    library_of_every_kind(user)
    with django_capture_on_commit_callbacks(execute=True):
        feed.suggestions_refresh(user.pk, today=TODAY)
    kinds = sorted(Suggestion.objects.values_list("kind", "scopes_used"))
    assert kinds == [("event", ",library,time,"), ("event", ",library,time,"), ("on_this_day", ",library,time,")]


def test_after_a_revoke_the_next_refresh_suggests_again_without_that_data(user, suggested, django_capture_on_commit_callbacks):
    scopes_revoke(user, ["faces"], method="web")
    with django_capture_on_commit_callbacks(execute=True):
        created = feed.suggestions_refresh(user.pk, today=TODAY).created
    assert [s.kind for s in created] == ["event"]
    assert "faces" not in created[0].scope_keys and "people" not in created[0].reason


def test_a_render_checks_consent_when_it_runs(user, stored_files):
    grant(user, "library", "time")
    item = pictured(user, datetime(2023, 10, 1, 12))
    suggestion = SuggestionFactory(owner=user, scopes_used=Suggestion.scopes_value(["library", "time", "faces"]))
    SuggestionItem.objects.create(suggestion=suggestion, media=item, position=0)
    before = stored_files()
    assert feed_render.suggestion_render(suggestion.pk) is None
    assert stored_files() == before
    suggestion.refresh_from_db()
    assert not suggestion.asset


def test_revoking_the_library_removes_every_suggestion_and_its_files(user, suggested, stored_files):
    scopes_revoke(user, ["library"], method="web")
    assert not Suggestion.objects.filter(owner=user).exists()
    assert not SuggestionRefresh.objects.filter(owner=user).exists()
    assert not [name for name in stored_files() if name.startswith(f"users/{user.pk}/")]


def test_a_scope_revoked_while_drafting_is_checked_again_before_writing(user, monkeypatch):
    grant(user, "library", "time", "location")
    library_of_every_kind(user)
    library_drafts = feed.library_drafts

    def revoke_meanwhile(library):
        drafts = library_drafts(library)
        assert any("location" in draft.scopes for draft in drafts)
        scopes_revoke(user, ["location"], method="web")
        return drafts

    monkeypatch.setattr(feed, "library_drafts", revoke_meanwhile)
    created = feed.suggestions_refresh(user.pk, today=TODAY).created
    assert created and not any("location" in s.scope_keys for s in Suggestion.objects.filter(owner=user))
