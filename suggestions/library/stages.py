"""The library's own analysis stages: previews, capture time, GPS, places, and picture measures
with bursts and the planned automatic edit. Registered first, at start-up, so they run first."""

from dataclasses import dataclass
from datetime import timedelta, timezone as dt_timezone

from django.db import transaction

from consent import scopes
from rollweb.storage import delete_files, save_bytes

from ..analysis import enhance, images, location, metadata, saliency, themes, video
from ..generators.text import join_words
from ..models import MediaItem, derived_key
from .bursts import burst_assign
from .home import home_refresh
from .registry import ANALYSIS, Stage


@dataclass
class Display:
    width: int
    height: int
    small: bytes
    large: bytes
    duration_s: float | None = None


def compute_display(source):
    head = source.header()
    large = source.preview()
    return Display(
        width=head.width,
        height=head.height,
        small=images.jpeg_bytes(large, images.THUMB_SMALL, quality=78, optimize=False),
        large=images.jpeg_bytes(large, quality=82, optimize=False),
    )


def write_display(item, result):
    old = [item.thumb_small.name, item.thumb_large.name]
    small = save_bytes(derived_key(item.owner_id, "thumbs", "jpg"), result.small)
    large = save_bytes(derived_key(item.owner_id, "thumbs", "jpg"), result.large)
    MediaItem.objects.filter(pk=item.pk).update(
        width=result.width, height=result.height, thumb_small=small, thumb_large=large, duration_s=result.duration_s
    )
    transaction.on_commit(lambda: delete_files(old))
    item.width, item.height, item.duration_s = result.width, result.height, result.duration_s
    item.thumb_small.name, item.thumb_large.name = small, large
    if result.duration_s is not None:
        return (
            f"Checked the video ({result.width} × {result.height}, {result.duration_s:.1f} s) and made two previews "
            f"from a frame near its start."
        )
    return (
        f"Checked the picture ({result.width} × {result.height} as displayed) and made two previews "
        f"({images.THUMB_SMALL} and {images.THUMB_LARGE} px)."
    )


@dataclass
class Capture:
    time: metadata.CaptureTime | None
    camera: str


def compute_capture(source):
    exif = source.exif()
    return Capture(time=metadata.capture_time(exif), camera=metadata.camera(exif))


def capture_instant(capture):
    """The instant to store: exact when the camera's offset is known, else its wall clock as UTC."""
    return capture.local.replace(tzinfo=dt_timezone(timedelta(minutes=capture.offset_minutes or 0)))


def write_capture(item, result):
    if result.time is None:
        # A file without a capture time keeps the one its device sent at upload, if any.
        MediaItem.objects.filter(pk=item.pk).update(camera=result.camera)
        item.camera = result.camera
        if item.captured_at is not None:
            return "Looked for a capture date and time: this file has none, so the one your device sent is kept."
        return "Looked for a capture date and time: this file has none."
    captured_at = capture_instant(result.time)
    offset = result.time.offset_minutes
    MediaItem.objects.filter(pk=item.pk).update(
        captured_at=captured_at, captured_offset=offset, camera=result.camera
    )
    item.captured_at, item.captured_offset, item.camera = captured_at, offset, result.camera
    when = result.time.local.strftime("%d %b %Y, %H:%M:%S")
    zone = " (camera's UTC offset unknown)" if offset is None else ""
    camera = f", camera {result.camera}" if result.camera else ""
    return f"Read the capture time: {when}{zone}{camera}."


def compute_gps(source):
    return metadata.gps(source.exif())


def write_gps(item, result):
    lat, lon = result if result else (None, None)
    MediaItem.objects.filter(pk=item.pk).update(latitude=lat, longitude=lon)
    item.latitude, item.longitude = lat, lon
    if result is None:
        return "Looked for GPS coordinates: this file has none."
    return f"Read GPS coordinates ({lat:.5f}, {lon:.5f})."


def compute_video_display(source):
    container, info = source.video()
    poster = video.frame_at(container, info, video.poster_seconds(info.duration_s), images.THUMB_LARGE)
    return Display(
        width=info.width,
        height=info.height,
        small=images.jpeg_bytes(poster, images.THUMB_SMALL, quality=78, optimize=False),
        large=images.jpeg_bytes(poster, quality=82, optimize=False),
        duration_s=info.duration_s,
    )


