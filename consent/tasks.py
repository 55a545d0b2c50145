"""Celery tasks: thin wrappers that take ids and call services."""

from celery import shared_task

from . import erasing, export, retention


@shared_task(name="consent.tasks.build_export")
def build_export(export_id):
    export.export_build(export_id)


@shared_task(name="consent.tasks.sweep_exports")
def sweep_exports():
    return export.exports_sweep()


@shared_task(name="consent.tasks.expire_lapsed_grants")
def expire_lapsed_grants():
    return retention.grants_expire()


@shared_task(name="consent.tasks.pause_stale_notices")
def pause_stale_notices():
    return retention.notices_pause_stale()


@shared_task(name="consent.tasks.enforce_face_retention")
def enforce_face_retention():
    return retention.faces_retention_enforce()


@shared_task(name="consent.tasks.run_erasures")
def run_erasures(record_id):
    erasing.erasures_run(record_id)


@shared_task(name="consent.tasks.sweep_erasures")
def sweep_erasures():
    return erasing.erasures_sweep()
