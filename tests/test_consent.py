"""The consent rules of DESIGN.md that the services enforce."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent import scopes
from consent.models import AppendOnlyError, ConsentEvent, Erasure, Grant, Method, Notice
from consent.services import (
    ConsentError,
    ScopeNotGranted,
    active_grants,
    consent_record,
    consent_state,
    library_holders,
    scope_guard,
    scopes_grant,
    scopes_revoke,
)
from suggestions.models import MediaItem

from .conftest import grant
from .factories import MediaItemFactory, UserFactory


def test_every_scope_starts_off(user):
    states = consent_state(user)
    assert [state.key for state in states] == ["library", "sync", "time", "location", "faces", "themes"]
    assert not any(state.granted for state in states)
    assert active_grants(user.pk) == {}


def test_there_is_no_scope_for_training_advertising_or_third_parties():
    assert set(scopes.SCOPES) == {"library", "sync", "time", "location", "faces", "themes"}
    purposes = " ".join(f"{scope.title} {scope.allows}" for scope in scopes.SCOPES.values()).lower()
    for word in ("train", "advertis", "third part", "marketing", "share with"):
        assert word not in purposes
    assert "never used to train models, for advertising, or shared with anyone" in scopes.COMMON_PROMISE


def test_a_face_is_a_box_an_encoding_and_a_person():
    from suggestions.models import Face

    fields = {field.name for field in Face._meta.get_fields()}
    assert fields == {"id", "media", "person", "x", "y", "w", "h", "encoding", "created_at"}


def test_grant_records_notice_version_time_method_and_receipt(user):
    before = timezone.now()
    [library] = grant(user, "library")
    assert library.notice_version == scopes.SCOPES["library"].notice_version
    assert library.method == Method.WEB
    assert library.granted_at >= before
    event = ConsentEvent.objects.get(record__user=user, kind="grant")
    assert (event.scope, event.notice_version, event.receipt_id) == ("library", library.notice_version, library.receipt_id)
    notice = Notice.objects.get(scope="library", version=library.notice_version)
    assert notice.text == scopes.SCOPES["library"].notice_text


def test_every_scope_but_library_needs_library(user):
    with pytest.raises(ConsentError, match="library"):
        grant(user, "time")
    assert not Grant.objects.exists()
    grant(user, "library", "time")
    assert set(active_grants(user.pk)) == {"library", "time"}


def test_unknown_scope_and_stale_notice_are_refused(user):
    with pytest.raises(ConsentError, match="Unknown scope"):
        grant(user, "library", "advertising")
    with pytest.raises(ConsentError, match="changed"):
        scopes_grant(user, ["library"], notice_version="0" * 16, method=Method.API)
    assert not Grant.objects.exists()


def test_faces_needs_its_own_confirmation(user):
    grant(user, "library")
    with pytest.raises(ConsentError, match="confirmation"):
        scopes_grant(user, ["faces"], notice_version=scopes.notice_version(), method=Method.WEB)
    assert "faces" not in active_grants(user.pk)
    scopes_grant(user, ["faces"], notice_version=scopes.notice_version(), method=Method.WEB, biometric_confirmed=True)
    faces = active_grants(user.pk)["faces"]
    assert faces.expires_at is not None and (faces.expires_at - faces.granted_at).days == 365


def test_granting_twice_changes_nothing(user):
    grant(user, "library")
    assert grant(user, "library") == []
    assert Grant.objects.filter(record__user=user).count() == 1


def test_revoke_ends_grant_and_logs_revoke_and_erasure(user):
    grant(user, "library", "time")
    revocation = scopes_revoke(user, ["time"], method=Method.API)
    assert revocation.revoked == ["time"]
    assert set(active_grants(user.pk)) == {"library"}
    kinds = list(ConsentEvent.objects.filter(record__user=user).order_by("id").values_list("kind", "scope"))
    assert kinds == [("grant", "library"), ("grant", "time"), ("revoke", "time"), ("erasure", "time")]


def test_revoking_library_revokes_every_scope(user):
    grant(user, "library", "time", "location", "themes")
    revocation = scopes_revoke(user, ["library"], method=Method.WEB)
    assert revocation.revoked == ["library", "time", "location", "themes"]
    assert active_grants(user.pk) == {}


def test_scopes_pause_when_their_notice_changes(user, monkeypatch):
    grant(user, "library", "location")
    location = scopes.SCOPES["location"]
    changed = scopes.Scope(**{**location.__dict__, "allows": location.allows + " Also new."})
    monkeypatch.setitem(scopes.SCOPES, "location", changed)
    assert set(active_grants(user.pk)) == {"library"}
    state = {s.key: s for s in consent_state(user)}["location"]
    assert state.paused and not state.granted
    with pytest.raises(ScopeNotGranted):
        with scope_guard(user.pk, "location"):
            pass
    grant(user, "location")
    assert "location" in active_grants(user.pk)


def test_consent_events_are_append_only(user):
    grant(user, "library")
    event = ConsentEvent.objects.get(record__user=user)
    event.detail = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.all().delete()
    assert ConsentEvent.objects.get(pk=event.pk).detail == ""


def test_deleting_the_account_keeps_only_a_pseudonymous_log(user):
    grant(user, "library")
    record_id = user.consent_record.pk
    user.delete()
    events = ConsentEvent.objects.filter(record_id=record_id)
    assert events.count() == 1
    assert events.get().record.user is None


def test_scope_guard_refuses_without_the_scope(user):
    grant(user, "library")
    with pytest.raises(ScopeNotGranted) as raised:
        with scope_guard(user.pk, "faces"):
            pass
    assert raised.value.scope == "faces"
    with scope_guard(user.pk, "library") as held:
        assert set(held) == {"library"}


def test_a_signed_in_page_reads_consent_once(client, user):
    grant(user, "library", "time", "location", "faces")
    client.force_login(user)
    for page in ("library:index", "feed:index", "people:index", "library:map"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page)).status_code == 200
        assert sum("consent_grant" in q["sql"].replace('"', '') for q in queries) == 1, page


def test_a_scope_being_erased_is_not_in_force_and_asks_no_renewal(client, user):
    scopes_grant(user, ["library", "faces"], notice_version=scopes.notice_version(), method=Method.WEB,
                 biometric_confirmed=True, now=timezone.now() - timedelta(days=340))
    client.force_login(user)
    assert "ends soon" in client.get(reverse("library:index")).content.decode()
    faces = Erasure.objects.create(record=consent_record(user), scope="faces", method=Method.WEB)
    assert set(active_grants(user.pk)) == {"library"}
    assert "ends soon" not in client.get(reverse("library:index")).content.decode()
    assert [state.erasing for state in consent_state(user) if state.key in ("library", "faces")] == [False, True]
    Erasure.objects.filter(pk=faces.pk).update(status=Erasure.Status.DONE)
    assert set(active_grants(user.pk)) == {"library", "faces"}
    Erasure.objects.create(record=consent_record(user), scope=Erasure.ACCOUNT, method=Method.WEB)
    assert active_grants(user.pk) == {}
    assert "ends soon" not in client.get(reverse("library:index")).content.decode()


def test_library_holders_are_the_people_whose_library_is_in_force(user, other_user):
    def holders():
        return set(MediaItem.objects.filter(owner_id__in=library_holders()).values_list("owner_id", flat=True))

    stale, expired, erasing, revoked = (UserFactory() for _ in range(4))
    for person in (user, other_user, stale, expired, erasing, revoked):
        grant(person, "library")
        MediaItemFactory(owner=person)
    Grant.objects.filter(record__user=stale).update(notice_version="0" * 16)
    Grant.objects.filter(record__user=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    Erasure.objects.create(record=consent_record(erasing), scope="library", method=Method.WEB)
    scopes_revoke(revoked, ["library"], method=Method.WEB)
    Erasure.objects.create(record=consent_record(other_user), scope="faces", method=Method.WEB)
    assert holders() == {user.pk, other_user.pk}
    Erasure.objects.create(record=consent_record(other_user), scope=Erasure.ACCOUNT, method=Method.WEB)
    assert holders() == {user.pk}
