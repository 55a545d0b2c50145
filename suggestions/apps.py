from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = "Library and suggestions"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from consent.erasure import register_eraser
        from consent.signals import scopes_granted

        from .backfill import backfill_on_grant
        from .erasure import ERASERS

        # Pillow's own guard, at the same limit rollweb checks explicitly.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
        for scope, eraser in ERASERS.items():
            register_eraser(scope, eraser)
        scopes_granted.connect(backfill_on_grant, dispatch_uid="suggestions.backfill_on_grant")
