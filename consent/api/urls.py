"""API v1 paths under /api/v1/ for consent and the account (issue 6 fills them in)."""

urlpatterns = []
