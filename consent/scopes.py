"""The consent scopes: what each allows, what revoking it erases, and its notice.

The notice of a scope is the exact text shown when the person is asked; its version is a
hash of that text, so any change to what a person is told makes earlier grants stale.
There is deliberately no scope for training, advertising or sharing with third parties.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

LIBRARY = "library"
SYNC = "sync"
TIME = "time"
LOCATION = "location"
FACES = "faces"
THEMES = "themes"

COMMON_PROMISE = (
    "rollweb uses this only to make private suggestions for you. It is never used to train "
    "models, for advertising, or shared with anyone else. You can turn it off at any time "
    "on your privacy page."
)


@dataclass(frozen=True)
class Scope:
    key: str
    title: str
    allows: str
    erases: str
    retention: str
    pii_categories: tuple
    sensitive: bool = False
    validity: timedelta | None = None

    @property
    def requires_library(self):
        return self.key != LIBRARY

    @property
    def retention_text(self):
        return self.retention.format(face_retention_days=settings.FACE_RETENTION_DAYS)

    @property
    def notice_text(self):
        return "\n".join(
            [
                self.title,
                self.allows,
                f"If you turn it off: {self.erases}",
                f"Kept: {self.retention_text}",
                COMMON_PROMISE,
            ]
        )

    @property
    def notice_version(self):
        return hashlib.sha256(self.notice_text.encode()).hexdigest()[:16]


SCOPES = {
    scope.key: scope
    for scope in [
        Scope(
            key=LIBRARY,
            title="Keep my photos and videos",
            allows=(
                "Store the photos and videos you upload, privately, and make small previews of "
                "them so you can browse your library. Only what storage and display need is read: "
                "the file type, size, orientation and a fingerprint to avoid keeping duplicates."
            ),
            erases=(
                "every photo and video you uploaded, their previews, everything found in them and "
                "every suggestion made from them, including the stored files."
            ),
            retention="until you delete them or turn this off",
            pii_categories=("photos and videos", "file names"),
        ),
        Scope(
            key=SYNC,
            title="Back up new photos automatically",
            allows=(
                "Let the rollweb app on your phone upload new photos from your camera roll as you take "
                "them, rather than only the ones you pick by hand."
            ),
            erases="nothing already uploaded; automatic uploads stop.",
            retention="as for your library",
            pii_categories=("photos and videos",),
        ),
        Scope(
            key=TIME,
            title="Use when photos were taken",
            allows=(
                "Read the capture date and time (and the camera model recorded with them) from your "
                "photos, for suggestions such as “on this day”, anniversaries and recaps of a period."
            ),
            erases="capture dates and times, camera models and every time-based suggestion.",
            retention="until you turn this off or delete the photo",
            pii_categories=("capture date and time", "camera model"),
        ),
        Scope(
            key=LOCATION,
            title="Use where photos were taken",
            allows=(
                "Keep the GPS coordinates recorded in your photos and look up the place names offline, "
                "for trips and place-based suggestions. Without this, coordinates are never read into "
                "rollweb's records (your original files stay exactly as you uploaded them)."
            ),
            erases="coordinates, place names, your home area, trips and every place-based suggestion.",
            retention="until you turn this off or delete the photo",
            pii_categories=("location (GPS coordinates and place names)",),
        ),
        Scope(
            key=FACES,
            title="Recognise faces and group them into people",
            allows=(
                "Find faces in your photos, compute a face signature for each (biometric data) and group "
                "the same face into a person you can name, for suggestions such as birthdays. Faces are "
                "never compared across accounts, and no age, gender, emotion or other trait is guessed."
            ),
            erases="every face box, face signature, person, name, birthday and face-based suggestion.",
            retention=(
                "until you turn this off, for 12 months from your consent unless you renew it, and never "
                "more than {face_retention_days} days after your last activity on rollweb"
            ),
            pii_categories=("face geometry (biometric)", "names and birthdays you give to people"),
            sensitive=True,
            validity=timedelta(days=365),
        ),
        Scope(
            key=THEMES,
            title="Understand what is in photos",
            allows=(
                "Analyse the pictures themselves: sharpness, exposure, colours, near-duplicates and bursts "
                "and simple scene signals (night, indoors or outdoors), to choose your best shots and to "
                "suggest automatic edits of them, which are kept beside your originals only if you save them."
            ),
            erases="quality scores, colours, duplicate groups, scene tags, theme-based suggestions and saved edits.",
            retention="until you turn this off or delete the photo",
            pii_categories=("image content descriptors",),
        ),
    ]
}

ORDER = [LIBRARY, SYNC, TIME, LOCATION, FACES, THEMES]


def get_scope(key):
    return SCOPES[key]


def notice_version():
    """The version of the whole notice: changes when any scope's text changes."""
    joined = ",".join(f"{key}:{SCOPES[key].notice_version}" for key in ORDER)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
