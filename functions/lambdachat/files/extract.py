"""Text out of documents: one focused reader per format, its library imported only when needed.

`extract(stream, filename)` returns the document as named parts (one per file; a zip gives one
per readable member). A document that cannot be read (corrupt, encrypted, not what its name
says) raises `ExtractionError`, which becomes that file's `error` state. Zip-based files are
measured first (`archives.check_archive`: one budget for every container inside the upload),
and every member this module inflates is charged to the same budget as it comes out.

Memory: docx, pptx, odt, epub and html are read by streaming parser targets (`streamtext`), so
their peak does not grow with the document; xlsx (openpyxl streams worksheets) has what it
loads whole capped by `LAMBDACHAT_DOCUMENT_XML_MAX_MB`. `bench/extract_rss.py` measures it.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lambdachat.files import limits as limits_mod
from lambdachat.files import streamtext
from lambdachat.files.archives import (
    CHUNK,
    ZIP_ERRORS,
    ArchiveTooLarge,
    BinaryStream,
    Budget,
    ExtractionError,
    check_archive,
    member_chunks,
    open_zip,
    spool_member,
)
from lambdachat.files.layout import extension


@dataclass(frozen=True)
class Part:
    name: str
    text: str


# ---- one reader per format: each yields text pieces, so a huge document can be cut short ----

def _pdf(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
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


def _member(zf: zipfile.ZipFile, name: str, budget: Budget, label: str) -> Iterator[bytes]:
    try:
        info = zf.getinfo(name)
    except KeyError as exc:
        raise ExtractionError(f"{label}: {name} is missing") from exc
    return member_chunks(zf, info, budget, f"{label}/{name}")


def _relations(zf: zipfile.ZipFile, part: str, budget: Budget, label: str) -> dict[str, tuple[str, str]]:
    """An OPC part's relationships: id -> (type, target member). `part` "" is the package itself."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{base}.rels")
    if rels not in zf.NameToInfo:
        return {}
    tag = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
    found = streamtext.collect(_member(zf, rels, budget, label), {tag}, budget.limits.zip_max_members)
    out = {}
    for _, attrs in found:
        target = unquote(attrs.get("Target", ""))
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[attrs.get("Id", "")] = (attrs.get("Type", ""), target)
    return out


def _main_part(zf: zipfile.ZipFile, budget: Budget, label: str, default: str) -> str:
    for kind, target in _relations(zf, "", budget, label).values():
        if kind.endswith("/officeDocument"):
            return target
    return default


