"""Representations of API v1 (DESIGN.md, "Representations"): field names are the contract. The
library's are here with the helpers every API module uses; people's and the feed's are in api/people.py
and api/feed.py."""

import re
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Face, MediaItem, ProcessingRecord, local_capture_time

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
HASH_LINES = re.compile(r"(?:[0-9a-fA-F]{64}\n)*[0-9a-fA-F]{64}")
MAX_CHECK = 5000
NULLABLE_URL = {"type": "string", "format": "uri", "nullable": True}


URL_MARKER = "9876543210"


def _url(context, name, pk):
    """An absolute URL of `name` for `pk`; reversed once per request and route, not once per item."""
    templates = context.setdefault("url_templates", {})
    if name not in templates:
        request = context.get("request")
        path = reverse(name, args=[URL_MARKER])
        templates[name] = request.build_absolute_uri(path) if request is not None else path
    return templates[name].replace(URL_MARKER, str(pk))


def _datetime(value, context):
    """As DRF's DateTimeField writes it (in the current time zone, UTC as Z), looked up once per request."""
    if value is None:
        return None
    if "tz" not in context:
        context["tz"] = timezone.get_current_timezone()
    text = value.astimezone(context["tz"]).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _row(obj, columns):
    """A list view hands over rows (dicts from .values()); one item arrives as a model instance."""
    return obj if isinstance(obj, dict) else {name: getattr(obj, name) for name in columns}


def face_rows(media_ids):
    """The faces of some items as they are represented, by item id, in one query."""
    faces = defaultdict(list)
    rows = Face.objects.filter(media_id__in=media_ids).order_by("id").values_list(
        "id", "media_id", "x", "y", "w", "h", "person_id"
    )
    for face_id, media_id, x, y, w, h, person_id in rows:
        faces[media_id].append({"id": face_id, "box": [x, y, w, h], "person": person_id})
    return faces


# -- media ------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "ISO 8601: with the camera's UTC offset when known, else the camera's local time "
        "without an offset. Null without consent to time.",
        "example": "2024-07-14T18:03:11+02:00",
    }
)
class CaptureTimeField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, item):
        local = item.captured_local
        return local.isoformat() if local is not None else None


class LocationSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    place = serializers.CharField(allow_blank=True)
    country_code = serializers.CharField(allow_blank=True)


class FaceSerializer(serializers.ModelSerializer):
    box = serializers.ListField(
        child=serializers.IntegerField(), min_length=4, max_length=4, help_text="[x, y, w, h] in displayed pixels"
    )
    person = serializers.IntegerField(source="person_id", allow_null=True)

    class Meta:
        model = Face
        fields = ["id", "box", "person"]


