"""Text out of documents: one focused library per format, imported only when that format shows up.

`extract(stream, filename)` returns the document as named parts (one per file; a zip gives one
per readable member). A document that cannot be read (corrupt, encrypted, not what its name
says) raises `ExtractionError`, which becomes that file's `error` state. Archives (zip and the
zip-based formats) are measured from their central directory before anything is unpacked:
over a limit is `ArchiveTooLarge` (413). Python's zipfile never inflates past the sizes it
declares, so checking the declared sizes bounds the real work.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lambdachat.errors import PayloadTooLarge
from lambdachat.files import limits as limits_mod
from lambdachat.files.layout import extension

BinaryStream = IO[bytes]
SPOOL_BYTES = 8 * 1024 * 1024   # archive members up to this size stay in memory, bigger go to disk
ZIP_BASED = frozenset({"zip", "docx", "xlsx", "pptx", "odt", "epub"})
_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class ExtractionError(Exception):
    """This document cannot be read; the message is shown to the user as the file's error."""


class ArchiveTooLarge(PayloadTooLarge):
    pass


@dataclass(frozen=True)
class Part:
    name: str
    text: str


@dataclass
class _Budget:
    """What an archive may still unpack, shared across nesting levels."""

    limits: limits_mod.Limits
    members: int = 0
    unpacked: int = 0
    seen: list[str] = field(default_factory=list)

    def take(self, archive: str, zf: zipfile.ZipFile) -> None:
        infos = zf.infolist()
        self.members += len(infos)
        self.unpacked += sum(i.file_size for i in infos)
        if self.members > self.limits.zip_max_members:
            raise ArchiveTooLarge(f"{archive}: more than {self.limits.zip_max_members} archive members")
        if self.unpacked > self.limits.zip_max_unpacked:
            raise ArchiveTooLarge(
                f"{archive}: unpacks to more than {self.limits.zip_max_unpacked // limits_mod.MB} MB")


def _open_zip(stream: BinaryStream, filename: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"{filename}: not a readable {extension(filename) or 'zip'} file") from exc


def _spool_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryStream:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
    with zf.open(info) as member:
        shutil.copyfileobj(member, spool, 1024 * 1024)
    spool.seek(0)
    return spool


def _check_zip(zf: zipfile.ZipFile, name: str, budget: _Budget, depth: int) -> None:
    if depth > budget.limits.zip_max_depth:
        raise ArchiveTooLarge(f"{name}: archives nested deeper than {budget.limits.zip_max_depth} levels")
    budget.take(name, zf)
    for info in zf.infolist():
        if info.is_dir() or extension(info.filename) != "zip":
            continue
        try:
            with _spool_member(zf, info) as inner, zipfile.ZipFile(inner) as inner_zip:
                _check_zip(inner_zip, f"{name}/{info.filename}", budget, depth + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError):
            continue  # an unreadable inner archive is that member's problem, found when it is read


