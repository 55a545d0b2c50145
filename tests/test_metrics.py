"""Metrics for operators: a Prometheus scrape summed over every process, for staff only, naming no one."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from consent.services import scopes_revoke
from rollweb import metrics
from rollweb.queue import QUEUE_KINDS

from .conftest import grant, jpeg_bytes, upload_and_analyze
from .derived import add_person_and_face
from .factories import UserFactory

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


def half_a_jpeg():
    """Accepted at upload, failed in analysis."""
    data = jpeg_bytes(size=(300, 200))
    return data[: len(data) // 2]


def scrape(client):
    response = client.get(reverse("metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def sample(text, name):
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_counters_add_up_across_processes(client, operator):
    client.force_login(operator)
    before = sample(scrape(client), "rollweb_suggestion_refreshes_total")
    metrics.suggestions_refreshed()
    other = (
        "from rollweb import metrics\n"
        "metrics.suggestions_refreshed(); metrics.suggestions_refreshed()\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(settings.PROMETHEUS_MULTIPROC_DIR)}
    subprocess.run([sys.executable, "-c", other], cwd=REPO, env=env, check=True, timeout=60)
    assert sample(scrape(client), "rollweb_suggestion_refreshes_total") == before + 3


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_metrics_are_for_operators_only(client, who, user):
    if who == "customer":
        client.force_login(user)
    assert client.get(reverse("metrics")).status_code == 404


def test_prometheus_reads_the_metrics_with_its_token(client, settings, db):
    settings.METRICS_TOKEN = "scrape-secret-0123456789"
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    answer = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert answer.status_code == 200 and b"rollweb_items" in answer.content


def test_no_token_configured_lets_no_bearer_in(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_the_scrape_has_every_figure_and_no_person_in_its_labels(client, operator, user, corpus):
    grant(user, "library", "time", "location", "faces", "themes")
    item = upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    add_person_and_face(item, name="Ada Lovelace")
    upload_and_analyze(user, half_a_jpeg(), name="broken.jpg")
    scopes_revoke(user, ["faces"], method="web")
    client.force_login(operator)
    text = scrape(client)

    assert "# TYPE rollweb_queue_depth gauge" in text
    assert re.search(r'^rollweb_items\{state="analyzed"\} [1-9]', text, re.M)
    assert re.search(r'^rollweb_items\{state="failed"\} [1-9]', text, re.M)
    assert re.search(r"^rollweb_items_failed_last_day [1-9]", text, re.M)
    assert sample(text, "rollweb_items_analyzed_total") >= 1
    assert re.search(r'^rollweb_item_failures_total\{reason="unreadable"\} [1-9]', text, re.M)
    assert re.search(r'^rollweb_stage_seconds_count\{stage="[a-z_]+"\} [1-9]', text, re.M)
    assert re.search(r'^rollweb_erasures_total\{scope="faces"\} [1-9]', text, re.M)
    assert re.search(r'^rollweb_erased_total\{scope="faces",what="faces"\} [1-9]', text, re.M)
    labels = set(re.findall(r'="([^"]*)"', text))
    for secret in (user.username, str(user.pk), "Ada Lovelace", "Arezzo", "Italy", "DSCN0010", "broken.jpg"):
        assert secret not in labels, secret
    assert all(re.fullmatch(r"[a-z_ +.0-9Inf]*", value) for value in labels), labels


def test_the_operators_page_has_tiles_and_a_link_to_the_last_days_failures(client, operator, user):
    grant(user, "library")
    upload_and_analyze(user, half_a_jpeg(), name="broken.jpg")
    client.force_login(operator)
    html = client.get(reverse("admin:index")).content.decode()
    tiles = html[html.index('id="machine-tiles"'):html.index('id="queue-health"')]
    for kind in QUEUE_KINDS:
        assert f"Queue: {kind}" in tiles
    assert re.search(r'id="state-failed">.*?tile-value">1<', tiles, re.S)
    failed = re.search(r'id="failed-last-day">.*?tile-value">(\d+)<.*?href="([^"]+)"', tiles, re.S)
    assert failed.group(1) == "1"
    listing = client.get(failed.group(2).replace("&amp;", "&"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "broken.jpg" not in page and "<img" not in tiles
    assert re.search(r"not a (photo|supported)|could not|cannot", page, re.I)