class MediaItemSerializer(serializers.ModelSerializer):
    """Built by hand in `to_representation`: DRF's per-field machinery costs more than the query
    for a page of items. The declared fields describe the same shape for the schema (a test holds
    the two together). Put `faces` ({item id: [...]}, from face_rows) in the context for a page."""

    captured_at = CaptureTimeField()
    location = serializers.SerializerMethodField()
    faces = FaceSerializer(many=True, read_only=True)
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = MediaItem
        fields = [
            "id", "kind", "status", "analysis_pass", "failure_reason", "sha256", "original_name", "mime", "bytes",
            "width", "height", "duration_s", "captured_at", "camera", "location", "faces", "thumbnail_url",
            "device_asset_id", "automatic", "created_at",
        ]
        read_only_fields = fields

    # What the representation reads: a list query loads only these columns.
    columns = [
        "id", "kind", "status", "analysis_pass", "failure_reason", "sha256", "original_name", "mime", "bytes",
        "width", "height", "duration_s", "captured_at", "captured_offset", "camera", "latitude", "longitude", "place",
        "country_code", "thumb_small", "device_asset_id", "automatic", "created_at",
    ]

    def to_representation(self, item):
        row = _row(item, self.columns)
        context = self.context  # a property that walks up to the list's root at each use
        faces = context.get("faces")
        if faces is None:
            faces = face_rows([row["id"]])
        local = local_capture_time(row["captured_at"], row["captured_offset"])
        return {
            "id": row["id"],
            "kind": row["kind"],
            "status": row["status"],
            "analysis_pass": row["analysis_pass"],
            "failure_reason": row["failure_reason"],
            "sha256": row["sha256"],
            "original_name": row["original_name"],
            "mime": row["mime"],
            "bytes": row["bytes"],
            "width": row["width"],
            "height": row["height"],
            "duration_s": row["duration_s"],
            "captured_at": local.isoformat() if local is not None else None,
            "camera": row["camera"],
            "location": self._location(row),
            "faces": faces.get(row["id"], []),
            "thumbnail_url": _url(context, "api-media-thumbnail", row["id"]) if row["thumb_small"] else None,
            "device_asset_id": row["device_asset_id"],
            "automatic": row["automatic"],
            "created_at": _datetime(row["created_at"], context),
        }

    @staticmethod
    def _location(row):
        if row["latitude"] is None or row["longitude"] is None:
            return None
        return {
            "lat": row["latitude"], "lon": row["longitude"], "place": row["place"], "country_code": row["country_code"],
        }

    @extend_schema_field(LocationSerializer(allow_null=True, help_text="Null without consent to location."))
    def get_location(self, item):
        return self._location(_row(item, self.columns))

    @extend_schema_field(NULLABLE_URL)
    def get_thumbnail_url(self, item) -> str | None:
        return _url(self.context, "api-media-thumbnail", item.pk) if item.thumb_small else None


class StageSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessingRecord
        fields = ["stage", "outcome", "detail", "finished_at"]


class MediaDetailSerializer(MediaItemSerializer):
    """One item, with what each analysis stage last did and links to its bytes and ledger."""

    analysis = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    ledger_url = serializers.SerializerMethodField()

    class Meta(MediaItemSerializer.Meta):
        fields = [*MediaItemSerializer.Meta.fields, "analysis", "original_url", "ledger_url"]
        read_only_fields = fields

    def to_representation(self, item):
        return {
            **super().to_representation(item),
            "analysis": self.get_analysis(item),
            "original_url": self.get_original_url(item),
            "ledger_url": self.get_ledger_url(item),
        }

    @extend_schema_field(StageSummarySerializer(many=True))
    def get_analysis(self, item):
        """As StageSummarySerializer writes them, built by hand for the same reason as the item."""
        latest = {record.stage: record for record in item.ledger.all()}
        return [
            {"stage": record.stage, "outcome": record.outcome, "detail": record.detail,
             "finished_at": _datetime(record.finished_at, self.context)}
            for record in latest.values()
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_original_url(self, item):
        return _url(self.context, "api-media-original", item.pk)

    @extend_schema_field(OpenApiTypes.URI)
    def get_ledger_url(self, item):
        return _url(self.context, "api-media-ledger", item.pk)


class LedgerRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessingRecord
        fields = ["stage", "outcome", "scopes", "started_at", "finished_at", "detail"]
        extra_kwargs = {"scopes": {"help_text": "the consent scopes in force when it ran"}}

    scopes = serializers.ListField(child=serializers.CharField())


@extend_schema_field(
    {
        "type": "string",
        "description": "ISO 8601 date and time; with a UTC offset when the device knows it.",
        "example": "2024-07-14T18:03:11+02:00",
    }
)
class CaptureHintField(serializers.CharField):
    """A capture time as the device knows it: the offset is kept when given, else it is local time."""

    default_error_messages = {"invalid": "Enter an ISO 8601 date and time, e.g. 2024-07-14T18:03:11+02:00."}

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            value = parse_datetime(text) if len(text) <= 40 else None
        except ValueError:
            value = None
        if value is None or not 1900 <= value.year <= 2200:
            self.fail("invalid")
        return value


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The photo or video, as multipart form data.")
    sha256 = serializers.RegexField(
        SHA256, required=False, allow_blank=True, max_length=64,
        help_text="The file's SHA-256 (hex) as the device computed it; the upload is refused if the bytes differ.",
    )
    original_name = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="Defaults to the name of the file part."
    )
    device_asset_id = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default="", help_text="The item's id on the device."
    )
    captured_at = CaptureHintField(
        required=False, allow_blank=True,
        help_text="When the device says it was taken. Kept only with consent to time, when the file has none.",
    )
    automatic = serializers.BooleanField(
        required=False, default=False,
        help_text="True for background camera-roll sync (needs consent to sync); false for hand-picked files.",
    )


