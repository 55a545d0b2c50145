"""A person's home area: the place most of their located photos and videos were taken."""

from django.db.models import Avg, Count

from ..models import Home, MediaItem


def home_refresh(owner_id):
    """Recompute the owner's Home from their places; none when no item has a place.

    Runs where places are written, inside the location scope's guard.
    """
    top = (
        MediaItem.objects.filter(owner_id=owner_id)
        .exclude(place="")
        .values("place", "region", "country_code")
        .annotate(items=Count("id"), latitude=Avg("latitude"), longitude=Avg("longitude"))
        .order_by("-items", "place")
        .first()
    )
    if top is None or top["latitude"] is None:
        Home.objects.filter(owner_id=owner_id).delete()
        return
    fields = {key: top[key] for key in ("place", "region", "country_code", "latitude", "longitude")}
    Home.objects.bulk_create(
        [Home(owner_id=owner_id, **fields)],
        update_conflicts=True, unique_fields=["owner"], update_fields=[*fields, "updated_at"],
    )
