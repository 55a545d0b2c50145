"""Erasers: what other apps derive under a scope, and how to destroy it.

`consent` does not know what other apps keep. Each app registers, in AppConfig.ready(), a
function per scope that erases what it derived under that scope for one person and returns
counts of what it erased (rows and stored files). Revoking a scope runs its erasers inside
the same transaction that ends the grant.

With an eraser, an app may register a `remains(user)` check that counts what is still there
of what the eraser destroys; the tests' erasure checker (tests/leftovers.py) runs those checks
and walks storage and the database itself, to prove that an erasure left nothing behind.
"""

from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

_erasers = defaultdict(list)
_remains = defaultdict(list)
_chunked = defaultdict(list)
_finishers = {}
_walkers = set()  # erasers registered with chunks: called with walked=True after them


def register_eraser(scope, eraser, remains=None, chunked=None):
    """`chunked` is an optional (batches, step) pair for large erasures: `batches(user, after, limit)`
    lists up to `limit` ids above `after` (None: from the start), in order, and `step(user, ids)`
    erases what hangs on those ids and returns (counts, names of stored files to delete once the
    chunk's transaction has committed). Both must be safe to repeat: a chunk may run again after a crash."""
    if eraser not in _erasers[scope]:
        _erasers[scope].append(eraser)
    if remains is not None and remains not in _remains[scope]:
        _remains[scope].append(remains)
    if chunked is not None and chunked not in _chunked[scope]:
        _chunked[scope].append(chunked)
        _walkers.add(eraser)


def register_finisher(kind, finisher):
    """What an erasure of `kind` that is not a scope (the account itself) does last: `finisher(erasure)`."""
    _finishers[kind] = finisher


def chunked_parts(scope):
    return list(_chunked[scope])


def finisher(kind):
    return _finishers.get(kind)


def erasure_is_large(user, scope, limit):
    """Whether erasing `scope` for `user` touches more than `limit` ids of any chunked part."""
    return any(len(batches(user, None, limit + 1)) > limit for batches, _ in _chunked[scope])


def erase_scope(user, scope, walked=False):
    """Run a scope's erasers. `walked`: its chunks have already gone through every item, so an
    eraser registered with chunks does only what is left (it is called with walked=True)."""
    counts = Counter()
    for eraser in _erasers[scope]:
        erased = eraser(user, walked=True) if walked and eraser in _walkers else eraser(user)
        counts.update({key: value for key, value in erased.items() if value})
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


def remains_checks(scope):
    """The `remains(user)` checks registered with a scope's erasers (the tests' erasure checker runs them)."""
    return list(_remains[scope])


def user_sessions(user_id):
    """Keys of the database sessions signed in as this person (on any device)."""
    if "django.contrib.sessions" not in settings.INSTALLED_APPS:
        return []
    from django.contrib.sessions.models import Session  # the app is optional (checked above)

    return [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user_id)
    ]
