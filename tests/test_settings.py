"""A wrong environment value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def start(**env):
    """Load the settings in a fresh interpreter with exactly these variables."""
    environment = {"PATH": os.environ["PATH"], "VAR_DIR": env.pop("VAR_DIR", "/tmp/rollweb-settings-test"), **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.INSTALLED_APPS"],
        cwd=REPO,
        env={**environment, "DJANGO_SETTINGS_MODULE": "rollweb.settings"},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "x", "DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"SECRET_KEY": "x", "MAX_UPLOAD_BYTES": "lots"}, "MAX_UPLOAD_BYTES must be a whole number"),
        ({"SECRET_KEY": "x", "FACE_RETENTION_DAYS": "0"}, "FACE_RETENTION_DAYS must be at least 1"),
        ({"SECRET_KEY": "x", "STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be one of local, s3"),
        ({"SECRET_KEY": "x", "STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME must be set"),
        ({"SECRET_KEY": "x", "DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
        ({"SECRET_KEY": "x", "FACE_MIN_FRACTION": "2%"}, "FACE_MIN_FRACTION must be a number"),
        ({"SECRET_KEY": "x", "FACE_MIN_FRACTION": "0.5"}, "FACE_MIN_FRACTION must be a number"),
        ({"SECRET_KEY": "x", "WORKER_HEARTBEAT_SECONDS": "often"}, "WORKER_HEARTBEAT_SECONDS must be a whole number"),
        ({"SECRET_KEY": "x", "WORKER_SILENT_SECONDS": "10"}, "WORKER_SILENT_SECONDS (10) must be longer"),
    ],
)
def test_wrong_values_stop_start_up(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_defaults_start(tmp_path):
    result = start(SECRET_KEY="x", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "broker").is_dir()


def test_redis_and_rabbitmq_keep_their_own_transports(tmp_path):
    for url in ("redis://127.0.0.1:6379/0", "amqp://guest:guest@127.0.0.1:5672//"):
        result = subprocess.run(
            [sys.executable, "-c", "from django.conf import settings; "
             "print(settings.CELERY_BROKER_URL, getattr(settings, 'CELERY_BROKER_TRANSPORT', None), settings.BROKER_DIR)"],
            cwd=REPO, capture_output=True, text=True,
            env={"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path), "SECRET_KEY": "x", "CELERY_BROKER_URL": url,
                 "DJANGO_SETTINGS_MODULE": "rollweb.settings"},
        )
        assert result.stdout.split() == [url, "None", "None"], result.stderr
    assert not (tmp_path / "broker").exists()