def check_archive(stream: BinaryStream, filename: str, limits: limits_mod.Limits | None = None) -> None:
    """Raise ArchiveTooLarge when a zip-based file is over the archive limits; else rewind the stream.

    An unreadable archive passes: it is stored and fails as that file's error when read.
    """
    if extension(filename) not in ZIP_BASED:
        return
    try:
        with zipfile.ZipFile(stream) as zf:
            _check_zip(zf, filename, _Budget(limits or limits_mod.current()), 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        pass
    finally:
        stream.seek(0)


# ---- one reader per format: each yields text pieces, so a huge document can be cut short ----

def _pdf(stream: BinaryStream, filename: str) -> Iterator[str]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(stream)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # many "protected" PDFs only restrict printing/copying
        except (FileNotDecryptedError, NotImplementedError) as exc:
            raise ExtractionError(f"{filename}: the PDF is encrypted") from exc
        if not opened:
            raise ExtractionError(f"{filename}: the PDF is encrypted with a password")
    for page in reader.pages:
        yield (page.extract_text() or "") + "\n"


def _docx(stream: BinaryStream, filename: str) -> Iterator[str]:
    import docx

    document = docx.Document(stream)
    for paragraph in document.paragraphs:
        yield paragraph.text + "\n"
    for table in document.tables:
        for row in table.rows:
            yield " | ".join(cell.text for cell in row.cells) + "\n"


def _xlsx(stream: BinaryStream, filename: str) -> Iterator[str]:
    import openpyxl

    workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield f"## {sheet.title}\n"
            for row in sheet.iter_rows(values_only=True):
                yield "\t".join("" if v is None else str(v) for v in row) + "\n"
    finally:
        workbook.close()


def _pptx(stream: BinaryStream, filename: str) -> Iterator[str]:
    from pptx import Presentation

    for number, slide in enumerate(Presentation(stream).slides, 1):
        yield f"## Slide {number}\n"
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield shape.text_frame.text + "\n"


def _odt(stream: BinaryStream, filename: str) -> Iterator[str]:
    from xml.etree import ElementTree

    with _open_zip(stream, filename) as zf:
        root = ElementTree.fromstring(zf.read("content.xml"))
    for element in root.iter():
        if element.tag in (_ODF_TEXT + "p", _ODF_TEXT + "h"):
            yield "".join(element.itertext()) + "\n"


def html_text(markup: bytes | str) -> str:
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # XHTML (epub) is fine to read as HTML
        soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    return soup.get_text("\n", strip=True)


def _html(stream: BinaryStream, filename: str) -> Iterator[str]:
    yield html_text(stream.read())


def _epub(stream: BinaryStream, filename: str) -> Iterator[str]:
    import ebooklib
    from ebooklib import epub

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ebooklib warns about future defaults on every read
        book = epub.read_epub(stream, options={"ignore_ncx": True})
    for item in book.get_items_of_type(ebooklib.ITEM_DOCUMENT):
        yield html_text(item.get_content()) + "\n\n"


def _text(stream: BinaryStream, filename: str) -> Iterator[str]:
    head = stream.read(4)
    stream.seek(0)
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    reader = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        while chunk := reader.read(1024 * 1024):
            yield chunk
    finally:
        reader.detach()  # the caller owns (and closes) the underlying stream


Reader = Callable[[BinaryStream, str], Iterator[str]]
READERS: dict[str, Reader] = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "pptx": _pptx, "odt": _odt,
                              "epub": _epub, "html": _html, "htm": _html}


def _collect(pieces: Iterator[str], max_chars: int) -> str:
    out: list[str] = []
    size = 0
    for piece in pieces:
        out.append(piece)
        size += len(piece)
        if size > max_chars:
            close: Any = getattr(pieces, "close", None)
            if close is not None:
                close()
            kept = "".join(out)[:max_chars]
            return kept + f"\n[... cut: the text is longer than {max_chars // limits_mod.MB} MB]"
    return "".join(out).strip("\n")


def _read_one(stream: BinaryStream, filename: str, max_chars: int) -> str:
    reader = READERS.get(extension(filename), _text)
    try:
        return _collect(reader(stream, filename), max_chars)
    except ExtractionError:
        raise
    except Exception as exc:  # a corrupt file can fail anywhere inside a parser, in any way
        raise ExtractionError(f"{filename}: could not read the {extension(filename) or 'text'} file "
                              f"({type(exc).__name__})") from exc


def _zip_parts(zf: zipfile.ZipFile, name: str, limits: limits_mod.Limits, depth: int) -> Iterator[Part]:
    from lambdachat.files.layout import kind_of

    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        member = "".join(ch for ch in info.filename if ch.isprintable())[:200]
        if info.is_dir() or kind_of(member.rsplit("/", 1)[-1]) != "document":
            continue
        label = f"{name}/{member}"
        try:
            with _spool_member(zf, info) as inner:
                if extension(member) == "zip":
                    if depth < limits.zip_max_depth:
                        with _open_zip(inner, label) as inner_zip:
                            yield from _zip_parts(inner_zip, label, limits, depth + 1)
                    continue
                yield Part(label, _read_one(inner, label, limits.text_max_chars))
        except ExtractionError as exc:
            yield Part(label, f"[{exc}]")
        except (RuntimeError, zipfile.BadZipFile, OSError, EOFError) as exc:  # encrypted or damaged member
            yield Part(label, f"[{label}: could not unpack ({exc})]")


def extract(stream: BinaryStream, filename: str, limits: limits_mod.Limits | None = None) -> list[Part]:
    """The text of one document as parts. `stream` must be seekable (a file or a spooled temp file)."""
    limits = limits or limits_mod.current()
    try:
        check_archive(stream, filename, limits)
    except ArchiveTooLarge as exc:  # stored before the limit was lowered, or sizes only known now
        raise ExtractionError(exc.message) from exc
    if extension(filename) == "zip":
        with _open_zip(stream, filename) as zf:
            return list(_zip_parts(zf, filename, limits, 1))
    return [Part(filename, _read_one(stream, filename, limits.text_max_chars))]
