"""Deleting an account: everything of the person goes, storage included.

What remains is the pseudonymous consent record (no link to the account any more) with its
events, ending in an `account_erasure` event that counts what was erased: the evidence that
consent was given, withdrawn and honoured.
"""

from collections import Counter

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from rollweb.storage import delete_files, files_under, user_prefix

from .erasing import erasure_request
from .erasure import user_sessions
from .models import ConsentEvent, ConsentRecord, Erasure, Grant
from .scopes import ORDER
from .services import scopes_revoke


def account_erase(user, *, method):
    """Erase the account and all its data. Returns (consent record id, counts).

    A large library is erased by a worker in chunks (consent/erasing.py): the account is closed
    here at once (no sign-in, every session and device ended) and deleted when the chunks are done;
    the counts are then those erased so far.
    """
    with transaction.atomic():
        revocation = scopes_revoke(user, ORDER, method=method)
        if revocation.erasing:
            record = ConsentRecord.objects.select_for_update().get(user=user)
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
            counts = Counter(revocation.erased, sessions=_sessions_end(user.pk))
            erasure_request(record, Erasure.ACCOUNT, method=method)
            return record.pk, counts
        counts = Counter(revocation.erased)
        record = ConsentRecord.objects.select_for_update().get(user=user)
        counts.update(_account_rows_erase(user, record, method, counts))
    return record.pk, counts


def account_finish(erasure):
    """The last of a chunked account erasure (registered with consent's erasure runner)."""
    user, record = erasure.record.user, erasure.record
    earlier = Counter()
    for counts in Erasure.objects.filter(record=record).exclude(pk=erasure.pk).values_list("counts", flat=True):
        earlier.update(counts)
    return _account_rows_erase(user, record, erasure.method, earlier)


def _account_rows_erase(user, record, method, counts):
    """Storage left under the person's prefix, sessions, the operators' log, grants, the account."""
    counts = Counter(counts)
    own = Counter(files=delete_files(files_under(user_prefix(user.pk))), sessions=_sessions_end(user.pk))
    counts.update(own)
    # The operators' log keeps that an operator acted, not whom it concerned by name.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(get_user_model()), object_id=str(user.pk)
    ).update(object_repr="erased account")
    Grant.objects.filter(record=record).delete()
    ConsentEvent.objects.create(
        record=record,
        kind=ConsentEvent.Kind.ACCOUNT_ERASURE,
        method=method,
        counts={key: value for key, value in sorted(counts.items()) if value},
    )
    user.delete()
    return own


def _sessions_end(user_id):
    from django.contrib.sessions.models import Session  # sessions are optional (user_sessions checks)

    keys = user_sessions(user_id)
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)
