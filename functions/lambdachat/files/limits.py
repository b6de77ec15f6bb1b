"""Size and count limits of file buckets. Each default is overridable by its environment variable.

Read on every use (a few getenv calls), so a test or an operator changes one without a restart
of anything that imported this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdachat.config import env_int, get_settings

MB = 1024 * 1024

FILES_PER_BUCKET = 100      # LAMBDACHAT_BUCKET_MAX_FILES: documents + media in one bucket
UPLOAD_MAX_MB = 100         # LAMBDACHAT_UPLOAD_MAX_MB: one presigned upload (content-length-range)
UPLOAD_URL_SECONDS = 900    # LAMBDACHAT_UPLOAD_URL_SECONDS: how long a presigned POST stays valid
ZIP_MAX_MEMBERS = 1000      # LAMBDACHAT_ZIP_MAX_MEMBERS: entries in one archive (docx/xlsx/... too)
ZIP_MAX_UNPACKED_MB = 200   # LAMBDACHAT_ZIP_MAX_UNPACKED_MB: unpacked bytes of one archive, nesting included
ZIP_MAX_DEPTH = 3           # LAMBDACHAT_ZIP_MAX_DEPTH: a zip in a zip in a zip, no deeper
TEXT_MAX_MB = 20            # LAMBDACHAT_TEXT_MAX_MB: extracted text kept from one document


@dataclass(frozen=True)
class Limits:
    files_per_bucket: int
    upload_max_bytes: int
    upload_url_seconds: int
    zip_max_members: int
    zip_max_unpacked: int
    zip_max_depth: int
    text_max_chars: int
    document_xml_max: int   # LAMBDACHAT_DOCUMENT_XML_MAX_MB (16), a Settings field: XML parsed whole


def current() -> Limits:
    return Limits(
        files_per_bucket=env_int("LAMBDACHAT_BUCKET_MAX_FILES", FILES_PER_BUCKET),
        upload_max_bytes=env_int("LAMBDACHAT_UPLOAD_MAX_MB", UPLOAD_MAX_MB) * MB,
        upload_url_seconds=env_int("LAMBDACHAT_UPLOAD_URL_SECONDS", UPLOAD_URL_SECONDS),
        zip_max_members=env_int("LAMBDACHAT_ZIP_MAX_MEMBERS", ZIP_MAX_MEMBERS),
        zip_max_unpacked=env_int("LAMBDACHAT_ZIP_MAX_UNPACKED_MB", ZIP_MAX_UNPACKED_MB) * MB,
        zip_max_depth=env_int("LAMBDACHAT_ZIP_MAX_DEPTH", ZIP_MAX_DEPTH),
        text_max_chars=env_int("LAMBDACHAT_TEXT_MAX_MB", TEXT_MAX_MB) * MB,
        document_xml_max=get_settings().document_xml_max_bytes,
    )
