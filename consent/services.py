"""Consent operations shared by the pages, the API, the admin and the workers."""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from rollweb import metrics

from . import scopes as scope_defs
from .erasing import PENDING, erasure_request, pending_scopes
from .erasure import erase_scope, erasure_is_large
from .models import ConsentEvent, ConsentRecord, Erasure, Grant, Notice
from .scopes import LIBRARY, ORDER, SCOPES
from .signals import scopes_granted


# How long before a time-limited grant (faces) lapses the person is asked to renew it.
RENEWAL_WINDOW = timedelta(days=30)


class ConsentError(Exception):
    """A grant or revoke request that cannot be honoured; the message is for the person.

    `field` names the request field at fault (scopes, notice_version, biometric_confirmed).
    """

    def __init__(self, message, field="scopes"):
        super().__init__(message)
        self.field = field


class ScopeNotGranted(Exception):
    def __init__(self, scope):
        super().__init__(scope)
        self.scope = scope


@dataclass
class ScopeState:
    scope: scope_defs.Scope
    grant: Grant | None
    paused: bool  # granted under an older notice: asked again, nothing runs meanwhile
    erasing: bool = False  # what was derived under it is being erased (consent/erasing.py)

    @property
    def key(self):
        return self.scope.key

    @property
    def granted(self):
        return self.grant is not None and not self.paused and not self.erasing

    @property
    def notice_changes(self):
        return notice_changes(self.grant) if self.paused else []

    @property
    def renewal_due(self):
        """A time-limited grant close to its end: the person is asked to renew it."""
        if not self.granted or self.grant.expires_at is None:
            return False
        return self.grant.expires_at - timezone.now() <= RENEWAL_WINDOW


@dataclass
class Revocation:
    revoked: list
    erased: Counter
    erasing: list = field(default_factory=list)  # scopes being erased in chunks by a worker


def consent_record(user):
    record, _ = ConsentRecord.objects.get_or_create(user=user)
    return record


def notice_shown(scope_key):
    """Store (once) the exact notice text of a scope's current version and return it."""
    scope = SCOPES[scope_key]
    notice, _ = Notice.objects.get_or_create(
        scope=scope_key, version=scope.notice_version, defaults={"text": scope.notice_text}
    )
    return notice


def active_grants(user_id, now=None):
    """The grants in force for a person, by scope.

    A grant is in force when it has not ended or expired, was given under the scope's
    current notice, and `library` (the prerequisite of every other scope) is in force too.
    """
    return _in_force(_consent_read(user_id, now))


def request_grants(request):
    """active_grants of the signed-in person, read once per request: the page's view and the
    consent_attention context processor share it. Only for reads: a view that changes consent
    asks active_grants afterwards."""
    return _in_force(_request_read(request))


def request_grant_states(request):
    """The state of each scope with an open grant, from the read request_grants shares."""
    open_grants = {grant.scope: grant for grant in _request_read(request)}
    library_in_force = _library_in_force(open_grants)
    return [
        _state(key, open_grants[key], library_in_force, bool(open_grants[key].erasing))
        for key in ORDER if key in open_grants
    ]


def _request_read(request):
    request = getattr(request, "_request", request)  # a DRF Request wraps Django's
    if getattr(request, "_consent_read", None) is None:
        request._consent_read = _consent_read(request.user.pk)
    return request._consent_read


# What the queries written out below name.
_SQL_NAMES = dict(
    erasure=Erasure._meta.db_table, grant=Grant._meta.db_table, record=ConsentRecord._meta.db_table,
    pending=", ".join(f"'{status}'" for status in PENDING), library=LIBRARY, account=Erasure.ACCOUNT,
)
_CURRENT_GRANTS = (
    "SELECT g.*, EXISTS (SELECT 1 FROM {erasure} e WHERE e.record_id = g.record_id AND e.status IN ({pending}) "
    "AND (e.scope = g.scope OR e.scope IN ('{library}', '{account}'))) AS erasing "
    "FROM {grant} g INNER JOIN {record} r ON r.id = g.record_id "
    "WHERE r.user_id = %s AND g.ended_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > %s)"
).format(**_SQL_NAMES)


def _consent_read(user_id, now=None):
    """The grants neither ended nor expired, of any notice version, each with `erasing`: whether an
    erasure of its scope, of `library` or of the account is pending. One query, written out: it
    runs on nearly every request, and building it with the ORM cost more CPU than the database
    spends on it."""
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())  # as the ORM would pass it
    return list(Grant.objects.raw(_CURRENT_GRANTS, [user_id, now]))


def _in_force(current):
    grants = {grant.scope: grant for grant in current if grant.notice_version == SCOPES[grant.scope].notice_version}
    if LIBRARY not in grants or grants[LIBRARY].erasing:
        return {}
    return {key: grant for key, grant in grants.items() if not grant.erasing}


