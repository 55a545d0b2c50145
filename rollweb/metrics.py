"""Counters and histograms for operators, added up across every web and worker process.

prometheus-client's multiprocess mode: each process writes its values to files under
PROMETHEUS_MULTIPROC_DIR (set in settings before this module is imported; under var/ on the
default engine) and a scrape sums them. Labels are kinds of things (a queue, a stage, a scope, a
state, a reason from a fixed list), never a person, an id, a file name or a place.
"""

import time
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

STAGE_SECONDS = Histogram(
    "rollweb_stage_seconds", "Time one analysis stage took on one item", ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ITEMS_ANALYZED = Counter("rollweb_items_analyzed", "Items whose analysis finished (rate() is the analysis rate)")
FAILURES = Counter("rollweb_item_failures", "Items that failed, by reason", ["reason"])
ERASURES = Counter("rollweb_erasures", "Erasures finished, by scope", ["scope"])
ERASED = Counter("rollweb_erased", "What erasures removed, by scope and kind of thing", ["scope", "what"])
ERASURE_CHUNK_SECONDS = Histogram(
    "rollweb_erasure_chunk_seconds", "How long one erasure chunk's transaction was open", ["scope"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
SUGGESTION_REFRESHES = Counter("rollweb_suggestion_refreshes", "Suggestion refreshes run")


@contextmanager
def stage_timer(stage):
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage=stage).observe(time.perf_counter() - started)


def item_analyzed():
    ITEMS_ANALYZED.inc()


def item_failed(reason):
    FAILURES.labels(reason=reason).inc()


def erasure_finished(scope, counts):
    ERASURES.labels(scope=scope).inc()
    for what, count in counts.items():
        ERASED.labels(scope=scope, what=what).inc(count)


def erasure_chunk_seconds(scope, seconds):
    ERASURE_CHUNK_SECONDS.labels(scope=scope).observe(seconds)


def suggestions_refreshed():
    SUGGESTION_REFRESHES.inc()


def exposition(*collectors):
    """The text a Prometheus scrape reads: every process's counters summed, then `collectors`
    (values read at scrape time, such as queue depths)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST
