"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from . import services


@shared_task(name="suggestions.tasks.analyze_media")
def analyze_media(item_id):
    services.media_analyze(item_id)


@shared_task(name="suggestions.tasks.requeue_stuck_media")
def requeue_stuck_media():
    return len(services.media_requeue_stuck())
