"""The suggestion feed pages: cards, save, dismiss, download and “why this?”."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from consent.models import Method
from consent.scopes import FACES, LIBRARY, LOCATION, ORDER, SCOPES, THEMES, TIME
from consent.services import request_grants
from rollweb.storage import file_response

from ..edits import selectors as edit_selectors, services as edit_services
from ..generators.text import KIND_NAMES
from ..library.selectors import media_of
from ..people.selectors import person_owned
from .forms import HiddenDaysForm
from ..models import Suggestion, SuggestionItem
from . import controls, selectors, services
from .render import EDIT_KINDS, VIDEO_KINDS

PAGE_SIZE = 10

# What each scope adds to the feed, for the empty states and the “more suggestions” note.
ENABLES = {
    TIME: "events, recap videos of trips and big days of any year, “on this day” and “this week, years ago”, "
    "anniversaries and birthdays",
    LOCATION: "trips, public holidays and place names in titles",
    FACES: "birthdays, spotlights, “then and now” and “it’s been a while” of the people you name, and crops that "
    "never cut a face",
    THEMES: "picking your sharpest shots, one per burst, without near-duplicates, the best of each season, and "
    "automatic edits",
}


@dataclass
class Card:
    suggestion: Suggestion
    items: list
    scopes: list
    frames: list = ()  # an edit's: the shapes it can be saved in
    people: list = ()  # the named people in its photos, for “feature less” and “never feature”
    days: tuple = ()  # (first, last) day of its photos, for “hide these days”

    @property
    def kind_name(self):
        return KIND_NAMES.get(self.suggestion.kind, "")

    @property
    def is_video(self):
        return self.suggestion.kind in VIDEO_KINDS

    @property
    def is_edit(self):
        return self.suggestion.kind in EDIT_KINDS

    @property
    def download_name(self):
        return _download_name(self.suggestion)


def _download_name(suggestion):
    extension = "mp4" if suggestion.asset_mime == "video/mp4" else "jpg"
    return f"{slugify(suggestion.title) or 'suggestion'}.{extension}"


def _cards(suggestions, grants):
    cards = [
        Card(
            suggestion=suggestion,
            items=[link.media for link in suggestion.links],
            scopes=[SCOPES[key] for key in ORDER if key in suggestion.scope_keys],
        )
        for suggestion in suggestions
    ]
    people = selectors.people_in(cards[0].suggestion.owner_id, [item.pk for card in cards for item in card.items]) if (
        FACES in grants and cards
    ) else {}
    for card in cards:
        card.people = sorted({person for item in card.items for person in people.get(item.pk, ())}, key=str)
        days = [item.captured_local.date() for item in card.items if TIME in grants and item.captured_at]
        card.days = (min(days), max(days)) if days else ()
    edited = [card.items[0] for card in cards if card.is_edit and card.items]
    faces = edit_selectors.face_boxes(edited, grants)
    for card in cards:
        if card.is_edit and card.items:
            card.frames = edit_selectors.edit_frames(card.items[0], faces.get(card.items[0].pk, []))
    return cards


def _with_items(queryset):
    links = SuggestionItem.objects.select_related("media").order_by("position")
    return queryset.prefetch_related(Prefetch("suggestionitem_set", queryset=links, to_attr="links"))


def _missing_scopes(grants):
    return [(SCOPES[key], ENABLES[key]) for key in ORDER if key in ENABLES and key not in grants]


@login_required
def index(request):
    saved_only = request.GET.get("show") == "saved"
    suggestions = selectors.feed_queryset(request.user)
    if saved_only:
        suggestions = suggestions.filter(state=Suggestion.State.SAVED)
    page = Paginator(_with_items(suggestions), PAGE_SIZE).get_page(request.GET.get("page"))
    grants = request_grants(request)
    cards = _cards(page.object_list, grants)
    services.suggestions_mark_seen(request.user.pk, [card.suggestion.pk for card in cards])
    return render(
        request,
        "suggestions/feed/feed.html",
        {
            "page": page,
            "cards": cards,
            "saved_only": saved_only,
            "library_on": LIBRARY in grants,
            "library_scope": SCOPES[LIBRARY],
            "has_photos": media_of(request.user).exists(),
            "missing": _missing_scopes(grants),
            "review_years": _review_years(grants),
        },
    )


def _review_years(grants):
    """The years one may ask a review of, newest first (none without capture times)."""
    today = timezone.localdate()
    return list(range(today.year, today.year - 30, -1)) if TIME in grants else []


@login_required
@require_POST
def year_review(request):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        return HttpResponseBadRequest("Choose a year.")
    try:
        services.year_review_request(request.user.pk, year)
    except services.YearReviewRefused as exc:
        return HttpResponseBadRequest(str(exc))
    messages.success(request, f"Your {year} will be in your suggestions in a moment, if there were enough photos.")
    return redirect("feed:index")


@login_required
def detail(request, pk):
    suggestion = _with_items(Suggestion.objects.filter(pk=selectors.suggestion_owned(request.user, pk).pk)).get()
    services.suggestion_seen(suggestion)
    card = _cards([suggestion], request_grants(request))[0]
    return render(request, "suggestions/feed/suggestion_detail.html", {"card": card})


@login_required
def asset(request, pk):
    suggestion = selectors.suggestion_owned(request.user, pk)
    if not suggestion.asset:
        raise Http404
    download = _download_name(suggestion) if request.GET.get("download") else None
    return file_response(suggestion.asset.name, suggestion.asset_mime, download_name=download)


def redirect_next(request, fallback="feed:index"):
    """Back to the page the form came from (`next`, when it is on this site), else `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def save(request, pk):
    suggestion = selectors.suggestion_owned(request.user, pk)
    if suggestion.kind in EDIT_KINDS:
        try:
            edit_services.edit_save(suggestion, request.POST.get("frame", "original"))
        except edit_services.EditRefused as exc:
            messages.error(request, str(exc))
            return redirect_next(request)
        messages.success(
            request, "Saved the edit. It is being made beside your original, which stays as it is: find it on the photo's page."
        )
        return redirect_next(request)
    services.suggestion_save(suggestion)
    messages.success(request, f"Saved “{suggestion.title}”. It stays here until you dismiss it.")
    return redirect_next(request)


@login_required
@require_POST
def soundtrack(request, pk):
    suggestion = selectors.suggestion_owned(request.user, pk)
    on = request.POST.get("soundtrack")
    if on not in ("on", "off"):
        return HttpResponseBadRequest("Choose music on or off.")
    try:
        services.suggestion_soundtrack_set(suggestion, on == "on")
    except services.SoundtrackRefused as exc:
        return HttpResponseBadRequest(str(exc))
    messages.info(
        request, "The video is being made again with music." if on == "on" else "The video is being made again without music."
    )
    return redirect_next(request)


@login_required
@require_POST
def dismiss(request, pk):
    suggestion = services.suggestion_dismiss(selectors.suggestion_owned(request.user, pk), method=Method.WEB)
    messages.info(request, f"Dismissed “{suggestion.title}”. It will not be suggested again.")
    return redirect_next(request)


def _control(request, action, done):
    """Run a control from a form; say what it did (and where to undo it), or why it could not."""
    try:
        action()
    except controls.ControlRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{done} Undo it in your privacy centre, under “What is suggested”.")
    return redirect_next(request)


@login_required
@require_POST
def fewer(request, pk):
    suggestion = selectors.suggestion_owned(request.user, pk)
    name = KIND_NAMES.get(suggestion.kind, "this kind")
    return _control(
        request, lambda: controls.fewer_kind_add(request.user.pk, suggestion.kind, suggestion=suggestion),
        f"You will see fewer {name}.",
    )


@login_required
@require_POST
def fewer_undo(request, kind):
    controls.fewer_kind_remove(request.user.pk, kind)
    messages.success(request, f"{KIND_NAMES.get(kind, kind).capitalize()} are suggested as usual again.")
    return redirect_next(request, "consent:privacy")


@login_required
@require_POST
def person_feature(request, pk):
    person = person_owned(request.user, pk)
    feature = request.POST.get("feature", "")
    words = {"": "as usual", "less": "less", "never": "never"}.get(feature, "")
    return _control(
        request, lambda: controls.person_feature_set(person, feature), f"{person.name or 'This person'} will be featured {words}."
    )


@login_required
@require_POST
def hide_days(request):
    form = HiddenDaysForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the first and the last day to hide, as dates.")
        return redirect_next(request)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"] or form.cleaned_data["start"]
    return _control(
        request, lambda: controls.hidden_range_add(request.user.pk, start, end),
        f"Photos from {start:%-d %b %Y} to {end:%-d %b %Y} will not be suggested.",
    )


@login_required
@require_POST
def hide_days_undo(request, pk):
    controls.hidden_range_remove(selectors.hidden_range_owned(request.user, pk))
    messages.success(request, "Those days can be suggested again.")
    return redirect_next(request, "consent:privacy")
