"""Bucket ids, filenames, file kinds, and the bucket keys built from values that passed them.

The key shapes are `lambdachat.storage.keys`'; the functions here check the bucket id and the
filename first, so `../`, absolute paths, NUL bytes or overlong names cannot reach S3.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from lambdachat.errors import BadRequest
from lambdachat.ids import check_client_id
from lambdachat.storage import keys

MAX_FILENAME = 100
_FILENAME = re.compile(r"^[\w.,+-]{1,100}$")
_UNSAFE_RUN = re.compile(r"[^\w.,+-]+")

Kind = Literal["document", "media"]

DOCUMENT_EXTENSIONS = frozenset({
    "pdf", "docx", "xlsx", "pptx", "odt", "epub", "html", "htm", "zip",
    # text types: read as UTF-8
    "txt", "md", "csv", "tsv", "json", "jsonl", "xml", "yaml", "yml", "toml", "ini", "cfg", "log",
    "har", "sh", "py", "js", "ts", "tsx", "jsx", "php", "css", "sql", "twig", "arc", "rst",
    "java", "c", "h", "cpp", "hpp", "cs", "go", "rs", "rb", "kt", "swift", "scala", "lua", "r", "tex",
})
MEDIA_TYPES: dict[str, str] = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac",
    "opus": "audio/opus", "ogg": "audio/ogg", "m4a": "audio/mp4", "mkv": "video/x-matroska",
    "webm": "video/webm", "mp4": "video/mp4",
}
# V1 refused this one by name: a lockfile is noise, never a document someone means to ask about.
_REFUSED_NAMES = frozenset({"package-lock.json"})


def check_bucket_id(bucket_id: str) -> str:
    return check_client_id(bucket_id, "bucket")


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def clean_filename(raw: str) -> str:
    """A client's filename reduced to `[\\w.,+-]`, <= 100 characters, no leading dot (V1 rules).

    Runs of other characters (`/`, `\\`, spaces) become one `_`; the extension survives
    truncation so the type is still known. NUL and other control characters are refused
    outright: no browser sends them, so they only come from someone probing.
    """
    if any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise BadRequest("A filename may not contain control characters")
    name = _UNSAFE_RUN.sub("_", unicodedata.normalize("NFC", raw).strip()).strip(".,_+-")
    if len(name) > MAX_FILENAME:
        ext = extension(name)
        keep = f".{ext}" if ext and len(ext) < 16 else ""
        name = name[: MAX_FILENAME - len(keep)].rstrip(".,_+-") + keep
    if not name:
        raise BadRequest(f"Not a usable filename: {raw[:40]!r}")
    return name


def check_filename(name: str) -> str:
    """A filename arriving in a URL path must already be in its cleaned form."""
    if not _FILENAME.match(name) or name[0] in ".,+-" or clean_filename(name) != name:
        raise BadRequest("A filename is at most 100 letters, digits or _ . , + -, not starting with a dot")
    return name


def kind_of(filename: str) -> Kind | None:
    """`document`, `media`, or None for a type buckets do not take (reported as skipped)."""
    ext = extension(filename)
    if ext in MEDIA_TYPES:
        return "media"
    if ext in DOCUMENT_EXTENSIONS and filename.lower() not in _REFUSED_NAMES:
        return "document"
    return None


def media_type(filename: str) -> str:
    return MEDIA_TYPES.get(extension(filename), "application/octet-stream")


def bucket_prefix(principal_id: str, bucket_id: str) -> str:
    return keys.bucket_prefix(principal_id, check_bucket_id(bucket_id))


def doc_key(principal_id: str, bucket_id: str, filename: str) -> str:
    return keys.bucket_object(principal_id, check_bucket_id(bucket_id), "docs", check_filename(filename))


def media_key(principal_id: str, bucket_id: str, filename: str) -> str:
    return keys.bucket_object(principal_id, check_bucket_id(bucket_id), "media", check_filename(filename))


def text_key(principal_id: str, bucket_id: str, filename: str) -> str:
    return keys.bucket_object(principal_id, check_bucket_id(bucket_id), "text", check_filename(filename) + ".md")


def object_key(principal_id: str, bucket_id: str, filename: str, kind: Kind) -> str:
    """Where an upload's bytes live: media where the media routes serve them, documents apart."""
    if kind == "media":
        return media_key(principal_id, bucket_id, filename)
    return doc_key(principal_id, bucket_id, filename)
