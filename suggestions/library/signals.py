"""What the library tells the features, which it does not know: they connect at start-up."""

from django.dispatch import Signal

# An item (or a backfill's batch) finished a pass of analysis; sent with `owner_id`.
analysis_finished = Signal()
# Sent inside the deleting transaction, with `item`, before an item and its rows are deleted:
# what holds a copy of it (a rendered suggestion, a share link) lets go of it.
media_deleting = Signal()
# Sent inside the deleting transaction, with `owner_id`, after an item was deleted: what spans
# items (a person) loses one.
media_deleted = Signal()
