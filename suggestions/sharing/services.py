"""Share links: an unguessable URL that shows one suggestion or edit, and nothing else, to whoever
has it, until it expires or its owner revokes it.

Only a hash of the key is stored, so a link is shown once, when it is made. A link shows
nothing once its target cannot be shared any more (dismissed, not rendered, deleted) or its
owner's `library` consent is not in force; erasing the library deletes the links themselves.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from consent.models import ConsentEvent
from consent.scopes import LIBRARY, ORDER
from consent.services import ScopeNotGranted, event_record, scope_guard
from rollweb.tokens import key_hash

from ..generators.text import plural
from ..models import Rendition, ShareLink, Suggestion
from .selectors import target_kind, target_shareable, target_withheld

DAYS = (1, 7, 30)
DEFAULT_DAYS = 7


class NotShareable(Exception):
    """A target that cannot be shared; the message is for the person.

    `not_found` when the target is not theirs (answered as a 404); `field` names the request
    field at fault.
    """

    def __init__(self, message, field="non_field_errors", not_found=False):
        super().__init__(message)
        self.field = field
        self.not_found = not_found


def share_create(user, *, suggestion=None, rendition=None, days=DEFAULT_DAYS, method, now=None):
    """A new link to one of the person's suggestions or edits. Returns (ShareLink, key); the key
    is not kept anywhere, so it can be shown only now. Raises NotShareable."""
    if (suggestion is None) == (rendition is None):
        raise NotShareable("Choose one suggestion or one edit to share.")
    if days not in DAYS:
        raise NotShareable(f"A link can be valid for {', '.join(map(str, DAYS))} days.", field="days")
    model, target = (Suggestion, suggestion) if suggestion is not None else (Rendition, rendition)
    now = now or timezone.now()
    try:
        with scope_guard(user.pk):
            target = model.objects.select_for_update().filter(pk=target.pk, owner=user).first()
            if target is None:
                raise NotShareable("No such suggestion or edit among yours.", not_found=True)
            if not target_shareable(target):
                raise NotShareable("There is nothing to share yet: it has not been made, or it is gone.")
            if target_withheld(target):
                raise NotShareable("It shows someone or a day you hid from suggestions.")
            key = secrets.token_urlsafe(32)
            link = ShareLink.objects.create(
                owner=user,
                suggestion=target if model is Suggestion else None,
                rendition=target if model is Rendition else None,
                key_hash=key_hash(key),
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
            event_record(
                user,
                ConsentEvent.Kind.SHARE,
                method=method,
                detail=f"A share link to one {target_kind(target)}, valid for {plural(days, 'day')}.",
                now=now,
            )
    except ScopeNotGranted:
        raise NotShareable("Sharing needs “Keep my photos and videos” to be on.") from None
    return link, key


def share_revoke(link, *, method, now=None, reason=""):
    """End a link at once: the one way a person ends a link (the page, the API, or dismissing
    what it shows), each listed and recorded alike. Returns whether it was live; revoking it
    again changes nothing. `reason` completes the history's sentence (", with …")."""
    now = now or timezone.now()
    with transaction.atomic():
        if not ShareLink.objects.live(now).filter(pk=link.pk).update(revoked_at=now):
            return False
        link.refresh_from_db(fields=["revoked_at", "views"])
        event_record(
            link.owner,
            ConsentEvent.Kind.UNSHARE,
            method=method,
            detail=f"A share link was revoked after {plural(link.views, 'view')}{reason}.",
            now=now,
        )
    return True


def share_view_count(link, now=None):
    ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1, last_viewed_at=now or timezone.now())


def shares_erase(scope):
    """The eraser of the links a scope's erasure ends (their targets go too): for `library`,
    every link of the person. Registered ahead of the scope's other erasers, so it counts them."""

    def erase(user):
        links = ShareLink.objects.filter(owner=user)
        if scope != LIBRARY:
            links = links.filter(
                Q(suggestion__in=Suggestion.objects.filter(owner=user).using_scope(scope))
                | Q(rendition__in=Rendition.objects.filter(owner=user).using_scope(scope))
            )
        return {"share_links": links.delete()[1].get(ShareLink._meta.label, 0)}

    return erase


ERASERS = {key: shares_erase(key) for key in ORDER}


def shares_forget_media(item):
    """Before an item is deleted: links to suggestions it is part of end with it (a saved one
    is rendered again without it, and a link must not start showing something else)."""
    links = ShareLink.objects.filter(owner_id=item.owner_id, suggestion__suggestionitem__media=item)
    return links.delete()[1].get(ShareLink._meta.label, 0)


def forget_media_on(sender, item, **kwargs):
    """Receiver of the library's media_deleting."""
    shares_forget_media(item)


def links_end_on_dismissal(sender, suggestion, method, **kwargs):
    """Receiver of the feed's suggestion_dismissed: its links are revoked with it, listed and
    recorded as any revocation is."""
    for link in ShareLink.objects.live().filter(suggestion_id=suggestion.pk):
        share_revoke(link, method=method, reason=", with the suggestion it showed")


def links_end_on_withdrawal(sender, owner_id, suggestion_ids, media_ids, method, **kwargs):
    """Receiver of the feed's suggestions_withdrawn: links to those suggestions, and to edits of
    those photos, are revoked (a link must never show someone or a day the person withheld)."""
    links = ShareLink.objects.live().filter(owner_id=owner_id).filter(
        Q(suggestion_id__in=list(suggestion_ids)) | Q(rendition__media_id__in=list(media_ids))
    )
    for link in links:
        share_revoke(link, method=method, reason=", with what it showed hidden from suggestions")
