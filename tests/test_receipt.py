"""The consent receipt: ISO/IEC TS 27560 fields, checked against the JSON schema in tests/."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator

from consent.receipt import receipt_build
from consent.services import scopes_revoke

from .conftest import grant

SCHEMA = json.loads((Path(__file__).parent / "consent_receipt.schema.json").read_text())


def validate(receipt):
    Draft202012Validator.check_schema(SCHEMA)
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(receipt), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]


def test_the_schema_rejects_what_it_should(user):
    grant(user, "library", "faces")
    receipt = receipt_build(user)
    faces = next(p for p in receipt["purposes"] if p["scope"] == "faces")
    faces["pii_categories"] = [{**c, "special_category": None, "sensitive": False} for c in faces["pii_categories"]]
    with pytest.raises(AssertionError):
        validate(receipt)
    receipt = receipt_build(user)
    receipt["third_party_recipients"] = ["an advertiser"]
    with pytest.raises(AssertionError):
        validate(receipt)


def test_receipt_of_a_new_account(user):
    receipt = receipt_build(user)
    validate(receipt)
    assert [p["state"] for p in receipt["purposes"]] == ["not given"] * 6
    assert receipt["events"] == []


def test_receipt_fields_and_history(user):
    [library] = grant(user, "library")
    grant(user, "location", "faces")
    scopes_revoke(user, ["location"], method="api")
    receipt = receipt_build(user, privacy_url="https://rollweb.example/privacy/")
    validate(receipt)
    assert receipt["record_id"] == str(user.consent_record.pk)
    assert receipt["pii_principal_id"] == user.username
    purposes = {p["scope"]: p for p in receipt["purposes"]}
    assert purposes["library"]["state"] == "given" and purposes["library"]["grant_id"] == str(library.receipt_id)
    assert purposes["location"]["state"] == "withdrawn"
    faces = purposes["faces"]
    assert faces["sensitive"] and faces["lawful_basis"] == "explicit consent"
    assert any(c["special_category"] == "biometric" for c in faces["pii_categories"])
    assert faces["validity"]["duration_days"] == 365 and faces["validity"]["until"]
    assert all(p["third_party_recipients"] == [] for p in receipt["purposes"])
    assert "https://rollweb.example/privacy/" in faces["withdrawal_method"]
    assert [(e["type"], e["scope"]) for e in receipt["events"]] == [
        ("grant", "library"), ("grant", "location"), ("grant", "faces"), ("revoke", "location"), ("erasure", "location"),
    ]
    assert receipt["events"][3]["state"] == "withdrawn" and receipt["events"][3]["method"] == "api"


def test_receipt_id_is_stable_until_the_record_changes(user):
    grant(user, "library")
    first = receipt_build(user)["receipt_id"]
    assert receipt_build(user)["receipt_id"] == first
    grant(user, "time")
    assert receipt_build(user)["receipt_id"] != first


def test_receipt_download_and_page(client, user):
    grant(user, "library", "faces")
    client.force_login(user)
    response = client.get(reverse("consent:receipt_download"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="rollweb-consent-receipt-')
    validate(json.loads(response.content))
    page = client.get(reverse("consent:receipt")).content.decode()
    assert "special category: biometric" in page and "nobody: there are no third-party recipients" in page
    assert json.loads(response.content)["receipt_id"] in page
