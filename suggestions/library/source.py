"""An item's original, opened once per turn, with what several stages read from it cached:
its header, EXIF, one decode large enough for the stages in force, the large preview."""

from django.conf import settings
from django.core.files.storage import default_storage

from consent import scopes

from ..analysis import faces, images, metadata, video
from . import registry


class MediaSource:
    """Opens an item's original once and caches what several stages read from it.

    `side` is the long side the stages will need: decode_side() when faces are looked for,
    far less otherwise (a decode's cost grows with its pixels)."""

    def __init__(self, item, side=None, stored_preview=False):
        self.item = item
        self.side = side or decode_side()
        self.stored_preview = stored_preview
        self._file = None
        self._image = None
        self._decoded = None
        self._preview = None
        self._exif = None
        self._video = None
        self._header = None

    def image(self):
        if self._image is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            self._image = images.open_image(self._file, settings.MAX_IMAGE_PIXELS)
            self._header = images.header(self._image)
        return self._image

    def header(self):
        """The original's format and displayed size (read before a draft decode shrinks the image)."""
        self.image()
        return self._header

    def exif(self):
        if self._exif is None:
            self._exif = metadata.read_exif(self.image())
        return self._exif

    def decoded(self, side=None):
        """The picture as displayed (orientation applied), `side` (default: self.side) or more on
        its long side when the original is that large, but less than twice that (a draft decode's
        size). A stage needing more than was decoded (faces granted mid-run) gets a new decode."""
        side = side or self.side
        head = self.header()
        if self._decoded is not None and max(self._decoded.size) < min(side, max(head.width, head.height)):
            self._decoded = None
            self._file.close()
            self._file = self._image = None
        if self._decoded is None:
            image = self.image()
            self.exif()  # read before decoding: a draft decode may drop the parsed tags
            self._decoded = images.decode(image, max(side, self.side), exact=False)
            self.side = max(side, self.side)
            if self._decoded is not image:
                image.close()  # its pixels were turned or converted into the decode: free them
        return self._decoded

    def preview(self):
        """The large preview's pixels (THUMB_LARGE on the long side), made once for every stage
        that works at preview size or less."""
        if self._preview is None and self.stored_preview and self.item.thumb_large:
            # The second pass reads the preview the first one stored (its pixels, as displayed):
            # decoding 1280 px costs a fraction of resampling a full decode down to it again.
            with default_storage.open(self.item.thumb_large.name, "rb") as file:
                self._preview = images.decode(images.open_image(file, settings.MAX_IMAGE_PIXELS), images.THUMB_LARGE)
        if self._preview is None:
            self._preview = images.preview(self.decoded())
        return self._preview

    def video(self):
        """(open container, VideoInfo) of a video item."""
        if self._video is None:
            self._file = default_storage.open(self.item.original.name, "rb")
            container = video.open_video(self._file)
            try:
                self._video = (container, video.probe(container, settings.MAX_IMAGE_PIXELS))
            except Exception:
                container.close()
                raise
        return self._video

    def close(self):
        if self._video is not None:
            self._video[0].close()
        if self._file is not None:
            self._file.close()


def decode_side():
    """One decode serves every stage; faces need the most pixels (see analysis.faces)."""
    return max(images.THUMB_LARGE, faces.scan_limit(settings.FACE_MIN_FRACTION))


def source_for(item, grants, pass_name=None):
    """A MediaSource that decodes only as many pixels as the stages in force need."""
    faces_run = scopes.FACES in grants and pass_name in (None, registry.ANALYSIS)
    return MediaSource(
        item, decode_side() if faces_run else images.THUMB_LARGE, stored_preview=pass_name == registry.ANALYSIS
    )