_LIBRARY_HOLDERS = (
    "SELECT r.user_id FROM {grant} g INNER JOIN {record} r ON r.id = g.record_id "
    "WHERE g.scope = '{library}' AND g.notice_version = %s AND g.ended_at IS NULL "
    "AND (g.expires_at IS NULL OR g.expires_at > %s) AND NOT EXISTS (SELECT 1 FROM {erasure} e "
    "WHERE e.record_id = g.record_id AND e.scope IN ('{library}', '{account}') AND e.status IN ({pending}))"
).format(**_SQL_NAMES)


def library_holders(now=None):
    """The ids of the people whose `library` consent is in force, as a subquery for filters
    (`owner_id__in=`). Written out: the pipeline asks it twice or more per item, and the ORM's
    building of it cost ≈0.75 ms of CPU each time."""
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    return RawSQL(_LIBRARY_HOLDERS, [SCOPES[LIBRARY].notice_version, now])


def scope_granted(user_id, scope_key):
    return scope_key in active_grants(user_id)


def consent_state(user):
    open_grants = {g.scope: g for g in Grant.objects.current().filter(record__user=user)}
    erasing = pending_scopes(user.pk)
    library_in_force = _library_in_force(open_grants)
    return [
        _state(key, open_grants.get(key), library_in_force, bool({key, LIBRARY, Erasure.ACCOUNT} & erasing))
        for key in ORDER
    ]


def _library_in_force(open_grants):
    return LIBRARY in open_grants and open_grants[LIBRARY].notice_version == SCOPES[LIBRARY].notice_version


def _state(key, grant, library_in_force, erasing):
    paused = grant is not None and (
        grant.notice_version != SCOPES[key].notice_version or (key != LIBRARY and not library_in_force)
    )
    return ScopeState(scope=SCOPES[key], grant=grant, paused=paused, erasing=erasing)


def notice_changes(grant):
    """The lines of a scope's notice that say something other than when `grant` was given."""
    if grant is None or grant.notice_version == SCOPES[grant.scope].notice_version:
        return []
    shown = Notice.objects.filter(scope=grant.scope, version=grant.notice_version).first()
    before = set(shown.text.splitlines()) if shown else set()
    return [line for line in SCOPES[grant.scope].notice_text.splitlines() if line not in before]


def needs_onboarding(user):
    return not ConsentRecord.objects.filter(user=user, onboarded_at__isnull=False).exists()


def _locked_record(user):
    consent_record(user)
    return ConsentRecord.objects.select_for_update().get(user=user)


def _validate_keys(keys):
    unknown = sorted(set(keys) - set(SCOPES))
    if unknown:
        raise ConsentError(f"Unknown scope: {', '.join(unknown)}.")
    return [key for key in ORDER if key in set(keys)]


def scopes_grant(user, keys, *, notice_version, method, biometric_confirmed=False, renew=False, now=None):
    """Grant scopes under the notice the person was shown. Returns the new grants.

    Granting a scope already in force under the current notice changes nothing, unless
    `renew` asks to replace a grant that expires (faces) with one valid from now.
    """
    keys = _validate_keys(keys)
    if not keys:
        raise ConsentError("Choose at least one scope to grant.")
    if notice_version != scope_defs.notice_version():
        raise ConsentError(
            "The notice you were shown has changed since; please read it again and confirm.", field="notice_version"
        )
    if scope_defs.FACES in keys and not biometric_confirmed:
        raise ConsentError(
            "Face recognition needs its own confirmation: please confirm that you agree to it.",
            field="biometric_confirmed",
        )
    now = now or timezone.now()
    created = []
    with transaction.atomic():
        record = _locked_record(user)
        in_force = active_grants(user.pk, now)
        if LIBRARY not in keys and LIBRARY not in in_force:
            raise ConsentError("Every scope needs “Keep my photos and videos” (library) first.")
        for key in keys:
            if key in in_force and not (renew and in_force[key].expires_at):
                continue
            created.append(_grant_one(record, key, method, now, renewed=key in in_force))
        if record.onboarded_at is None:
            record.onboarded_at = now
            record.save(update_fields=["onboarded_at"])
        if created:
            granted = [grant.scope for grant in created]
            transaction.on_commit(lambda: scopes_granted.send(sender=Grant, user=user, scopes=granted))
    return created


