"""A saved edit's file and its deletion, reached from its photo's page under /library/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from rollweb.storage import file_response

from ..models import Rendition
from . import selectors, services


@login_required
def rendition_file(request, pk):
    rendition = selectors.rendition_owned(request.user, pk)
    if not rendition.file:
        raise Http404
    download = rendition.download_name if request.GET.get("download") else None
    return file_response(rendition.file.name, "image/jpeg", download_name=download)


@login_required
@require_POST
def rendition_delete(request, pk):
    rendition = selectors.rendition_owned(request.user, pk)
    services.renditions_delete(Rendition.objects.filter(pk=rendition.pk))
    messages.success(request, "Deleted the saved edit. Your original is as it was.")
    return redirect("library:detail", rendition.media_id)
