from django.contrib import messages
from django.contrib.auth import login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from consent.services import needs_onboarding
from suggestions.feed import views as feed_views

from .forms import SignupForm
from .health import run_checks


def home(request):
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    if needs_onboarding(request.user):
        return redirect("consent:onboarding")
    return feed_views.index(request)


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to rollweb. Nothing is switched on until you choose.")
        return redirect("consent:onboarding")
    return render(request, "registration/signup.html", {"form": form})


@never_cache
@require_GET
def healthz(request):
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **results}, status=200 if healthy else 503)
