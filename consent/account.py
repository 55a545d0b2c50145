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

from .erasure import user_sessions
from .models import ConsentEvent, ConsentRecord, Grant
from .scopes import ORDER
from .services import scopes_revoke


def account_erase(user, *, method):
    """Erase the account and all its data. Returns (consent record id, counts)."""
    with transaction.atomic():
        counts = Counter(scopes_revoke(user, ORDER, method=method).erased)
        record = ConsentRecord.objects.select_for_update().get(user=user)
        counts["files"] += delete_files(files_under(user_prefix(user.pk)))
        counts["sessions"] = _sessions_end(user.pk)
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
    return record.pk, counts


def _sessions_end(user_id):
    from django.contrib.sessions.models import Session  # sessions are optional (user_sessions checks)

    keys = user_sessions(user_id)
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)
