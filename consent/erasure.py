"""Erasers: what other apps derive under a scope, and how to destroy it.

`consent` does not know what other apps keep. Each app registers, in AppConfig.ready(), a
function per scope that erases what it derived under that scope for one person and returns
counts of what it erased (rows and stored files). Revoking a scope runs its erasers inside
the same transaction that ends the grant.

With an eraser, an app may register a `remains(user)` check that counts what is still there
of what the eraser destroys. `erasure_leftovers` runs those checks and walks storage and
the database itself, so a test can prove that an erasure left nothing behind.
"""

from collections import Counter, defaultdict

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models

from rollweb.storage import files_under, user_prefix

from .scopes import LIBRARY

_erasers = defaultdict(list)
_remains = defaultdict(list)

# Rows that stay after an erasure by design: the account itself and the consent record.
KEPT_APPS = {"auth", "admin", "sessions", "contenttypes"}
KEPT_MODELS = {"consent.consentrecord", "consent.grant", "consent.consentevent", "consent.notice"}


def register_eraser(scope, eraser, remains=None):
    if eraser not in _erasers[scope]:
        _erasers[scope].append(eraser)
    if remains is not None and remains not in _remains[scope]:
        _remains[scope].append(remains)


def erase_scope(user, scope):
    counts = Counter()
    for eraser in _erasers[scope]:
        counts.update({key: value for key, value in eraser(user).items() if value})
    return counts


def user_rows(model, user_id, depth=3):
    """The rows of `model` that belong to a person, following foreign keys up to `depth`
    hops (an item's faces, a suggestion's items); None when the model has no path to one."""
    path = owner_path(model, depth)
    return None if path is None else model._default_manager.filter(**{path: user_id})


def owner_path(model, depth=3):
    """The lookup from `model` to the user it belongs to ("owner", "media__owner"), or None."""
    user_model = get_user_model()
    relations = [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]
    for field in relations:
        if field.related_model is user_model:
            return field.name
    if depth <= 1:
        return None
    for field in relations:
        if field.related_model is model:
            continue
        inner = owner_path(field.related_model, depth - 1)
        if inner is not None:
            return f"{field.name}__{inner}"
    return None


def referenced_files(prefix):
    """Every stored file name below `prefix` that some row points to (any FileField of any model)."""
    names = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                rows = model._default_manager.filter(**{f"{field.name}__startswith": prefix})
                names.update(rows.values_list(field.name, flat=True))
    return names


def erasure_leftovers(user_id, scopes=(), deleted=(), account=False):
    """What is left of an erasure, as sentences; an empty list means nothing is.

    - always: files under the person's storage prefix that no row points to;
    - `scopes`: each scope's registered `remains` checks; for `library`, every row of the
      person outside the account and consent record, and every file under the prefix;
    - `deleted`: model instances that were deleted (before deletion, in memory): the row, any
      row pointing at it and its files;
    - `account`: the user row, every row pointing at it, sessions, and every file.
    """
    from django.core.files.storage import default_storage

    found = []
    stored = files_under(user_prefix(user_id))
    if account or LIBRARY in scopes:
        found += [f"stored file {name}" for name in stored]
    else:
        known = referenced_files(user_prefix(user_id))
        found += [f"stored file {name} that no row points to" for name in stored if name not in known]

    user_model = get_user_model()
    user = user_model._default_manager.filter(pk=user_id).first()
    for scope in scopes:
        if user is not None:
            for remains in _remains[scope]:
                found += [f"{label}: {count}" for label, count in remains(user).items() if count]
    if account or LIBRARY in scopes:
        for model in apps.get_models():
            label = model._meta.label_lower
            if model._meta.app_label in KEPT_APPS or label in KEPT_MODELS:
                continue
            rows = user_rows(model, user_id)
            if rows is not None and rows.exists():
                found.append(f"{rows.count()} {label} row(s)")

    for instance in deleted:
        model = type(instance)
        if model._default_manager.filter(pk=instance.pk).exists():
            found.append(f"{model._meta.label_lower} {instance.pk} still exists")
        found += _pointing_at(model, instance.pk)
        for field in model._meta.concrete_fields:
            name = getattr(instance, field.name).name if isinstance(field, models.FileField) else None
            if name and default_storage.exists(name):
                found.append(f"file {name} of {model._meta.label_lower} {instance.pk}")

    if account:
        if user is not None:
            found.append(f"the account {user_id} still exists")
        found += _pointing_at(user_model, user_id)
        found += [f"session {key}" for key in user_sessions(user_id)]
    return found


def _pointing_at(model, pk):
    found = []
    for other in apps.get_models():
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                count = other._default_manager.filter(**{field.attname: pk}).count()
                if count:
                    found.append(f"{count} {other._meta.label_lower} row(s) pointing at {model._meta.label_lower} {pk}")
    return found


def user_sessions(user_id):
    """Keys of the database sessions signed in as this person (on any device)."""
    if "django.contrib.sessions" not in settings.INSTALLED_APPS:
        return []
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    return [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user_id)
    ]
