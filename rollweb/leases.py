"""Claiming a row for work with a lease, so two deliveries of one task never both do it."""

from django.db.models import F, Q
from django.utils import timezone


def lease_claim(model, pk, *, statuses, lease, max_attempts, gave_up, claimed=None, now=None, claimable=None):
    """Claim row `pk` of `model` (fields status, lease_expires_at, attempts); True if this caller has it.

    `statuses` is (waiting, running, failed). A waiting row, or a running one whose lease has
    expired (its worker died), is claimable; a conditional UPDATE decides who gets it. A row
    claimed `max_attempts` times without finishing is marked failed with the fields `gave_up`
    instead. `claimed` are fields set when the claim succeeds. `claimable` replaces the rule for a
    row that waits in more than one state (an item between two passes).
    """
    now = now or timezone.now()
    waiting, running, failed = statuses
    if claimable is None:
        claimable = Q(status=waiting) | Q(status=running, lease_expires_at__lt=now)
    model.objects.filter(claimable, pk=pk, attempts__gte=max_attempts).update(
        status=failed, lease_expires_at=None, **gave_up
    )
    return bool(
        model.objects.filter(claimable, pk=pk).update(
            status=running, lease_expires_at=now + lease, attempts=F("attempts") + 1, **(claimed or {})
        )
    )
