"""What `feed` tells the features above it."""

from django.dispatch import Signal

# Sent inside the dismissing transaction, with `suggestion` (gone for good) and `method` (how the
# person asked: web or api), so that what ends with it is recorded the same way.
suggestion_dismissed = Signal()
# Sent before suggestions showing items the person withheld (someone never to be featured, a
# hidden day) change, with `owner_id`, `suggestion_ids` and `media_ids`: links to them end.
suggestions_withdrawn = Signal()
