"""The API's settings: the shared cache, the rates and the token lifetime, checked at start-up."""

import json
import os
import subprocess
import sys

import pytest

from .test_settings import REPO, start


def loaded(**env):
    environment = {"PATH": os.environ["PATH"], "VAR_DIR": "/tmp/rollweb-settings-test", "SECRET_KEY": "x", **env}
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'cache': settings.CACHES['default'], 'rates': settings.API_RATES, "
        "'uploads': settings.UPLOADS_PER_MINUTE, 'proxies': settings.REST_FRAMEWORK['NUM_PROXIES']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env={**environment, "DJANGO_SETTINGS_MODULE": "rollweb.settings"},
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CACHE_URL": "locmemcache://"}, "CACHE_URL must start with one of"),
        ({"CACHE_URL": "memcache://127.0.0.1:11211"}, "CACHE_URL must start with one of"),
        ({"CACHE_URL": "/var/cache"}, "CACHE_URL must start with one of"),
        ({"UPLOADS_PER_MINUTE": "fast"}, "UPLOADS_PER_MINUTE must be a whole number"),
        ({"API_AUTH_RATE": "0/min"}, "API_AUTH_RATE must be a rate"),
        ({"API_LOGIN_RATE": "5/week"}, "API_LOGIN_RATE must be a rate"),
        ({"API_TOKEN_IDLE_DAYS": "0"}, "API_TOKEN_IDLE_DAYS must be at least 1"),
        ({"PROXY_COUNT": "one"}, "PROXY_COUNT must be a whole number"),
    ],
)
def test_wrong_values_stop_start_up(env, message):
    result = start(SECRET_KEY="x", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_default_cache_is_a_folder_every_process_shares():
    cache = loaded()["cache"]
    assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert cache["LOCATION"] == "/tmp/rollweb-settings-test/cache"


def test_production_cache_is_redis_and_rates_come_from_the_environment():
    settings = loaded(CACHE_URL="redis://127.0.0.1:6379/1", UPLOADS_PER_MINUTE="30", BEHIND_PROXY="true")
    assert settings["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert settings["uploads"] == 30
    assert settings["proxies"] == 1
    assert loaded(BEHIND_PROXY="true", PROXY_COUNT="2")["proxies"] == 2
    assert loaded(PROXY_COUNT="2")["proxies"] == 0  # not behind a proxy: X-Forwarded-For is ignored
