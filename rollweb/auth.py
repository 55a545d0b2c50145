"""Sign-in throttling: django-axes counts failed sign-ins made over HTTP (pages, admin and API
alike, since each goes through `authenticate`) and refuses, with 429 and Retry-After:

- a username from an address after AXES_FAILURE_LIMIT failures (for AXES_COOLOFF_MINUTES);
- an address after SIGN_IN_FAILURES_PER_ADDRESS failures across all usernames within
  SIGN_IN_ADDRESS_WINDOW_MINUTES (password spraying), counted on axes' own attempt records.
"""

import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone


class ThrottledSignInBackend(AxesStandaloneBackend):
    """Refuses a sign-in while its username and address are locked out.

    A sign-in without a request (a management command, a test's `client.login`) has no address
    to throttle, so it is left to the next backend instead of being an error.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request):
    """Where a request came from. Behind PROXY_COUNT trusted proxies REMOTE_ADDR is the nearest
    proxy, so the address is the one the outermost trusted proxy appended to X-Forwarded-For
    (entries further left are whatever the client sent, and could be forged)."""
    remote = request.META.get("REMOTE_ADDR")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) >= settings.PROXY_COUNT:
        return forwarded[-settings.PROXY_COUNT]
    return remote


def sign_in_records_forget(sender, instance, **kwargs):
    """An account that is deleted leaves no sign-in records (username, address) behind."""
    # This module is loaded by django-axes while settings load, before models can be imported.
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=instance.get_username()).delete()


class SignInHandler(AxesDatabaseHandler):
    """Axes' database handler, also locking out an address that failed too often across usernames."""

    def is_locked(self, request, credentials=None):
        return super().is_locked(request, credentials) or address_wait(request) > 0


def _now(request):
    return getattr(request, "axes_attempt_time", None) or timezone.now()


def address_wait(request):
    """Seconds until the request's address is under SIGN_IN_FAILURES_PER_ADDRESS failures in the
    window again (0: it is now). The oldest failures leave the window first."""
    window = timedelta(minutes=settings.SIGN_IN_ADDRESS_WINDOW_MINUTES)
    now = _now(request)
    attempts = AccessAttempt.objects.filter(
        ip_address=getattr(request, "axes_ip_address", None) or client_address(request), attempt_time__gte=now - window
    ).order_by("attempt_time").values_list("attempt_time", "failures_since_start")
    failures = [list(row) for row in attempts]
    total = sum(count for _, count in failures)
    wait = 0.0
    while failures and total >= settings.SIGN_IN_FAILURES_PER_ADDRESS:
        at, count = failures.pop(0)
        total -= count
        wait = (at + window - now).total_seconds()
    return max(math.ceil(wait), 0) if wait else 0


def account_wait(request, credentials):
    """Seconds until the username may be tried from this address again (0: it may)."""
    handler = SignInHandler()
    limit = get_failure_limit(request, credentials)
    waits = [0.0]
    for attempts in handler.get_user_attempts(request, credentials):
        summary = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (summary["failures"] or 0) >= limit:
            waits.append((summary["last"] + get_cool_off(request) - _now(request)).total_seconds())
    return max(math.ceil(max(waits)), 0)


def lockout_response(request, original_response=None, credentials=None):
    """What a refused sign-in answers (AXES_LOCKOUT_CALLABLE): 429 with Retry-After, in JSON
    under /api/ and as a page elsewhere."""
    by_address = address_wait(request)
    wait = max(by_address, account_wait(request, credentials), 1)
    if by_address:
        detail = "Too many failed sign-ins from your network. Please wait a few minutes and try again."
    else:
        detail = "Too many failed sign-ins for this account from here. Please wait and try again."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": detail}, status=settings.AXES_HTTP_RESPONSE_CODE)
    else:
        context = {"by_address": bool(by_address), "minutes": math.ceil(wait / 60)}
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(wait)
    return response
