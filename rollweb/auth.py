"""Sign-in throttling: django-axes counts failed sign-ins made over HTTP."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings


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
