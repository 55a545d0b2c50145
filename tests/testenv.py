"""Loaded with `-p tests.testenv` (pytest.ini) before Django reads its settings.

Tests never touch var/ nor a broker.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="rollweb-test-var-"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
