"""Erasers: what other apps derive under a scope, and how to destroy it.

`consent` does not know what other apps keep. Each app registers, in AppConfig.ready(), a
function per scope that erases what it derived under that scope for one person and returns
counts of what it erased (rows and stored files). Revoking a scope runs its erasers inside
the same transaction that ends the grant.
"""

from collections import Counter, defaultdict

_erasers = defaultdict(list)


def register_eraser(scope, eraser):
    if eraser not in _erasers[scope]:
        _erasers[scope].append(eraser)


def erase_scope(user, scope):
    counts = Counter()
    for eraser in _erasers[scope]:
        counts.update({key: value for key, value in eraser(user).items() if value})
    return counts
