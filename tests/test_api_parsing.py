"""Request bodies the parsers choke on: every one is a 400 in JSON, on every path that reads a body.

The JSON bodies below are valid or nearly valid JSON that Python's decoder or the code after it can
be made to fail on (nesting past the recursion limit, numbers past int conversion limits,
non-objects where an object is expected). Every API path that parses a body is walked with each.
"""

import io
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from rest_framework.exceptions import ParseError
from rest_framework.test import APIClient

from rollweb.parsers import MAX_JSON_DEPTH, BoundedJSONParser
from rollweb.tokens import token_issue
from suggestions.models import Person, Suggestion, SuggestionItem

from .conftest import grant, jpeg_bytes, upload_and_analyze
from .factories import UserFactory
from .test_isolation_walk import ROUTES, instantiate

NESTED = {
    "arrays-1000": "[" * 1000 + "]" * 1000,
    "arrays-100000": "[" * 100_000 + "]" * 100_000,
    "objects-1000": '{"a":' * 1000 + "1" + "}" * 1000,
    "past-the-depth-limit": '{"username": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}",
    "unclosed-100000": "[" * 100_000,
}
ODD = {
    "a-5000-digit-number": '{"username": ' + "7" * 5000 + "}",
    "nan": '{"username": NaN}',
    "infinity-by-exponent": '{"username": 1e99999, "scopes": [1e99999], "other": 1e99999}',
    "a-list": "[1, 2, 3]",
    "a-string": '"username"',
    "null": "null",
    "not-utf-8": b'{"username": "\xff\xfe"}',
    "a-lone-surrogate": '{"username": "\\ud800"}',
    "empty": "",
}
BODIES = {**NESTED, **ODD}
MALFORMED = '{"username": '


def encoded(body):
    return body if isinstance(body, bytes) else body.encode()


# -- the parser itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NESTED)
def test_the_parser_refuses_nesting_it_or_the_code_after_it_could_choke_on(name):
    with pytest.raises(ParseError) as refused:
        BoundedJSONParser().parse(io.BytesIO(encoded(NESTED[name])))
    assert refused.value.status_code == 400


def test_the_parser_reads_ordinary_nesting():
    body = {"scopes": ["library"], "deep": [[[[{"ok": [1, 2, {"x": None}]}]]]]}
    assert BoundedJSONParser().parse(io.BytesIO(json.dumps(body).encode())) == body
    at_the_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert BoundedJSONParser().parse(io.BytesIO(at_the_limit.encode())) is not None


@pytest.mark.parametrize("name", ["a-5000-digit-number", "nan", "not-utf-8", "a-lone-surrogate"])
def test_the_parser_refuses_numbers_and_text_it_cannot_read(name):
    with pytest.raises(ParseError):
        BoundedJSONParser().parse(io.BytesIO(encoded(ODD[name])))


@pytest.mark.parametrize("body", [
    '{"sha256": ["' + "a" * 64 + '", "\\udfff", "' + "b" * 64 + '"]}',  # one string among many in a list
    '{"\\ud800": 1}',  # a key
    '[[{"deep": {"x": ["ok", "\\udc00"]}}]]',
])
def test_the_parser_finds_a_lone_surrogate_wherever_it_stands(body):
    with pytest.raises(ParseError):
        BoundedJSONParser().parse(io.BytesIO(body.encode()))


# -- every path that reads a body -----------------------------------------------------------------


@pytest.fixture
def owner(db):
    """A person with one of everything an API path can name, and both ways to sign in."""
    person = UserFactory()
    grant(person, "library", "time", "themes", "faces")
    item = upload_and_analyze(person, jpeg_bytes(), name="photo.jpg")
    someone = Person.objects.create(owner=person, name="Aunt")
    suggestion = Suggestion.objects.create(
        owner=person, kind="collage", title="summer", reason="why", fingerprint="f" * 64,
        scopes_used=Suggestion.scopes_value(["library"]),
    )
    SuggestionItem.objects.create(suggestion=suggestion, media=item, position=0)
    token, key = token_issue(person, "phone")
    ids = SimpleNamespace(
        ints=sorted({item.pk, someone.pk, suggestion.pk}), uuids=[str(token.pk)], strings=["x"],
    )
    return SimpleNamespace(user=person, key=key, ids=ids)


API_ROUTES = [route for route in ROUTES if route.path.startswith("api/v1/")]
BODY_METHODS = ("post", "put", "patch")


def api_paths(owner):
    for route in API_ROUTES:
        for path in instantiate(route, owner.ids):
            yield path


def send(owner, method, path, body, anonymous=False):
    client = Client() if anonymous else Client(HTTP_AUTHORIZATION=f"Token {owner.key}")
    return getattr(client, method)(path, data=encoded(body), content_type="application/json")


def test_every_path_that_parses_json_answers_a_body_it_cannot_read_as_a_parse_error(owner):
    """A path that answers 400 to truncated JSON reads its body; each odd body is a 4xx in JSON
    there, and the nested ones exactly the 400 of truncated JSON."""
    readers = []
    for path in api_paths(owner):
        for method in BODY_METHODS:
            for anonymous in (False, True):
                truncated = send(owner, method, path, MALFORMED, anonymous)
                if truncated.status_code != 400:
                    continue
                readers.append((method, path))
                for name, body in BODIES.items():
                    response = send(owner, method, path, body, anonymous)
                    where = f"{method.upper()} {path} with {name}"
                    assert 400 <= response.status_code < 500, f"{where}: {response.status_code}"
                    assert response["Content-Type"] == "application/json", where
                    detail = response.json()
                    assert isinstance(detail, dict) and detail, where
                    if name in NESTED:
                        assert response.status_code == 400 and "detail" in detail, where
    paths = {path for _, path in readers}
    for expected in ("/api/v1/auth/token/", "/api/v1/auth/register/", "/api/v1/consent/grant/",
                     "/api/v1/consent/revoke/", "/api/v1/media/check/", "/api/v1/shares/"):
        assert expected in paths, f"{expected} was not found reading a body"
    assert any(path.endswith("/merge/") for path in paths)


@pytest.mark.parametrize("name", NESTED)
def test_sign_in_with_nesting_is_a_json_400_signed_out(db, name):
    response = APIClient().post("/api/v1/auth/token/", data=encoded(NESTED[name]), content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json" and "detail" in response.json()


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/x-www-form-urlencoded", "&".join(f"f{n}=1" for n in range(2000))),
        ("multipart/form-data; boundary=zzz", b"--zzz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"),
        ("multipart/form-data", b"--zzz\r\n"),
        ("multipart/form-data; boundary=" + "z" * 300, b"--zzz--\r\n"),
    ],
    ids=["too-many-fields", "unterminated-part", "no-boundary", "a-boundary-too-long"],
)
def test_the_form_and_multipart_parsers_answer_what_they_cannot_read_in_json(owner, content_type, body):
    client = Client(HTTP_AUTHORIZATION=f"Token {owner.key}")
    for path in ("/api/v1/media/check/", "/api/v1/media/", "/api/v1/auth/token/"):
        response = client.post(path, data=encoded(body), content_type=content_type)
        assert 400 <= response.status_code < 500, f"{path}: {response.status_code}"
        assert response["Content-Type"] == "application/json", path
        assert isinstance(response.json(), dict) and response.json(), path