def _grant_one(record, key, method, now, renewed):
    """A new grant of one scope under its current notice, ending the one it replaces; its event."""
    scope = SCOPES[key]
    notice_shown(key)
    Grant.objects.current(now).filter(record=record, scope=key).update(
        ended_at=now, end_reason=Grant.EndReason.SUPERSEDED
    )
    # An expired grant that was never closed would block the one-open-grant constraint.
    Grant.objects.filter(record=record, scope=key, ended_at__isnull=True).update(
        ended_at=now, end_reason=Grant.EndReason.EXPIRED
    )
    grant = Grant.objects.create(
        record=record,
        scope=key,
        notice_version=scope.notice_version,
        method=method,
        granted_at=now,
        expires_at=now + scope.validity if scope.validity else None,
    )
    ConsentEvent.objects.create(
        record=record,
        kind=ConsentEvent.Kind.GRANT,
        scope=key,
        notice_version=grant.notice_version,
        method=method,
        receipt_id=grant.receipt_id,
        at=now,
        detail="renewed before it lapsed" if renewed else "",
    )
    return grant


def onboarding_finish(user, now=None):
    """Record that the person has seen the consent choices, whatever they chose."""
    ConsentRecord.objects.filter(pk=consent_record(user).pk, onboarded_at__isnull=True).update(
        onboarded_at=now or timezone.now()
    )


def scopes_revoke(user, keys, *, method, reason=ConsentEvent.Kind.REVOKE, detail="", now=None):
    """Withdraw scopes and erase what was derived under them, in one transaction.

    Withdrawing `library` withdraws every scope, since each needs it. Erasers run even for a
    scope that was not in force (paused or expired), so nothing derived under it survives.
    A scope with more than ERASE_INLINE_ITEMS items to erase is recorded as an erasure for the
    `erase` queue instead (consent/erasing.py); it is out of force from this transaction on.
    """
    keys = _validate_keys(keys)
    if LIBRARY in keys:
        keys = list(ORDER)
    now = now or timezone.now()
    end_reason = Grant.EndReason.EXPIRED if reason == ConsentEvent.Kind.EXPIRE else Grant.EndReason.REVOKED
    revoked, erased, erasing = [], Counter(), []
    with transaction.atomic():
        record = _locked_record(user)
        # Library last: the other erasers still find the rows they count.
        for key in sorted(keys, key=lambda k: k == LIBRARY):
            grant = Grant.objects.filter(record=record, scope=key, ended_at__isnull=True).first()
            if grant is not None:
                grant.ended_at = now
                grant.end_reason = end_reason
                grant.save(update_fields=["ended_at", "end_reason"])
                ConsentEvent.objects.create(
                    record=record,
                    kind=reason,
                    scope=key,
                    notice_version=grant.notice_version,
                    method=method,
                    receipt_id=grant.receipt_id,
                    at=now,
                    detail=detail,
                )
                revoked.append(key)
            if erasure_is_large(user, key, settings.ERASE_INLINE_ITEMS):
                erasing.append((key, grant.receipt_id if grant else None))
                continue
            counts = erase_scope(user, key)
            if grant is not None or counts:
                ConsentEvent.objects.create(
                    record=record,
                    kind=ConsentEvent.Kind.ERASURE,
                    scope=key,
                    method=method,
                    receipt_id=grant.receipt_id if grant else None,
                    at=timezone.now(),
                    counts=dict(counts),
                )
            erased.update(counts)
            if counts:
                metrics.erasure_finished(key, counts)
        # In chunks the library goes first: deleting the items takes with them what the other
        # scopes derived from them, which then have only their own rows left to erase.
        for key, receipt_id in sorted(erasing, key=lambda pair: pair[0] != LIBRARY):
            erasure_request(record, key, method=method, receipt_id=receipt_id)
    return Revocation(
        revoked=[key for key in ORDER if key in revoked], erased=erased, erasing=[key for key, _ in erasing]
    )


@contextmanager
def scope_guard(user_id, *keys):
    """Hold the person's consent record while writing what was derived under `keys`.

    Yields the grants in force. Raises ScopeNotGranted when any of them is not. A revoke
    takes the same lock, so a write either lands before the revoke (and is erased by it) or
    finds the scope gone and writes nothing.
    """
    with transaction.atomic():
        # SQLite locks no rows: there its transactions begin IMMEDIATE (settings), which takes the
        # database's write lock, the revoke's included, so the lock is held already.
        if connection.features.has_select_for_update:
            list(ConsentRecord.objects.select_for_update().filter(user_id=user_id))
        grants = active_grants(user_id)
        for key in (LIBRARY, *keys):
            if key not in grants:
                raise ScopeNotGranted(key)
        yield {key: grants[key] for key in (LIBRARY, *keys)}


def consent_events(user):
    return ConsentEvent.objects.filter(record__user=user)


def event_record(user, kind, *, method, detail="", now=None):
    """Append an event that is not a grant or revoke (a share link made or revoked) to the record.

    The record outlives the account as a pseudonymous trace, so `detail` names no title,
    person or place.
    """
    return ConsentEvent.objects.create(
        record=consent_record(user), kind=kind, method=method, detail=detail[:300], at=now or timezone.now()
    )
