"""Where the chunks of a resumable upload wait until the file is whole.

On S3 they are the parts of one multipart upload (nothing is listed as an object until it is
completed, and a bucket's lifecycle rule aborts one left behind); on the default engine each
chunk is a file of its own through the Storage API. Either way every web machine sees them.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from rollweb.storage import delete_files, files_under, user_prefix

READ_BYTES = 1024 * 1024


def chunk_folder(upload):
    return f"{user_prefix(upload.owner_id)}uploads/{upload.pk.hex}/"


def _whole_name(upload):
    return chunk_folder(upload) + "whole"


def _s3():
    return settings.STORAGE_BACKEND == "s3"


def _client_and_key(upload):
    # The storage's own boto3 client and its name for the object: the same bucket, credentials and timeouts.
    return default_storage.connection.meta.client, default_storage._normalize_name(_whole_name(upload))


def store_begin(upload):
    """Prepare to receive chunks; returns the S3 multipart upload id ("" on local storage)."""
    if not _s3():
        return ""
    client, key = _client_and_key(upload)
    answer = client.create_multipart_upload(Bucket=default_storage.bucket_name, Key=key)
    return answer["UploadId"]


def store_part(upload, index, data):
    """Keep chunk `index`; returns what finds it again (its stored name, or the part's ETag)."""
    if _s3():
        client, key = _client_and_key(upload)
        answer = client.upload_part(
            Bucket=default_storage.bucket_name, Key=key, UploadId=upload.multipart_id, PartNumber=index + 1, Body=data
        )
        return answer["ETag"]
    return default_storage.save(f"{chunk_folder(upload)}{index:06d}.part", ContentFile(data))


def store_forget_part(upload, token):
    """A chunk stored twice at once: drop the copy that lost (S3 parts simply replace each other)."""
    if not _s3():
        delete_files([token])


def store_read(upload):
    """The whole file's bytes in order, in pieces of at most READ_BYTES."""
    if _s3():
        # Completed already when an earlier attempt was cut short after this step (storage went away).
        if not default_storage.exists(_whole_name(upload)):
            client, key = _client_and_key(upload)
            parts = [{"PartNumber": int(index) + 1, "ETag": etag} for index, etag in upload.parts.items()]
            client.complete_multipart_upload(
                Bucket=default_storage.bucket_name, Key=key, UploadId=upload.multipart_id,
                MultipartUpload={"Parts": sorted(parts, key=lambda part: part["PartNumber"])},
            )
        names = [_whole_name(upload)]
    else:
        names = [upload.parts[str(index)] for index in range(upload.chunk_count)]
    for name in names:
        with default_storage.open(name, "rb") as file:
            while piece := file.read(READ_BYTES):
                yield piece


def store_drop(upload):
    """Delete every chunk and the put-together file, whatever state the upload reached."""
    if _s3() and upload.multipart_id:
        client, key = _client_and_key(upload)
        try:
            client.abort_multipart_upload(Bucket=default_storage.bucket_name, Key=key, UploadId=upload.multipart_id)
        except client.exceptions.NoSuchUpload:
            pass  # completed already, or aborted by an earlier sweep
    return delete_files(files_under(chunk_folder(upload)))