def compute_video_capture(source):
    tags = source.video()[1].tags
    camera = metadata.camera_name(tags.get("com.apple.quicktime.make", ""), tags.get("com.apple.quicktime.model", ""))
    return Capture(time=video.capture_time(tags), camera=camera)


def compute_video_gps(source):
    return video.gps(source.video()[1].tags)


@dataclass
class PlaceResult:
    located: bool
    place: location.Place | None


def compute_places(source):
    item = source.item
    if not item.has_location:
        return PlaceResult(located=False, place=None)
    return PlaceResult(located=True, place=location.place_of(item.latitude, item.longitude))


def write_places(item, result):
    place = result.place
    fields = dict(place=place.place, region=place.region, country_code=place.country_code) if place else dict(
        place="", region="", country_code=""
    )
    placed = bool(item.place or place)  # an item without a place before or after leaves the home as it was
    MediaItem.objects.filter(pk=item.pk).update(**fields)
    for key, value in fields.items():
        setattr(item, key, value)
    if placed:
        home_refresh(item.owner_id)
    if not result.located:
        return "Looked for a place: there are no GPS coordinates to look up."
    if place is None:
        return f"Looked up the place offline: no town within {location.MAX_DISTANCE_KM} km of the coordinates."
    return f"Looked up the place offline: {place}."


@dataclass
class ThemesResult:
    measures: themes.Themes
    enhancement: enhance.Enhancement | None
    subject: tuple


def compute_themes(source):
    # Every measure works on one reduced copy, made from the preview rather than the decode.
    work = themes.working_copy(source.preview())
    return ThemesResult(
        measures=themes.measure(work, source.exif()),
        enhancement=enhance.enhancement_plan(work),
        subject=saliency.subject_box(work),
    )


def write_themes(item, themes_result):
    result, plan = themes_result.measures, themes_result.enhancement
    fields = dict(
        quality=result.quality, sharpness=result.sharpness, exposure=result.exposure,
        colourfulness=result.colourfulness, phash=result.phash, night=result.night, indoor=result.indoor,
        colours=result.colours, enhancement=plan.as_json() if plan else None,
        subject=[round(value, 4) for value in themes_result.subject],
    )
    MediaItem.objects.filter(pk=item.pk).update(**fields)
    for key, value in fields.items():
        setattr(item, key, value)
    group = burst_assign(item)
    scene = ", ".join(
        word for word, on in (("night", result.night), ("indoor light", result.indoor), ("daylight outdoors", result.indoor is False)) if on
    )
    detail = f"Measured sharpness, exposure and colours (quality {result.quality:.0%}){f'; looks like {scene}' if scene else ''}."
    if group > 1:
        best = "the best shot" if item.best_shot else "not the best shot"
        detail += f" One of {group} near-identical frames of a moment, {best}."
    if plan:
        detail += f" An automatic edit would make it {join_words(plan.corrections)}."
    return detail


PHOTO = (MediaItem.Kind.PHOTO,)
VIDEO = (MediaItem.Kind.VIDEO,)
BOTH = PHOTO + VIDEO


STAGES = [
    Stage("display", "Previews", scopes.LIBRARY, PHOTO, compute_display, write_display),
    Stage("display", "Previews", scopes.LIBRARY, VIDEO, compute_video_display, write_display),
    Stage("capture_time", "Capture time", scopes.TIME, PHOTO, compute_capture, write_capture),
    Stage("capture_time", "Capture time", scopes.TIME, VIDEO, compute_video_capture, write_capture),
    Stage("gps", "GPS coordinates", scopes.LOCATION, PHOTO, compute_gps, write_gps),
    Stage("gps", "GPS coordinates", scopes.LOCATION, VIDEO, compute_video_gps, write_gps),
    Stage("places", "Places", scopes.LOCATION, BOTH, compute_places, write_places),
    Stage("themes", "Quality and bursts", scopes.THEMES, PHOTO, compute_themes, write_themes, ANALYSIS),
]
