"""The consent receipt: a person's consent record as JSON, with the ISO/IEC TS 27560 fields.

A receipt describes the record as it stands when issued. Its id is derived from the record
and its latest event, so the same state always yields the same receipt id and any change
(a grant, a withdrawal, an expiry) yields a new one.
"""

import uuid

from django.conf import settings
from django.utils import timezone

from . import scopes
from .models import ConsentEvent, Grant
from .services import consent_record, consent_state

SCHEMA_VERSION = "rollweb-consent-receipt/1"
CONFORMS_TO = "ISO/IEC TS 27560:2023"

EVENT_STATES = {
    ConsentEvent.Kind.GRANT: "given",
    ConsentEvent.Kind.REVOKE: "withdrawn",
    ConsentEvent.Kind.EXPIRE: "expired",
    ConsentEvent.Kind.PAUSE: "requested again (notice changed)",
    ConsentEvent.Kind.ERASURE: "data erased",
    ConsentEvent.Kind.ACCOUNT_ERASURE: "account erased",
    ConsentEvent.Kind.SHARE: "share link made",
    ConsentEvent.Kind.UNSHARE: "share link revoked",
}

WITHDRAWAL = (
    "Switch the choice off on the privacy page ({privacy_url}) or call POST /api/v1/consent/revoke/ with the "
    "scope; withdrawal takes effect at once and erases what was derived under it."
)
PROCESSING = "Automated analysis by rollweb's own workers; no person looks at your photos and nothing leaves rollweb."


def storage_location():
    if settings.STORAGE_BACKEND == "s3":
        region = settings.STORAGES["default"]["OPTIONS"].get("region_name") or "its configured region"
        return f"Private S3-compatible object storage operated for rollweb, in {region}; database on rollweb's servers."
    return "Private disk storage and database on rollweb's own servers."


def _iso(moment):
    return moment.isoformat() if moment else None


def _scope_state(state, last_grant):
    if state.granted:
        return "given"
    if state.paused:
        return "paused: asked again because the notice changed"
    if last_grant is None:
        return "not given"
    return {"expired": "expired", "revoked": "withdrawn", "superseded": "withdrawn"}.get(last_grant.end_reason, "not given")


def _purpose(state, last_grant, privacy_url):
    scope = state.scope
    grant = state.grant or last_grant
    return {
        "scope": scope.key,
        "purpose": scope.title,
        "description": scope.allows,
        "lawful_basis": "consent" if not scope.sensitive else "explicit consent",
        "lawful_basis_reference": "GDPR Art. 6(1)(a)" + (" and Art. 9(2)(a)" if scope.sensitive else ""),
        "pii_categories": [
            {
                "category": category,
                "sensitive": "biometric" in category,
                "special_category": "biometric" if "biometric" in category else None,
            }
            for category in scope.pii_categories
        ],
        "sensitive": scope.sensitive,
        "collection_method": grant.get_method_display() if grant else None,
        "processing_method": PROCESSING,
        "storage_location": storage_location(),
        "retention_period": scope.retention_text,
        "erased_on_withdrawal": scope.erases,
        "withdrawal_method": WITHDRAWAL.format(privacy_url=privacy_url),
        "third_party_recipients": [],
        "state": _scope_state(state, last_grant),
        "notice_version": grant.notice_version if grant else scope.notice_version,
        "current_notice_version": scope.notice_version,
        "grant_id": str(grant.receipt_id) if grant else None,
        "granted_at": _iso(grant.granted_at) if grant else None,
        "validity": {
            "from": _iso(grant.granted_at) if grant else None,
            "until": _iso(grant.ended_at or grant.expires_at) if grant else None,
            "duration_days": scope.validity.days if scope.validity else None,
        },
    }


def _event(event):
    return {
        "time": _iso(event.at),
        "type": event.kind,
        "state": EVENT_STATES.get(event.kind, event.kind),
        "scope": event.scope or None,
        "notice_version": event.notice_version or None,
        "method": event.method,
        "grant_id": str(event.receipt_id) if event.receipt_id else None,
        "counts": event.counts or {},
        "detail": event.detail or None,
    }


def receipt_build(user, privacy_url="/privacy/", now=None):
    """The person's consent receipt as a JSON-ready dict."""
    now = now or timezone.now()
    record = consent_record(user)
    events = list(ConsentEvent.objects.filter(record=record).order_by("at", "id"))
    last_grants = {}
    for grant in Grant.objects.filter(record=record).order_by("granted_at", "id"):
        last_grants[grant.scope] = grant
    seed = f"{events[-1].pk if events else 0}:{scopes.notice_version()}"
    return {
        "schema_version": SCHEMA_VERSION,
        "conforms_to": CONFORMS_TO,
        "record_id": str(record.pk),
        "receipt_id": str(uuid.uuid5(record.pk, seed)),
        "issued_at": _iso(now),
        "language": settings.LANGUAGE_CODE,
        "pii_principal_id": user.get_username(),
        "controller": {"name": settings.CONTROLLER_NAME, "contact": settings.CONTROLLER_CONTACT},
        "privacy_notice": {
            "location": privacy_url,
            "version": scopes.notice_version(),
            "scope_versions": {key: scopes.SCOPES[key].notice_version for key in scopes.ORDER},
        },
        "purposes": [_purpose(state, last_grants.get(state.key), privacy_url) for state in consent_state(user)],
        "third_party_recipients": [],
        "automated_decision_making": False,
        "events": [_event(event) for event in events],
    }
