"""What every API module shares: pagination, rates and the shape of errors (parsers: rollweb.parsers)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, throttling
from rest_framework.pagination import CursorPagination
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import PayloadTooLarge, content_length  # noqa: F401 (content_length: shared with the upload view)
from .ratelimit import upload_wait


class NewestFirstPagination(CursorPagination):
    """Cursor pagination, newest first: stable while items are added during a sync."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
    invalid_cursor_message = "This cursor is not one the server gave out; start again without it."

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor that decodes but holds a position the ordering field cannot take (or a page
        # size that is not a number) is a bad request, not a server error.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (exceptions.NotFound, DjangoValidationError, ValueError, TypeError, OverflowError):
            raise exceptions.ValidationError({"cursor": [self.invalid_cursor_message]}) from None


def exception_handler(exc, context):
    """DRF's handler, plus Django's own refusals of bad input answered in JSON instead of a 500."""
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ValidationError({"detail": str(exc) or "The request could not be read."})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError({"detail": exc.messages})
    return drf_exception_handler(exc, context)


def _api_error(request, status, detail):
    return JsonResponse({"detail": detail}, status=status) if request.path.startswith("/api/") else None


def not_found(request, exception):
    """Django's 404 for pages; under /api/ (an unknown path, or an id of the wrong form) JSON."""
    return _api_error(request, 404, "Not found.") or defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """Refusals made before any view runs (a host not allowed, a request Django cannot read)."""
    return _api_error(request, 400, "The request could not be read.") or defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _api_error(request, 403, "Not allowed.") or defaults.permission_denied(request, exception)


def server_error(request):
    return _api_error(request, 500, "Something went wrong on the server; try again later.") or defaults.server_error(
        request
    )


class RateThrottle(throttling.SimpleRateThrottle):
    """A rate from settings.API_RATES, read when the request arrives (so tests can change it)."""

    def get_rate(self):
        return settings.API_RATES[self.scope]


class UploadRateThrottle(throttling.BaseThrottle):
    """Uploads per person: the same budget as the pages' (rollweb.ratelimit.upload_wait)."""

    def allow_request(self, request, view):
        self.seconds = upload_wait(request.user.pk) if request.user and request.user.is_authenticated else 0
        return not self.seconds

    def wait(self):
        return self.seconds


class AuthRateThrottle(RateThrottle):
    """Sign-up and sign-in requests per client address."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(RateThrottle):
    """Sign-in attempts per username, from any address: a slow guesser gets nowhere."""

    scope = "login"

    def get_cache_key(self, request, view):
        try:
            username = request.data.get("username")
        except AttributeError:  # a JSON body that is not an object
            return None
        if not isinstance(username, str) or not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.strip().lower()[:150]}


# -- error bodies, for the schema ---------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in plain language.")


FIELD_ERRORS = {
    "type": "object",
    "description": "Field name → list of messages (an object, for a list field, keyed by position); "
    "`detail` or `non_field_errors` for the request as a whole.",
    "additionalProperties": {},
    "example": {"sha256": ["Expected 64 hexadecimal characters."]},
}


ERROR_TEXT = {
    400: "The request is malformed or a field is invalid: field name → list of messages, or `detail`.",
    401: "No valid credentials: send `Authorization: Token …`.",
    403: "Not allowed: a consent this operation needs is not given.",
    404: "No such object among yours (another person's objects are never visible).",
    409: "Conflicts with what is stored.",
    413: "The body is larger than the server accepts.",
    415: "The Content-Type is not one this operation reads.",
    429: "Too many requests: wait the number of seconds in Retry-After.",
    503: "A service the server needs is unavailable; try again shortly.",
}


def errors(*codes, **texts):
    """Schema responses for error status codes: `errors(400, 404, status_409="…")`."""
    responses = {}
    for code in codes:
        body = FIELD_ERRORS if code == 400 else ErrorSerializer
        responses[code] = OpenApiResponse(body, description=texts.get(f"status_{code}", ERROR_TEXT[code]))
    return responses