class HashListField(serializers.ListField):
    """Up to MAX_CHECK hex SHA-256 values, checked in one pass (thousands of child fields are slow)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.RegexField(SHA256, max_length=64), max_length=MAX_CHECK, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) or not hasattr(data, "__iter__") or isinstance(data, dict):
            self.fail("not_a_list", input_type=type(data).__name__)
        data = list(data)
        if len(data) > MAX_CHECK:
            self.fail("max_length", max_length=MAX_CHECK)
        if not data:
            return []
        try:
            lines = "\n".join(data)
        except TypeError:
            lines = ""
        # One match over all the values in one text: as long as n values of 64 characters make.
        if len(lines) == 65 * len(data) - 1 and HASH_LINES.fullmatch(lines):
            return lines.lower().split("\n")
        bad = {
            index: ["Expected 64 hexadecimal characters."]
            for index, value in enumerate(data)
            if not (isinstance(value, str) and SHA256.fullmatch(value))
        }
        raise serializers.ValidationError(dict(list(bad.items())[:20]))


class CheckSerializer(serializers.Serializer):
    sha256 = HashListField(help_text=f"Up to {MAX_CHECK:,} SHA-256 values (hex) of files on the device.")


class CheckResultSerializer(serializers.Serializer):
    missing = serializers.ListField(child=serializers.CharField(), help_text="Not on the server: upload these.")
    present = serializers.ListField(child=serializers.CharField(), help_text="Already in the library.")
    deleted = serializers.ListField(
        child=serializers.CharField(), help_text="Deleted on the server by their owner: do not upload them again."
    )


class BulkDeleteSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500,
        help_text="Up to 500 ids of the person's items.",
    )


class BulkDeleteResultSerializer(serializers.Serializer):
    deleted = serializers.ListField(child=serializers.IntegerField(), help_text="Deleted, as DELETE of each would.")
    not_found = serializers.ListField(
        child=serializers.IntegerField(), help_text="No item of yours (never existed, already deleted, or another's)."
    )


class MediaFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=200,
        help_text="Search: places, people's names, dates and periods ('june 2024', 'last summer', 'weekend'), "
        "kinds ('videos'). The answer then carries `query`: what was understood, words it did not (`unknown`), "
        "and the consents a part would need (`needs`: nothing is returned until they are given).",
    )
    status = serializers.ChoiceField(choices=MediaItem.Status.values, required=False)
    kind = serializers.ChoiceField(choices=MediaItem.Kind.values, required=False)
    captured_from = serializers.DateField(required=False, help_text="Captured on or after this day (UTC).")
    captured_to = serializers.DateField(required=False, help_text="Captured on or before this day (UTC).")
    person = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="Shows this person.")

    def validate(self, attrs):
        start, end = attrs.get("captured_from"), attrs.get("captured_to")
        if start and end and start > end:
            raise serializers.ValidationError({"captured_to": ["Must not be before captured_from."]})
        return attrs


class ThumbnailSizeSerializer(serializers.Serializer):
    size = serializers.ChoiceField(choices=["small", "large"], default="small", required=False)
