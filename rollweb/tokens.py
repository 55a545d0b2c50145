"""Device tokens for the API: issued at sign-in, stored hashed, revocable one device at a time."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken

PREFIX = "rw_"
# last_used_at is written at most this often, so reading the API costs no write per request.
TOUCH_EVERY = timedelta(hours=1)


def key_hash(key):
    """What is stored of a secret key (an API token, a share link): its SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(user, device_name=""):
    """A new token for one device. Returns (ApiToken, key); the key is not kept anywhere."""
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=key_hash(key), device_name=device_name[:100])
    return token, key


def token_lookup(key, now=None):
    """The token for a key, or None when it is unknown, revoked, idle too long or its user inactive."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at < now - timedelta(days=settings.API_TOKEN_IDLE_DAYS):
        token.delete()
        return None
    if token.last_used_at < now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(user, token_id):
    """Sign a device out. Returns whether the token existed and was the person's."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


class DeviceTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` with a hashed, per-device token."""

    def authenticate_credentials(self, key):
        token = token_lookup(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token; sign in again.")
        return token.user, token
