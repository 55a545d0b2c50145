"""Private file storage through the Storage API only, so local disk and S3 behave alike.

Shared by every app (`consent` keeps exports, `suggestions` the library), so it lives in the
project package: `consent` never imports `suggestions`.
"""

import logging
import mimetypes

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)
# Python's own table of types, not the machine's /etc/mime.types: the same names everywhere.
TYPES = mimetypes.MimeTypes()


def user_prefix(user_id):
    """Every stored file of a person lives under this prefix, so erasure can prove emptiness."""
    return f"users/{user_id}/"


def save_bytes(name, data):
    """Store `data` under exactly `name` (names are random, so nothing is overwritten)."""
    return default_storage.save(name, ContentFile(data))


def delete_files(names):
    """Delete stored files; returns how many existed. Missing files are not an error."""
    deleted = 0
    for name in filter(None, names):
        if default_storage.exists(name):
            default_storage.delete(name)
            deleted += 1
    return deleted


# S3 deletes at most this many keys in one request.
S3_DELETE_BATCH = 1000


def delete_files_batched(names):
    """Delete many stored files in as few requests as the storage allows (S3: a thousand keys a
    request, without asking first whether each exists, which S3 counts as deleted too); returns
    how many the storage reports deleted. Local storage deletes one by one, like delete_files."""
    names = [name for name in names if name]
    bucket = getattr(default_storage, "bucket", None)
    if bucket is None:
        return delete_files(names)
    from storages.utils import clean_name  # only S3 storage needs it (checked above)

    deleted = 0
    for start in range(0, len(names), S3_DELETE_BATCH):
        keys = [{"Key": default_storage._normalize_name(clean_name(name))} for name in names[start:start + S3_DELETE_BATCH]]
        answer = bucket.delete_objects(Delete={"Objects": keys, "Quiet": False})
        deleted += len(answer.get("Deleted", []))
        for error in answer.get("Errors", []):
            logger.warning("could not delete %s: %s", error.get("Key"), error.get("Message"))
    return deleted


def rows_delete(queryset, field):
    """Delete rows, then the stored files their `field` names. Returns (rows deleted, files deleted)."""
    names = list(queryset.exclude(**{field: ""}).values_list(field, flat=True))
    rows = queryset.delete()[1].get(queryset.model._meta.label, 0)
    return rows, delete_files(names)


def files_under(prefix):
    """Every stored file name below `prefix` (a folder ending in '/')."""
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [prefix + name for name in files]
    for folder in folders:
        names.extend(files_under(f"{prefix}{folder}/"))
    return names


def typed_name(name, content_type):
    """`name` with the extension of the type the file was detected as, whatever the uploader
    called it: a JPEG uploaded as holiday.html downloads as holiday.jpg, never as a page. A name
    whose extension already says that type (IMG_0001.HEIC, photo.jpeg) is kept as it is."""
    content_type = content_type.split(";")[0].strip()
    if TYPES.guess_type(name, strict=False)[0] == content_type:
        return name
    extension = TYPES.guess_extension(content_type, strict=False) or ""
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{stem or 'download'}{extension}"


def file_response(name, content_type, download_name=None):
    """An HTTP response for a private file: the bytes from local storage, or on S3 a redirect
    to a signed URL that expires within minutes (SIGNED_URL_SECONDS). Either may be kept by the
    person's browser alone, for no longer than the signed URL lives."""
    cache_control = f"private, max-age={settings.SIGNED_URL_SECONDS}"
    if download_name:
        download_name = typed_name(download_name, content_type)
    if settings.STORAGE_BACKEND == "s3":
        parameters = {"ResponseContentType": content_type, "ResponseCacheControl": cache_control}
        if download_name:
            parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
        url = default_storage.url(name, parameters=parameters)
        response = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            default_storage.open(name, "rb"),
            content_type=content_type,
            as_attachment=bool(download_name),
            filename=download_name or "",
        )
        # Even a mislabelled file could never run as a page.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = cache_control
    return response
