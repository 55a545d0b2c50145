from .services import request_grant_states


def consent_attention(request):
    """Choices that need the person: paused by a changed notice, or due for renewal."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    states = request_grant_states(request)
    return {
        "consent_paused": [state.scope.title for state in states if state.paused],
        "consent_renewal_due": [state.scope.title for state in states if state.renewal_due],
    }
