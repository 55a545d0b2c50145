"""Device tokens for the API: issued at sign-in, stored hashed, revocable one device at a time."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
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
    try:  # get(): key_hash is unique, and the query needs no ORDER BY
        token = ApiToken.objects.select_related("user").get(key_hash=key_hash(key))
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at < now - timedelta(days=settings.API_TOKEN_IDLE_DAYS):
        token.delete()
        return None
    if token.last_used_at < now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user):
    """The devices signed in to a person's account, newest first."""
    return ApiToken.objects.filter(user=user)


def token_revoke(user, token_id):
    """Sign a device out. Returns whether the token existed and was the person's."""
    deleted, _ = tokens_of(user).filter(pk=token_id).delete()
    return bool(deleted)


def tokens_revoke_all(user):
    """Sign every device out. Returns how many were signed in."""
    deleted, _ = tokens_of(user).delete()
    return deleted


def sessions_end_all(user):
    """Sign every browser out: delete the person's sessions (database sessions carry no user
    column, so each live one is read). Returns how many ended."""
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    deleted, _ = Session.objects.filter(session_key__in=mine).delete()
    return deleted


class DeviceTokensEndWithPassword:
    """Listed in AUTH_PASSWORD_VALIDATORS for its `password_changed` hook, which Django calls
    whenever a password is set and saved (change, reset, admin, `changepassword`; not the silent
    re-hash at sign-in): a new password signs every device out, as it does every other browser."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            tokens_revoke_all(user)

    def get_help_text(self):
        return "A new password signs out every phone and app signed in with the old one."


class DeviceTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` with a hashed, per-device token."""

    def authenticate_credentials(self, key):
        token = token_lookup(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token; sign in again.")
        return token.user, token
