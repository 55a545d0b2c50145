"""The OpenAPI schema served at /api/schema/ is the one committed in tests/openapi.yaml, byte for byte.

A change to the API (a path, a field, a description) must be deliberate: regenerate the copy with
`ROLLWEB_WRITE_SCHEMA=1` and this test (unit tier command, README "Tests"), and commit it with the change.
"""

import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi.yaml")


def test_the_served_schema_is_the_committed_one(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    if os.environ.get("ROLLWEB_WRITE_SCHEMA") and not os.environ.get("CI"):
        SNAPSHOT.write_bytes(response.content)
    assert response.content == SNAPSHOT.read_bytes(), (
        "the API schema changed; if that is deliberate, run this test with ROLLWEB_WRITE_SCHEMA=1 and commit "
        "tests/openapi.yaml"
    )
