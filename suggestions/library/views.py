import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from consent.scopes import LIBRARY, SCOPES, THEMES, notice_version
from consent.services import request_grants
from rollweb.ratelimit import upload_wait
from rollweb.storage import file_response

from ..analysis import themes
from ..analysis.filetypes import SUPPORTED
from ..edits import selectors as edit_selectors
from ..models import MediaItem
from . import selectors, services, timeline
from .backfill import LABELS as BACKFILL_LABELS
from .downloads import MOST, media_zip, zip_name
from .map_views import map_context
from .timeline_views import timeline_page

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,video/mp4,video/quicktime,.mov"
PENDING = (MediaItem.Status.UPLOADED, MediaItem.Status.PROCESSING)


def item_json(item):
    return {
        "id": item.pk,
        "status": item.status,
        "status_label": item.get_status_display(),
        "failure_reason": item.failure_reason,
        "original_name": item.original_name,
        "url": reverse("library:detail", args=[item.pk]),
        "thumbnail_url": reverse("library:thumbnail", args=[item.pk, "small"]) if item.thumb_small else None,
    }


@login_required
def library(request):
    if request.method == "POST":
        return _upload_many(request)
    grants = request_grants(request)
    status = request.GET.get("status")
    whole = not request.GET.get("fragment")
    context = timeline_page(request, grants, status if status in MediaItem.Status.values else None, whole)
    if not whole:
        return HttpResponse(context["timeline_html"])
    return render(
        request,
        "suggestions/library/library.html",
        {
            **context,
            "statuses": MediaItem.Status.choices,
            "can_upload": LIBRARY in grants,
            "library_scope": SCOPES[LIBRARY],
            "accept": ACCEPT,
            "supported": SUPPORTED,
            "max_upload_mb": settings.MAX_UPLOAD_BYTES // 2**20,
            "shared": request.GET.get("shared", ""),
            "notice_version": notice_version(),
            "pending": PENDING,
            "backfills": [backfill_json(b) for b in selectors.backfills_running(request.user)],
        },
    )


@login_required
def places_map(request):
    """Where the photos were taken (needs `location`; without it the page says so)."""
    return render(request, "suggestions/library/map.html", map_context(request, request_grants(request)))


def backfill_json(backfill):
    return {
        "id": backfill.pk,
        "scope": backfill.scope,
        "label": BACKFILL_LABELS.get(backfill.scope, backfill.scope),
        "done": min(backfill.done, backfill.total),
        "total": backfill.total,
        "state": backfill.state,
    }


def _too_fast_message(wait):
    return (
        f"You are uploading faster than {settings.UPLOADS_PER_MINUTE} files a minute, so this was not kept. "
        f"Please try again in {wait} seconds."
    )


def _upload_many(request):
    """The form without JavaScript: many files in one request, a message for each problem."""
    wait = upload_wait(request.user.pk, len(request.FILES.getlist("files")))
    if wait:
        messages.error(request, _too_fast_message(wait))
        return redirect("library:index")
    created = duplicates = 0
    for name in getattr(request, "oversized_uploads", []):
        messages.error(request, f"{services.clean_name(name)}: {services.too_large_message()}")
    for upload in request.FILES.getlist("files"):
        try:
            _, was_created = services.media_upload(request.user, upload, name=upload.name)
        except services.UploadRefused as exc:
            messages.error(request, f"{services.clean_name(upload.name)}: {exc.message}")
            continue
        created += was_created
        duplicates += not was_created
    if created:
        messages.success(request, f"Uploaded {created} file{'s' if created != 1 else ''}; analysis has started.")
    if duplicates:
        messages.info(request, f"{duplicates} file{'s were' if duplicates != 1 else ' was'} already in your library.")
    return redirect("library:index")


