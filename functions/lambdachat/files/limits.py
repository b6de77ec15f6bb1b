"""Size and count limits of file buckets, from the settings (`LAMBDACHAT_BUCKET_MAX_FILES`, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from lambdachat.config import MB, Settings, get_settings

__all__ = ["MAX_IMAGE_BYTES", "MB", "Limits", "current"]

# One image sent to a model inline (a data URI): a conversation's attachment or a bucket's media file.
MAX_IMAGE_BYTES = 10 * MB


@dataclass(frozen=True)
class Limits:
    files_per_bucket: int
    upload_max_bytes: int
    upload_url_seconds: int
    zip_max_members: int
    zip_max_unpacked: int
    zip_max_depth: int
    text_max_chars: int
    document_xml_max: int   # XML a reader parses whole (xlsx shared strings, styles)


def current(settings: Settings | None = None) -> Limits:
    s = settings or get_settings()
    return Limits(
        files_per_bucket=s.bucket_max_files,
        upload_max_bytes=s.upload_max_mb * MB,
        upload_url_seconds=s.upload_url_seconds,
        zip_max_members=s.zip_max_members,
        zip_max_unpacked=s.zip_max_unpacked_mb * MB,
        zip_max_depth=s.zip_max_depth,
        text_max_chars=s.text_max_mb * MB,
        document_xml_max=s.document_xml_max_mb * MB,
    )
