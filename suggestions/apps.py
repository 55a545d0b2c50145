from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = "Library and suggestions"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from consent.erasure import register_eraser
        from consent.export import register_exporter
        from consent.panels import register_panel
        from consent.retention import register_activity
        from consent.signals import scopes_granted

        from . import export, sharing
        from .backfill import backfill_on_grant
        from .erasure import ERASERS, REMAINS
        from .feed import suggestion_dismissed
        from .services import last_uploads

        # Pillow's own guard, at the same limit rollweb checks explicitly.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
        for scope in ERASERS:
            # Ahead of the scope's own eraser, which deletes the links' targets.
            register_eraser(scope, sharing.ERASERS[scope])
        for scope, eraser in ERASERS.items():
            register_eraser(scope, eraser, remains=REMAINS.get(scope))
        register_panel("suggestions/_privacy_shares.html", sharing.shares_panel)
        scopes_granted.connect(backfill_on_grant, dispatch_uid="suggestions.backfill_on_grant")
        suggestion_dismissed.connect(sharing.shares_end_with_dismissed, dispatch_uid="suggestions.shares_dismissed")
        register_exporter("library", export.write, count=export.count, readme=export.README)
        register_activity(last_uploads)