@login_required
@require_POST
def upload(request):
    """One file, answered in JSON: what the page's upload script calls for each file."""
    upload = request.FILES.get("file")
    if upload is None:
        if getattr(request, "oversized_uploads", None):
            return JsonResponse({"detail": services.too_large_message()}, status=413)
        return JsonResponse({"detail": "No file was received."}, status=400)
    wait = upload_wait(request.user.pk, 1)
    if wait:
        response = JsonResponse({"detail": _too_fast_message(wait)}, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        item, created = services.media_upload(request.user, upload, name=upload.name)
    except services.UploadRefused as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    return JsonResponse({**item_json(item), "created": created}, status=201 if created else 200)


@login_required
def status(request):
    """Current state of some of the person's items, for the library's live updates."""
    items = selectors.media_with_ids(request.user, _ids(request, "ids"))
    answer = {"items": [item_json(item) for item in items]}
    if "backfills" in request.GET:
        backfills = selectors.backfills_with_ids(request.user, _ids(request, "backfills"))
        answer["backfills"] = [backfill_json(backfill) for backfill in backfills]
    return JsonResponse(answer)


ID = re.compile(r"[0-9]{1,18}")


def _ids(request, name):
    return [int(part) for part in request.GET.get(name, "").split(",")[:200] if ID.fullmatch(part.strip())]


@login_required
def detail(request, pk):
    item = selectors.media_owned(request.user, pk)
    burst = selectors.burst_of(item)
    captured = item.captured_local
    grants = request_grants(request)
    edit = edit_selectors.edit_suggestion_of(item)
    newer, older = timeline.neighbours(request.user, grants, item)
    frames = edit_selectors.edit_frames(item, edit_selectors.face_boxes([item], grants).get(item.pk, [])) if edit else []
    return render(
        request,
        "suggestions/library/media_detail.html",
        {
            "item": item,
            "ledger": item.ledger.all(),
            "faces": item.faces.select_related("person").order_by("x", "pk"),
            "burst": burst,
            "season": themes.season(captured.date() if captured else None, item.latitude) if THEMES in grants else None,
            "edit": edit,
            "edit_frames": frames,
            "renditions": item.renditions.all(),
            "newer": newer,
            "older": older,
        },
    )


@login_required
def thumbnail(request, pk, size):
    item = selectors.media_owned(request.user, pk)
    field = {"small": item.thumb_small, "large": item.thumb_large}.get(size)
    if not field:
        raise Http404
    return file_response(field.name, "image/jpeg")


@login_required
def original(request, pk):
    item = selectors.media_owned(request.user, pk)
    return file_response(item.original.name, item.mime, download_name=item.original_name)


@login_required
def delete(request, pk):
    item = selectors.media_owned(request.user, pk)
    if request.method == "POST":
        services.media_delete(item)
        messages.success(request, f"Deleted {item.original_name} and everything found in it.")
        return redirect("library:index")
    return render(request, "suggestions/library/media_confirm_delete.html", {"items": [item], "single": True})


def _back_to(request):
    """Where the library was when the choice was made (its month, search or page), else its start."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("library:index")


@login_required
@require_POST
def selected(request):
    """The items chosen in the library (checkboxes): download them as one zip, or delete them
    after the same confirmation as one. Ids of no item of the person's are left out."""
    ids = [int(value) for value in request.POST.getlist("ids")[: MOST + 1] if ID.fullmatch(value.strip())]
    action = request.POST.get("action")
    if len(ids) > MOST:
        messages.error(request, f"Choose at most {MOST} items at a time.")
        return redirect(_back_to(request))
    items = list(selectors.media_with_ids(request.user, ids).order_by("pk")) if ids else []
    if not items or action not in ("download", "delete"):
        messages.error(request, "Choose one or more items first, then what to do with them.")
        return redirect(_back_to(request))
    if action == "download":
        response = StreamingHttpResponse(media_zip(items), content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, zip_name(len(items)))
        response["Cache-Control"] = "private, no-store"
        return response
    if request.POST.get("confirm") != "yes":
        context = {"items": items, "next": _back_to(request)}
        return render(request, "suggestions/library/media_confirm_delete.html", context)
    deleted = services.media_delete_many(request.user, [item.pk for item in items])
    count = len(deleted)
    messages.success(request, f"Deleted {count} item{'s' if count != 1 else ''} and everything found in them.")
    return redirect(_back_to(request))
