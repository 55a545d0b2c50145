"""Themes: picture quality, colours, scene signals, near-duplicates and bursts with a best shot."""

import io
from datetime import date

from PIL import Image, ImageEnhance, ImageFilter

from consent.models import ConsentEvent
from consent.services import scopes_revoke
from suggestions.analysis import themes
from suggestions.models import MediaItem, ProcessingRecord

from .conftest import grant, upload_and_analyze

DATETIME_ORIGINAL = 0x9003
EXIF_IFD = 0x8769


def variant(corpus, path="exif/DSCN0010.jpg", blur=0, brightness=1.0, shift=0, taken=None):
    """A re-encoded copy of a corpus photo: a frame of the same moment, or a blurred one."""
    image = Image.open(corpus / path).convert("RGB")
    if shift:
        image = image.crop((shift, 0, image.width, image.height)).resize(image.size)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if brightness != 1.0:
        image = ImageEnhance.Brightness(image).enhance(brightness)
    exif = Image.Exif()
    if taken:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def test_themes_are_measured(user, corpus):
    grant(user, "library", "themes")
    item = upload_and_analyze(user, corpus / "exif/DSCN0010.jpg")
    assert 0 < item.quality <= 1 and item.sharpness > 100 and 0.3 < item.exposure < 0.7
    assert item.colourfulness > 10 and len(item.phash) == 16
    assert len(item.colours) == 5 and all(c.startswith("#") and len(c) == 7 for c in item.colours)
    assert item.night is False
    assert item.burst == "" and item.best_shot
    record = ProcessingRecord.objects.get(media=item, stage="themes")
    assert record.outcome == "done" and "quality" in record.detail


def test_blur_lowers_sharpness_and_quality(user, corpus):
    grant(user, "library", "themes")
    sharp = upload_and_analyze(user, variant(corpus), name="sharp.jpg")
    blurred = upload_and_analyze(user, variant(corpus, "exif/DSCN0012.jpg", blur=4), name="blurred.jpg")
    assert blurred.sharpness < sharp.sharpness / 10
    assert blurred.quality < sharp.quality


def test_a_dark_photo_is_night(user, corpus):
    grant(user, "library", "themes")
    dark = upload_and_analyze(user, variant(corpus, brightness=0.15), name="dark.jpg")
    assert dark.night is True and dark.exposure < 0.15


def test_near_identical_frames_form_a_burst_with_one_best_shot(user, corpus):
    grant(user, "library", "themes", "time")
    moment = "2008:10:22 16:28:39"
    frames = [
        upload_and_analyze(user, variant(corpus, taken=moment), name="a.jpg"),
        upload_and_analyze(user, variant(corpus, blur=1.5, taken="2008:10:22 16:28:40"), name="b.jpg"),
        upload_and_analyze(user, variant(corpus, shift=4, brightness=1.05, taken="2008:10:22 16:28:41"), name="c.jpg"),
    ]
    other = upload_and_analyze(user, corpus / "exif/DSCN0025.jpg")
    # The same scene a day later is not the same moment.
    later = upload_and_analyze(user, variant(corpus, brightness=0.97, taken="2008:10:23 16:28:39"), name="d.jpg")
    frames = [MediaItem.objects.get(pk=f.pk) for f in frames]
    key = frames[0].burst
    assert key and all(f.burst == key for f in frames)
    best = [f for f in frames if f.best_shot]
    assert len(best) == 1 and best[0].quality == max(f.quality for f in frames)
    assert best[0].original_name != "b.jpg"  # the blurred frame is never the best
    other.refresh_from_db()
    later.refresh_from_db()
    assert other.burst == "" and other.best_shot and later.burst == ""
    assert "near-identical" in ProcessingRecord.objects.get(media=frames[2], stage="themes").detail


def test_duplicates_without_capture_times_group_by_picture(user, corpus):
    grant(user, "library", "themes")
    a = upload_and_analyze(user, variant(corpus), name="a.jpg")
    b = upload_and_analyze(user, variant(corpus, brightness=1.03), name="b.jpg")
    a.refresh_from_db()
    assert a.burst and a.burst == b.burst and a.best_shot != b.best_shot


def test_seasons_follow_the_hemisphere():
    assert themes.season(date(2020, 7, 1), 45.0) == "summer"
    assert themes.season(date(2020, 7, 1), -33.9) == "winter"
    assert themes.season(date(2020, 12, 24), 51.5) == "winter"
    assert themes.season(date(2020, 4, 1), 51.5) == "spring"
    assert themes.season(date(2020, 10, 1), -37.8) == "spring"
    assert themes.season(date(2020, 7, 1), 1.3) == ""  # the tropics
    assert themes.season(date(2020, 7, 1), None) == ""


def test_revoking_themes_erases_measures_and_groups(user, corpus):
    grant(user, "library", "themes")
    upload_and_analyze(user, variant(corpus), name="a.jpg")
    upload_and_analyze(user, variant(corpus, brightness=1.03), name="b.jpg")
    revocation = scopes_revoke(user, ["themes"], method="web")
    assert dict(revocation.erased) == {"theme_measures": 2, "burst_groups": 1}
    for item in MediaItem.objects.filter(owner=user):
        assert (item.quality, item.sharpness, item.phash, item.burst, item.colours, item.night) == (None, None, "", "", [], None)
        assert item.best_shot
    assert ConsentEvent.objects.get(record__user=user, kind="erasure", scope="themes").counts["theme_measures"] == 2
    assert not ProcessingRecord.objects.filter(media__owner=user, stage="themes", detail__contains="quality").exists()


def test_deleting_a_frame_keeps_the_burst_honest(user, corpus):
    from suggestions.library.services import media_delete

    grant(user, "library", "themes")
    a = upload_and_analyze(user, variant(corpus), name="a.jpg")
    b = upload_and_analyze(user, variant(corpus, blur=1.5), name="b.jpg")
    a.refresh_from_db()
    assert a.burst and a.best_shot and not b.best_shot
    media_delete(a)
    b.refresh_from_db()
    assert b.burst == "" and b.best_shot


def test_one_kind_of_scene_fills_at_most_half_of_a_choice_while_others_are_there(user):
    from datetime import datetime

    from suggestions.generators.choose import choose

    from .crafted import load, photos

    nights = photos(user, datetime(2024, 6, 1, 22), 8, quality=0.9, night=True)
    days = photos(user, datetime(2024, 6, 2, 12), 3, quality=0.5, indoor=False)
    library = load(user, datetime(2024, 6, 20).date(), scopes=("library", "time", "themes"))
    choice = choose(library, library.photos, limit=6)
    chosen = {photo.id for photo in choice.photos}
    assert len(chosen & {p.id for p in nights}) == 3 and {p.id for p in days} <= chosen
    assert "variety" in choice.criteria
    alone = choose(library, [p for p in library.photos if p.id in {n.id for n in nights}], limit=6)
    assert len(alone.photos) == 6  # with nothing else to show, night shots fill it
