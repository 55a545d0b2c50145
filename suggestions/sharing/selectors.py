"""Share links' reads: a person's own links (always scoped to their owner), and the one live link
behind a key on the public page."""

from datetime import timedelta

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from consent.scopes import LIBRARY
from consent.services import active_grants
from rollweb.tokens import key_hash

from ..feed.render import EDIT_KINDS
from ..feed.selectors import media_withheld
from ..models import Rendition, ShareLink, Suggestion, SuggestionItem

# How long an ended link stays listed in the privacy centre.
ENDED_LISTED_FOR = timedelta(days=30)
SHAREABLE_MIMES = ("image/jpeg", "video/mp4")
# What share_state says of a link, on the page and in the API.
STATES = ("live", "revoked", "expired", "unavailable")


def share_target(link):
    return link.suggestion if link.suggestion_id else link.rendition


def target_shareable(target):
    if isinstance(target, Suggestion):
        return (
            target.state != Suggestion.State.DISMISSED and bool(target.asset) and target.asset_mime in SHAREABLE_MIMES
        )
    return target is not None and target.state == Rendition.State.READY and bool(target.file)


def target_withheld(target):
    """Whether what a link to `target` shows includes someone or a day the person withheld from suggestions."""
    if isinstance(target, Suggestion):
        media_ids = SuggestionItem.objects.filter(suggestion=target).values_list("media_id", flat=True)
    else:
        media_ids = [target.media_id]
    return bool(media_withheld(target.owner_id, media_ids))


def target_file(target):
    """(storage name, mime) of what a link to `target` serves; an edit is always a JPEG."""
    if isinstance(target, Suggestion):
        return target.asset.name, target.asset_mime
    return target.file.name, "image/jpeg"


def target_kind(target):
    """What it is, in words that name no title, person or place."""
    if isinstance(target, Suggestion) and target.kind not in EDIT_KINDS:
        return "video" if target.asset_mime == "video/mp4" else "collage"
    return "edited photo"


def share_lookup(key, now=None):
    """The live link for a key, or None: unknown, revoked, expired, its target gone or not
    shareable, or its owner's `library` consent not in force."""
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    link = (
        ShareLink.objects.live(now)
        .select_related("suggestion", "rendition")
        .filter(key_hash=key_hash(key))
        .first()
    )
    if link is None or not target_shareable(share_target(link)) or target_withheld(share_target(link)):
        return None
    if LIBRARY not in active_grants(link.owner_id, now):
        return None
    return link


def share_state(link, now=None):
    """live, revoked, expired, or unavailable (live, but its target shows nothing now)."""
    now = now or timezone.now()
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "live" if target_shareable(share_target(link)) else "unavailable"


def shares_of(user, now=None):
    """A person's links: live ones and those that ended lately, newest first, targets joined."""
    now = now or timezone.now()
    recent = now - ENDED_LISTED_FOR
    return (
        ShareLink.objects.filter(owner=user)
        .filter(Q(revoked_at__isnull=True, expires_at__gt=recent) | Q(revoked_at__gt=recent))
        .select_related("suggestion", "rendition")
    )


def shares_panel(user):
    """The privacy centre's "Share links" section."""
    now = timezone.now()
    links = list(shares_of(user, now)[:50])
    return {
        "share_rows": [
            {"link": link, "target": share_target(link), "kind": target_kind(share_target(link)),
             "state": share_state(link, now)}
            for link in links
        ]
    }


def share_links_of(user):
    return ShareLink.objects.filter(owner=user)


def share_link_owned(user, pk):
    return get_object_or_404(share_links_of(user), pk=pk)


def share_target_owned(user, model, pk):
    """One of the person's suggestions or saved edits, to share; another person's is a 404."""
    return get_object_or_404(model.objects.filter(owner=user), pk=pk)
