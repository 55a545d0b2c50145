"""What `people` tells the features above it."""

from django.dispatch import Signal

# The owner named, merged, split, hid or showed someone; sent with `owner_id`.
people_changed = Signal()
