"""API v1 paths under /api/v1/ for media, people and suggestions (issue 5 fills them in)."""

urlpatterns = []
