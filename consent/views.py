import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rollweb.storage import file_response
from rollweb.tokens import sessions_end_all, token_revoke, tokens_of, tokens_revoke_all

from . import export, panels, retention, scopes, services
from .account import account_erase
from .forms import AccountDeleteForm, FacesConfirmForm, GrantForm, OnboardingForm
from .models import Method, counts_text
from .receipt import receipt_build
from .selectors import erasures_in_progress, export_owned, exports_of


ERASING_SENTENCE = "Nothing derived under it is used or shown from now on; it is being erased (see below)."


def _erased_sentence(counts):
    if not counts:
        return "Nothing needed erasing."
    return f"Erased: {counts_text(counts)}."


def _grant(request, keys, biometric_confirmed=False, renew=False):
    try:
        services.scopes_grant(
            request.user,
            keys,
            notice_version=request.POST.get("notice_version", ""),
            method=Method.WEB,
            biometric_confirmed=biometric_confirmed,
            renew=renew,
        )
    except services.ConsentError as exc:
        messages.error(request, str(exc))
        return False
    return True


@login_required
def onboarding(request):
    form = OnboardingForm(request.POST or None, initial={"notice_version": scopes.notice_version()})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["scopes"]
        now_keys = [key for key in chosen if key != scopes.FACES]
        if now_keys and not _grant(request, now_keys):
            return redirect("consent:onboarding")
        services.onboarding_finish(request.user)
        if scopes.FACES in chosen:
            return redirect("consent:faces")
        if not chosen:
            messages.info(request, "Nothing is turned on. You can change that at any time on your privacy page.")
        return redirect("home")
    return render(request, "consent/onboarding.html", {"form": form, "scopes": _scope_list()})


def _scope_list():
    return [scopes.SCOPES[key] for key in scopes.ORDER]


@login_required
def faces_confirm(request):
    form = FacesConfirmForm(request.POST or None, initial={"notice_version": scopes.notice_version()})
    state = {state.key: state for state in services.consent_state(request.user)}[scopes.FACES]
    if request.method == "POST" and form.is_valid():
        if _grant(request, [scopes.FACES], biometric_confirmed=True, renew=state.granted):
            messages.success(request, "Face recognition is renewed for 12 months." if state.granted else "Face recognition is on.")
        return redirect("consent:privacy")
    return render(
        request, "consent/faces_confirm.html", {"form": form, "scope": scopes.SCOPES[scopes.FACES], "state": state}
    )


@login_required
def privacy(request):
    states = services.consent_state(request.user)
    faces = {state.key: state for state in states}[scopes.FACES]
    return render(
        request,
        "consent/privacy.html",
        {
            "states": states,
            "notice_version": scopes.notice_version(),
            "events": services.consent_events(request.user)[:100],
            "exports": exports_of(request.user)[:5],
            "erasures": erasures_in_progress(request.user),
            "schedule": retention.schedule(),
            "face_retention_days": settings.FACE_RETENTION_DAYS,
            "faces_destroyed_after": retention.face_data_destroy_after(request.user) if faces.grant else None,
            "panels": panels.panels_render(request),
            "devices": tokens_of(request.user),
        },
    )


@login_required
@require_POST
def device_sign_out(request, pk):
    if not token_revoke(request.user, pk):
        raise Http404
    messages.success(request, "That device is signed out: it must sign in again to reach your account.")
    return redirect(reverse("consent:privacy") + "#devices")


@login_required
@require_POST
def sign_out_everywhere(request):
    """Every device and every browser, this one included."""
    devices = tokens_revoke_all(request.user)
    sessions_end_all(request.user)
    logout(request)
    messages.success(request, f"Signed out everywhere: {devices} device{'s' if devices != 1 else ''} and every browser.")
    return redirect("login")


@login_required
@require_POST
def grant(request):
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That choice was not understood; please try again.")
        return redirect("consent:privacy")
    key = form.cleaned_data["scope"]
    if key == scopes.FACES:
        return redirect("consent:faces")
    if _grant(request, [key]):
        messages.success(request, f"“{scopes.SCOPES[key].title}” is on.")
        return redirect(_next_page(request) or "consent:privacy")
    return redirect("consent:privacy")


def _next_page(request):
    """Where a switch turned on outside the privacy page (the library's) goes back to: this site only."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


@login_required
def revoke(request, scope):
    if scope not in scopes.SCOPES:
        raise Http404
    definition = scopes.SCOPES[scope]
    destructive = scope != scopes.SYNC
    if request.method == "POST" and (request.POST.get("confirm") == "yes" or not destructive):
        revocation = services.scopes_revoke(request.user, [scope], method=Method.WEB)
        erased = _erased_sentence(revocation.erased) if not revocation.erasing else ERASING_SENTENCE
        messages.success(request, f"“{definition.title}” is off. {erased}")
        return redirect("consent:privacy")
    affected = [scopes.SCOPES[key] for key in scopes.ORDER] if scope == scopes.LIBRARY else [definition]
    return render(request, "consent/revoke_confirm.html", {"scope": definition, "affected": affected})


@login_required
def receipt(request):
    data = receipt_build(request.user, privacy_url=request.build_absolute_uri(reverse("consent:privacy")))
    return render(request, "consent/receipt.html", {"receipt": data})


@login_required
def receipt_download(request):
    data = receipt_build(request.user, privacy_url=request.build_absolute_uri(reverse("consent:privacy")))
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="rollweb-consent-receipt-{timezone.now():%Y%m%d}.json"'
    return response


@login_required
@require_POST
def export_start(request):
    started, created = export.export_request(request.user)
    if not created:
        messages.info(request, "Your export is already being prepared.")
    return redirect("consent:export", started.pk)


@never_cache
@login_required
def export_detail(request, pk):
    started = export_owned(request.user, pk)
    return render(request, "consent/export.html", {"export": started, "downloadable": started.downloadable()})


@login_required
def export_download(request, pk):
    started = export_owned(request.user, pk)
    if not started.downloadable():
        return render(request, "consent/export.html", {"export": started, "gone": True}, status=410)
    return file_response(started.file.name, "application/zip", download_name=export.download_name(started))


@login_required
def account_delete(request):
    form = AccountDeleteForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_id, counts = account_erase(request.user, method=Method.WEB)
        logout(request)
        return render(
            request,
            "consent/account_deleted.html",
            {"record_id": record_id, "erased": _erased_sentence({k: v for k, v in counts.items() if v})},
        )
    return render(request, "consent/account_delete.html", {"form": form})
