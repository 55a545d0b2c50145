from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = "Library and suggestions"

    def ready(self):
        # Django imports models only once every app is loaded, so what uses them is imported here.
        from django.conf import settings
        from PIL import Image

        from consent.erasure import register_eraser
        from consent.export import register_exporter
        from consent.panels import register_panel
        from consent.retention import register_activity
        from consent.signals import scopes_granted

        from . import export
        from .edits import services as edits
        from .erasure import CHUNKS, ERASERS, REMAINS, media_batches
        from .feed import drafts as feed_drafts, render as feed_render, selectors as feed_selectors, services as feed
        from .feed.signals import suggestion_dismissed, suggestions_withdrawn
        from .library import registry, search as library_search, stages as library_stages
        from .library.backfill import backfill_on_grant
        from .library.selectors import last_uploads
        from .library.signals import analysis_finished, media_deleted, media_deleting
        from .people import selectors as people_selectors, services as people, stages as people_stages
        from .people.signals import people_changed
        from .sharing import selectors as sharing_selectors, services as sharing

        # Pillow's own guard, at the same limit rollweb checks explicitly.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
        # The library's stages run first, then each feature's.
        registry.stage_register(*library_stages.STAGES, *people_stages.STAGES)
        library_search.people_source_register(people_selectors.names_for_search, people_selectors.media_ids_showing_any)
        feed_render.renderer_register(feed_render.EDIT_KINDS, edits.edit_suggestion_render)
        for scope in ERASERS:
            # Ahead of the scope's own eraser, which deletes the links' targets.
            register_eraser(scope, sharing.ERASERS[scope])
        for scope, eraser in ERASERS.items():
            register_eraser(scope, eraser, remains=REMAINS.get(scope), chunked=(media_batches, CHUNKS[scope]))
            register_eraser(scope, feed_drafts.drafts_forget)
        register_panel("suggestions/feed/_privacy_controls.html", feed_selectors.controls_panel)
        register_panel("suggestions/sharing/_privacy_shares.html", sharing_selectors.shares_panel)
        scopes_granted.connect(backfill_on_grant, dispatch_uid="suggestions.backfill_on_grant")
        register_exporter("library", export.write, count=export.count, readme=export.README)
        register_activity(last_uploads)
        # Features above the library listen to what it (and each other) tell; links end first,
        # before the suggestions that show a deleted item change.
        analysis_finished.connect(feed.refresh_soon_on, dispatch_uid="suggestions.feed.analysis_finished")
        people_changed.connect(feed.refresh_soon_on, dispatch_uid="suggestions.feed.people_changed")
        media_deleted.connect(people.people_tidy_on, dispatch_uid="suggestions.people.media_deleted")
        media_deleting.connect(sharing.forget_media_on, dispatch_uid="suggestions.sharing.media_deleting")
        media_deleting.connect(feed.forget_media_on, dispatch_uid="suggestions.feed.media_deleting")
        suggestion_dismissed.connect(sharing.links_end_on_dismissal, dispatch_uid="suggestions.sharing.dismissed")
        suggestions_withdrawn.connect(sharing.links_end_on_withdrawal, dispatch_uid="suggestions.sharing.withdrawn")