def _docx(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    with open_zip(stream, filename) as zf:
        document = _main_part(zf, budget, filename, "word/document.xml")
        yield from streamtext.xml_text(_member(zf, document, budget, filename), streamtext.DocxText())


def _xlsx(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    import openpyxl

    workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            yield f"## {sheet.title}\n"
            for row in sheet.iter_rows(values_only=True):
                yield "\t".join("" if v is None else str(v) for v in row) + "\n"
    finally:
        workbook.close()


def _slides(zf: zipfile.ZipFile, budget: Budget, label: str) -> list[str]:
    """Slide members in the presentation's order (its slide list), not their file names' order."""
    presentation = _main_part(zf, budget, label, "ppt/presentation.xml")
    relations = _relations(zf, presentation, budget, label)
    tag = f"{streamtext.P}sldId"
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    listed = streamtext.collect(_member(zf, presentation, budget, label), {tag}, budget.limits.zip_max_members)
    return [relations[attrs[r_id]][1] for _, attrs in listed
            if attrs.get(r_id) in relations and relations[attrs[r_id]][1] in zf.NameToInfo]


def _pptx(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    with open_zip(stream, filename) as zf:
        for number, slide in enumerate(_slides(zf, budget, filename), 1):
            yield f"## Slide {number}\n"
            yield from streamtext.xml_text(_member(zf, slide, budget, filename), streamtext.SlideText())


def _odt(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    with open_zip(stream, filename) as zf:
        yield from streamtext.xml_text(_member(zf, "content.xml", budget, filename), streamtext.OdtText())


def _html(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    yield from streamtext.html_text(iter(lambda: stream.read(CHUNK), b""))


OPF = "{http://www.idpf.org/2007/opf}"
XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html"})
CHAPTER_SKIPPED = streamtext.SKIPPED_HTML | {"head"}


def _chapters(zf: zipfile.ZipFile, budget: Budget, label: str) -> list[str]:
    """The book's XHTML documents: the spine (reading order) first, then any others it lists."""
    rootfile = "{urn:oasis:names:tc:opendocument:xmlns:container}rootfile"
    limit = budget.limits.zip_max_members
    roots = streamtext.collect(_member(zf, "META-INF/container.xml", budget, label), {rootfile}, 1)
    if not roots or not roots[0][1].get("full-path"):
        raise ExtractionError(f"{label}: the epub names no package document")
    opf = unquote(roots[0][1]["full-path"]).lstrip("/")
    found = streamtext.collect(_member(zf, opf, budget, label), {OPF + "item", OPF + "itemref"}, 2 * limit)
    items = {a.get("id", ""): a for tag, a in found if tag == OPF + "item"
             if a.get("media-type") in XHTML_TYPES and "nav" not in a.get("properties", "").split()}
    order = [a.get("idref", "") for tag, a in found if tag == OPF + "itemref"]
    order += [i for i in items if i not in order]
    folder = posixpath.dirname(opf)
    paths = [posixpath.normpath(posixpath.join(folder, unquote(items[i].get("href", "")))) for i in order if i in items]
    return list(dict.fromkeys(p for p in paths if p in zf.NameToInfo))


def _epub(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    with open_zip(stream, filename) as zf:
        for chapter in _chapters(zf, budget, filename):
            # a chapter's <head> only repeats its title, which the body's heading shows
            yield from streamtext.html_text(_member(zf, chapter, budget, filename), CHAPTER_SKIPPED)
            yield "\n"


def _text(stream: BinaryStream, filename: str, budget: Budget) -> Iterator[str]:
    head = stream.read(4)
    stream.seek(0)
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    reader = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    try:
        while chunk := reader.read(1024 * 1024):
            yield chunk
    finally:
        reader.detach()  # the caller owns (and closes) the underlying stream


Reader = Callable[[BinaryStream, str, Budget], Iterator[str]]
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


def _read_one(stream: BinaryStream, filename: str, budget: Budget) -> str:
    reader = READERS.get(extension(filename), _text)
    try:
        return _collect(reader(stream, filename, budget), budget.limits.text_max_chars)
    except (ExtractionError, ArchiveTooLarge):
        raise
    except Exception as exc:  # a corrupt file can fail anywhere inside a parser, in any way
        raise ExtractionError(f"{filename}: could not read the {extension(filename) or 'text'} file "
                              f"({type(exc).__name__})") from exc


def _zip_parts(zf: zipfile.ZipFile, name: str, budget: Budget, depth: int) -> Iterator[Part]:
    from lambdachat.files.layout import kind_of

    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        member = "".join(ch for ch in info.filename if ch.isprintable())[:200]
        if info.is_dir() or kind_of(member.rsplit("/", 1)[-1]) != "document":
            continue
        label = f"{name}/{member}"
        try:
            with spool_member(zf, info, budget, label) as inner:
                if extension(member) == "zip":
                    if depth < budget.limits.zip_max_depth:
                        with open_zip(inner, label) as inner_zip:
                            yield from _zip_parts(inner_zip, label, budget, depth + 1)
                    continue
                yield Part(label, _read_one(inner, label, budget))
        except ExtractionError as exc:
            yield Part(label, f"[{exc}]")
        except ZIP_ERRORS as exc:  # encrypted or damaged member
            yield Part(label, f"[{label}: could not unpack ({exc})]")


def extract(stream: BinaryStream, filename: str, limits: limits_mod.Limits | None = None) -> list[Part]:
    """The text of one document as parts. `stream` must be seekable (a file or a spooled temp file)."""
    limits = limits or limits_mod.current()
    try:
        check_archive(stream, filename, limits)
        budget = Budget(limits)  # the check's inflation was its own; reading counts afresh
        if extension(filename) == "zip":
            with open_zip(stream, filename) as zf:
                return list(_zip_parts(zf, filename, budget, 1))
        return [Part(filename, _read_one(stream, filename, budget))]
    except ArchiveTooLarge as exc:  # stored before a limit was lowered, or sizes only known now
        raise ExtractionError(exc.message) from exc
