"""The OpenAPI schema: valid, complete, served with local docs, and true to the running API."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from rollweb.tokens import token_issue

from .conftest import grant, jpeg_bytes, upload_and_analyze
from .factories import UserFactory

CONTRACT = {
    ("post", "/api/v1/auth/register/"), ("post", "/api/v1/auth/token/"),
    ("post", "/api/v1/media/check/"), ("post", "/api/v1/media/"), ("get", "/api/v1/media/"),
    ("get", "/api/v1/media/{id}/"), ("delete", "/api/v1/media/{id}/"), ("get", "/api/v1/media/{id}/thumbnail/"),
    ("get", "/api/v1/media/{id}/original/"), ("get", "/api/v1/media/{id}/ledger/"),
    ("get", "/api/v1/people/"), ("get", "/api/v1/suggestions/"), ("get", "/api/v1/suggestions/{id}/asset/"),
    ("get", "/api/v1/people/{id}/"), ("patch", "/api/v1/people/{id}/"), ("post", "/api/v1/people/{id}/merge/"),
    ("post", "/api/v1/faces/{id}/detach/"), ("get", "/api/v1/suggestions/{id}/"),
    ("post", "/api/v1/suggestions/{id}/save/"), ("post", "/api/v1/suggestions/{id}/dismiss/"),
}
PUBLIC = {"/api/v1/auth/register/", "/api/v1/auth/token/"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_generated_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_spectacular_validate_is_clean(tmp_path, capsys):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "openapi: 3" in out.read_text()


def test_every_contract_operation_is_documented(schema):
    documented = {(method, path) for path, method, _ in operations(schema)}
    assert CONTRACT <= documented


def test_every_operation_has_responses_errors_and_bodies(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert any(code.startswith("2") for code in codes), (method, path)
        if path.startswith("/api/v1/") and path not in PUBLIC:
            assert "401" in codes, (method, path)
        if "{id}" in path:
            assert "404" in codes, (method, path)
        if method == "post":
            assert "400" in codes and "requestBody" in operation, (method, path)
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                assert "application/json" in response.get("content", {}), (method, path, code)


def test_upload_documents_every_answer(schema):
    upload = schema["paths"]["/api/v1/media/"]["post"]
    assert {"200", "201", "400", "401", "403", "409", "413", "429"} <= set(upload["responses"])
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_schema_and_docs_are_served_without_any_cdn(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "rollweb API"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    external = [url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", page) if "//" in url]
    assert external == []
    # No inline script (the Content Security Policy forbids them): the set-up script is its own file.
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)
    setup = client.get("/api/docs/?script=")
    assert setup.status_code == 200 and "SwaggerUIBundle" in setup.content.decode()


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, settings, tmp_path, corpus):
    """Property-based requests against a running server, a bounded number per operation."""
    settings.API_RATES = {"auth": "10000/min", "login": "10000/min"}
    settings.UPLOADS_PER_MINUTE = 10000
    user = UserFactory()
    grant(user, "library", "sync", "time", "location")
    upload_and_analyze(user, corpus / "exif" / "DSCN0010.jpg")
    upload_and_analyze(user, jpeg_bytes())
    _, key = token_issue(user, "schemathesis")
    # A connection per request: schemathesis sends some bodies chunked, and the test server (Django's
    # development server, without rollweb.wsgi's ChunkedBodies) leaves such a body unread on a kept-alive
    # connection, then answers its last line as a request of its own to whichever request comes next.
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/api/schema/",
        "--header", f"Authorization: Token {key}", "--header", "Connection: close",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance,response_headers_conformance",
        "--max-examples", "12", "--workers", "1", "--seed", "5", "--phases", "examples,coverage,fuzzing",
        "--no-color", "--request-timeout", "30", "--generation-database", "none",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]


def test_the_docs_page_alone_lets_in_its_inline_stylesheet_by_nonce(client):
    """Swagger UI's one inline stylesheet carries the request's nonce, which only this page's
    policy names; no page allows unsafe-inline."""
    docs = client.get("/api/docs/")
    policy = docs["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]+)", policy).group(1).split()
    nonce = re.search(r"'nonce-([^']+)'", " ".join(style_src)).group(1)
    assert style_src == ["'self'", f"'nonce-{nonce}'"] and "unsafe-inline" not in policy
    assert re.search(r"script-src 'self'(;|$)", policy)
    styles = re.findall(r"<style([^>]*)>", docs.content.decode())
    assert styles and all(f'nonce="{nonce}"' in attributes for attributes in styles)
    assert nonce not in client.get("/api/docs/")["Content-Security-Policy"]  # a new one each time
    assert "nonce-" not in client.get("/accounts/login/")["Content-Security-Policy"]
