"""The erasure checker: after an erasure, walk storage and the database and list anything left of
what was erased. Every erasure path's test runs it; the apps register, with each eraser, a
`remains(user)` check that counts what is still there of what the eraser destroys."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import models

from consent.erasure import remains_checks, user_rows, user_sessions
from consent.scopes import LIBRARY
from rollweb.storage import files_under, user_prefix

# Rows that stay after an erasure by design: the account itself, the consent record, and the
# library's change counter (a bare number that must never go back, or a page cached under an
# earlier value could be served again).
KEPT_APPS = {"auth", "admin", "sessions", "contenttypes"}
KEPT_MODELS = {
    "consent.consentrecord", "consent.grant", "consent.consentevent", "consent.notice", "suggestions.libraryversion",
}


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
            for remains in remains_checks(scope):
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
