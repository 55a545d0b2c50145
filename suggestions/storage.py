"""The library's storage helpers live in rollweb.storage, shared with `consent`."""

from rollweb.storage import delete_files, file_response, files_under, rows_delete, save_bytes, user_prefix  # noqa: F401
