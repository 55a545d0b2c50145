"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from . import feed, services


@shared_task(name="suggestions.tasks.analyze_media")
def analyze_media(item_id):
    services.media_analyze(item_id)


@shared_task(name="suggestions.tasks.requeue_stuck_media")
def requeue_stuck_media():
    return len(services.media_requeue_stuck())


@shared_task(name="suggestions.tasks.refresh_suggestions")
def refresh_suggestions(user_id, debounced=True):
    if debounced:
        feed.suggestions_refresh_due(user_id)
    else:
        feed.suggestions_refresh(user_id)


@shared_task(name="suggestions.tasks.render_suggestion")
def render_suggestion(suggestion_id):
    feed.suggestion_render(suggestion_id)


@shared_task(name="suggestions.tasks.refresh_everyones_suggestions")
def refresh_everyones_suggestions():
    return feed.suggestions_refresh_everyone()


@shared_task(name="suggestions.tasks.requeue_overdue_refreshes")
def requeue_overdue_refreshes():
    return len(feed.suggestions_requeue_overdue())
