"""Share links: the public page and file behind a link, and the owner's make and revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.defaults import page_not_found

from consent.models import Method
from rollweb.storage import file_response

from ..feed.views import redirect_next
from ..generators.text import plural
from ..models import Rendition, Suggestion
from . import selectors, services


def _unlisted(response):
    """Nothing behind a link is indexed, cached on the way, or tells where it was opened from."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _not_found(request):
    return _unlisted(page_not_found(request, Http404()))


@require_safe
def page(request, key):
    link = selectors.share_lookup(key)
    if link is None:
        return _not_found(request)
    if request.method == "GET":
        services.share_view_count(link)
    target = selectors.share_target(link)
    _, mime = selectors.target_file(target)
    context = {
        "link": link,
        "is_video": mime == "video/mp4",
        "file_url": reverse("share:file", args=[key]),
        "width": getattr(target, "width", None),
        "height": getattr(target, "height", None),
    }
    return _unlisted(render(request, "suggestions/sharing/share_page.html", context))


@require_safe
def file(request, key):
    link = selectors.share_lookup(key)
    if link is None:
        return _not_found(request)
    name, mime = selectors.target_file(selectors.share_target(link))
    try:
        response = file_response(name, mime)
    except FileNotFoundError:
        return _not_found(request)
    return _unlisted(response)


# -- the owner's side ---------------------------------------------------------------------------


class ShareForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(days, plural(days, "day")) for days in services.DAYS],
        coerce=int,
        initial=services.DEFAULT_DAYS,
        required=False,
    )


def _create(request, **target):
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _refused(request, "A link can be valid for 1, 7 or 30 days.")
    try:
        link, key = services.share_create(
            request.user, days=form.cleaned_data["days"] or services.DEFAULT_DAYS, method=Method.WEB, **target
        )
    except services.NotShareable as refused:
        if refused.not_found:
            raise Http404 from None
        return _refused(request, str(refused))
    shared = selectors.share_target(link)
    kind = selectors.target_kind(shared)
    context = {
        "link": link,
        "url": request.build_absolute_uri(reverse("share:page", args=[key])),
        "kind": kind,
        # A recap's own title card shows its title (and days): say so rather than promise no title.
        "card_title": shared.title if kind == "video" else "",
    }
    return _unlisted(render(request, "suggestions/sharing/share_created.html", context))


def _refused(request, message):
    return render(request, "suggestions/sharing/share_created.html", {"refused": message}, status=400)


@login_required
@require_POST
def suggestion_share(request, pk):
    return _create(request, suggestion=selectors.share_target_owned(request.user, Suggestion, pk))


@login_required
@require_POST
def rendition_share(request, pk):
    return _create(request, rendition=selectors.share_target_owned(request.user, Rendition, pk))


@login_required
@require_POST
def revoke(request, pk):
    link = selectors.share_link_owned(request.user, pk)
    if services.share_revoke(link, method=Method.WEB):
        messages.success(request, "The share link is revoked: it shows nothing any more.")
    else:
        messages.info(request, "That share link had already ended.")
    return redirect_next(request, reverse("consent:privacy") + "#share-links")
