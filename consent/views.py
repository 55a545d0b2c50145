from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import scopes, services
from .forms import FacesConfirmForm, GrantForm, OnboardingForm
from .models import Method


def _erased_sentence(counts):
    if not counts:
        return "Nothing needed erasing."
    parts = [f"{value:,} {key.replace('_', ' ')}" for key, value in sorted(counts.items())]
    return "Erased: " + ", ".join(parts) + "."


def _grant(request, keys, biometric_confirmed=False):
    try:
        services.scopes_grant(
            request.user,
            keys,
            notice_version=request.POST.get("notice_version", ""),
            method=Method.WEB,
            biometric_confirmed=biometric_confirmed,
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
    if request.method == "POST" and form.is_valid():
        if _grant(request, [scopes.FACES], biometric_confirmed=True):
            messages.success(request, "Face recognition is on.")
        return redirect("consent:privacy")
    return render(request, "consent/faces_confirm.html", {"form": form, "scope": scopes.SCOPES[scopes.FACES]})


@login_required
def privacy(request):
    return render(
        request,
        "consent/privacy.html",
        {
            "states": services.consent_state(request.user),
            "notice_version": scopes.notice_version(),
            "events": services.consent_events(request.user)[:100],
        },
    )


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
    return redirect("consent:privacy")


@login_required
def revoke(request, scope):
    if scope not in scopes.SCOPES:
        raise Http404
    definition = scopes.SCOPES[scope]
    destructive = scope != scopes.SYNC
    if request.method == "POST" and (request.POST.get("confirm") == "yes" or not destructive):
        revocation = services.scopes_revoke(request.user, [scope], method=Method.WEB)
        messages.success(request, f"“{definition.title}” is off. {_erased_sentence(revocation.erased)}")
        return redirect("consent:privacy")
    affected = [scopes.SCOPES[key] for key in scopes.ORDER] if scope == scopes.LIBRARY else [definition]
    return render(request, "consent/revoke_confirm.html", {"scope": definition, "affected": affected})
