import hmac

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularSwaggerSplitView

from consent.services import needs_onboarding
from suggestions.feed import views as feed_views

from .api import AuthRateThrottle
from .forms import SignupForm
from .health import run_checks, worker_status
from .metrics import exposition
from .operators import OverviewCollector


def home(request):
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    if needs_onboarding(request.user):
        return redirect("consent:onboarding")
    return feed_views.index(request)


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        throttle = AuthRateThrottle()
        if not throttle.allow_request(request, None):
            return _signup_refused(request, throttle.wait())
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to rollweb. Nothing is switched on until you choose.")
        return redirect("consent:onboarding")
    return render(request, "registration/signup.html", {"form": form})


def _signup_refused(request, wait):
    """Too many sign-ups from one address (the API's budget: API_AUTH_RATE), so that usernames
    cannot be probed through the form without limit."""
    wait = max(int(wait or 1), 1)
    response = render(request, "registration/signup.html", {"form": SignupForm(), "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@never_cache
@require_GET
def healthz(request):
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "degraded", **results, "worker": worker_status()}
    return JsonResponse(body, status=200 if healthy else 503)


@method_decorator(csp_update({"style-src": [NONCE]}), name="get")
class ApiDocsView(SpectacularSwaggerSplitView):
    """The browsable API docs (Swagger UI, served from our own static files) within the Content
    Security Policy: only this page lets in an inline stylesheet, the one with its nonce."""

    template_name = "api_docs.html"


@never_cache
@require_GET
def metrics(request):
    """The Prometheus scrape, for operators only: a staff session, or METRICS_TOKEN as a bearer token
    (Prometheus's `authorization` setting). Anyone else gets a 404."""
    staff = request.user.is_authenticated and request.user.is_active and request.user.is_staff
    if not (staff or _metrics_token_sent(request)):
        raise Http404
    body, content_type = exposition(OverviewCollector())
    return HttpResponse(body, content_type=content_type)


def _metrics_token_sent(request):
    expected = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
