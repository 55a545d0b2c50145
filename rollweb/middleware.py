"""Cache-Control for every answer that does not set its own."""

from django.utils.cache import patch_cache_control


class CacheControlMiddleware:
    """API answers are never stored (`no-store`). Answers to a signed-in person may be kept by
    their browser only and are revalidated on every use (`private, no-cache`; unlike no-store it
    leaves the back/forward cache working). Previews, originals and downloads set their own
    lifetime (rollweb.storage.file_response); public pages keep Django's defaults."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True)
        elif _signed_in(request):
            patch_cache_control(response, private=True, no_cache=True)
        return response


def _signed_in(request):
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
