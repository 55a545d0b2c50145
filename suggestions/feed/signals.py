"""What `feed` tells the features above it."""

from django.dispatch import Signal

# Sent inside the dismissing transaction, with `suggestion`: it is gone for good.
suggestion_dismissed = Signal()
